import type { StoredMaterial } from "../backends/key-store.js";
import type { KeyMaterial } from "../keys/material.js";
import type { KeyAlgorithm, KeyPurpose } from "../keys/types.js";

/** Operations of every algorithm engine: make new material and load stored material for use. */
export interface EngineBase {
  readonly algorithm: KeyAlgorithm;
  /** Purposes a key of this algorithm may have. */
  readonly purposes: readonly KeyPurpose[];
  /** True when the WASM core runs the algorithm, so the synchronous client forms can use it. */
  readonly synchronous: boolean;

  /**
   * Generates material for a new version. With `cryptoKeys` (the store keeps
   * CryptoKey objects) WebCrypto algorithms generate non-extractable keys;
   * otherwise every algorithm returns raw bytes.
   */
  generate(cryptoKeys: boolean): Promise<StoredMaterial>;

  /** Turns stored material into a handle: raw bytes of WebCrypto algorithms are imported as non-extractable keys. Throws STORE_CORRUPT. */
  load(stored: StoredMaterial): Promise<KeyMaterial>;
}

/** An AEAD that encrypts data directly (purpose encrypt) or wraps data keys (purpose wrap). */
export interface CipherEngine extends EngineBase {
  readonly kind: "cipher";
  /** Nonce length in bytes. */
  readonly nonceLength: number;
  /** Tag length in bytes, appended to the ciphertext. */
  readonly tagLength: number;
  encrypt(material: KeyMaterial, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws DECRYPT_FAILED. */
  decrypt(material: KeyMaterial, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  encryptSync?(material: KeyMaterial, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Like encryptSync, writing ciphertext and tag into `output` at `offset` instead of a new array. */
  encryptIntoSync?(material: KeyMaterial, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, output: Uint8Array, offset: number): void;
  decryptSync?(material: KeyMaterial, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array;
}

/** A signature scheme. Signatures are raw bytes: Ed25519's 64 bytes, ECDSA's r || s (IEEE P1363). */
export interface SignatureEngine extends EngineBase {
  readonly kind: "signature";
  sign(material: KeyMaterial, message: Uint8Array): Promise<Uint8Array>;
  /** Returns false for any signature that does not verify, including one of the wrong length. */
  verify(material: KeyMaterial, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  signSync?(material: KeyMaterial, message: Uint8Array): Uint8Array;
  verifySync?(material: KeyMaterial, message: Uint8Array, signature: Uint8Array): boolean;
  /** The public key as a JWK without `kid`, `use` and `alg`, which the caller adds. */
  publicJwk(material: KeyMaterial): Promise<JsonWebKey>;
}

/** A message authentication code. */
export interface MacEngine extends EngineBase {
  readonly kind: "mac";
  /** Tag length in bytes. */
  readonly tagLength: number;
  mac(material: KeyMaterial, message: Uint8Array): Promise<Uint8Array>;
}

/** A key-wrapping algorithm without associated data (AES-KW, RFC 3394). */
export interface KeyWrapEngine extends EngineBase {
  readonly kind: "keywrap";
  wrap(material: KeyMaterial, key: Uint8Array): Promise<Uint8Array>;
  /** Throws DECRYPT_FAILED when the integrity check fails. */
  unwrap(material: KeyMaterial, wrapped: Uint8Array): Promise<Uint8Array>;
}

export type Engine = CipherEngine | SignatureEngine | MacEngine | KeyWrapEngine;
