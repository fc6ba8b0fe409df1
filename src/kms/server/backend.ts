import type { KmsAlgorithm, KmsKeyInfo } from "../protocol.js";

/** One version of a master key, as the backend addresses it. */
export interface VersionRef {
  readonly name: string;
  readonly version: number;
  readonly id: number;
}

/**
 * A store of master keys: a PKCS#11 token or a software key store. A backend
 * only performs operations with keys it holds; it never returns secret or
 * private key material. Several proxy processes may share one backend's
 * token or store, so each method reads what other processes wrote.
 */
export interface KmsBackend {
  /** "pkcs11" or "software", for /v1/health and logs. */
  readonly kind: string;

  listKeys(): Promise<KmsKeyInfo[]>;
  /** Returns undefined when no key has this name. Throws UNSUPPORTED_ALGORITHM for a key of an algorithm the proxy does not serve. */
  getKey(name: string): Promise<KmsKeyInfo | undefined>;
  /** Creates version 1. Throws KEY_EXISTS. */
  createKey(name: string, algorithm: KmsAlgorithm): Promise<KmsKeyInfo>;
  /** Adds a version that becomes primary; older versions keep working. Throws KEY_NOT_FOUND. */
  rotateKey(name: string): Promise<KmsKeyInfo>;

  /**
   * AES-256-GCM with a fresh 96-bit IV: returns IV || ciphertext || 128-bit tag.
   * The software backend also serves AES-KW store keys, for which it returns
   * the RFC 3394 output under a key derived from the master key and `aad`.
   */
  encrypt(key: VersionRef, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Reverses encrypt. Throws DECRYPT_FAILED without a reason, KEY_NOT_FOUND for an unknown version. */
  decrypt(key: VersionRef, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /**
   * Signs `message`: Ed25519 (RFC 8032) over the message, or ECDSA P-256
   * over its SHA-256 digest with the signature as r || s (64 bytes).
   */
  sign(key: VersionRef, message: Uint8Array): Promise<Uint8Array>;
  /** Returns the DER SubjectPublicKeyInfo of a signing key version. */
  publicKey(key: VersionRef): Promise<Uint8Array>;

  close(): Promise<void>;
}
