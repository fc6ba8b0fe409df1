/** The purpose of a key. A key is used only for its purpose. */
export type KeyPurpose = "encrypt" | "sign" | "mac" | "wrap";

/** The algorithms a key can have, by purpose. */
export type KeyAlgorithm =
  | "XCHACHA20-POLY1305" // encrypt (default), wrap; WASM core
  | "AES-256-GCM" // encrypt, wrap; WebCrypto
  | "ED25519" // sign (default); WASM core
  | "ECDSA-P256" // sign; WebCrypto
  | "HMAC-SHA256" // mac (default); WebCrypto
  | "AES-KW"; // wrap (default); WebCrypto, RFC 3394

/**
 * The life cycle of a key version. Exactly one version of a key is primary,
 * and only it encrypts or signs. Primary and active versions decrypt and
 * verify. Disabled versions do nothing until re-enabled, and destroyed
 * versions have no material left.
 */
export type KeyVersionStatus = "primary" | "active" | "disabled" | "destroyed";

/**
 * Counters a version accumulates. They count what the version produced:
 * encryptions, envelope wraps, signatures and MACs, because the wear-out
 * limits of keys concern those. Decryptions and verifications are not
 * counted. The client batches the store writes, so the stored counters may
 * lag the truth by up to its flush interval.
 */
export interface KeyUsage {
  /** Number of operations. */
  operations: number;
  /** Plaintext or message bytes those operations processed. */
  bytes: number;
}

/** Public metadata of one key version: never contains material. */
export interface KeyVersionInfo {
  /** 1, 2, 3 ... in order of creation. */
  version: number;
  /** Random unsigned 32-bit id written into ciphertext headers and `kid`s. */
  id: number;
  status: KeyVersionStatus;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  usage: KeyUsage;
}

/** Public metadata of a key: what getKey and listKeys return. */
export interface KeyInfo {
  name: string;
  purpose: KeyPurpose;
  algorithm: KeyAlgorithm;
  createdAt: number;
  versions: KeyVersionInfo[];
}
