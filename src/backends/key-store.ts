import type { KeyInfo } from "../keys/types.js";

/**
 * Key material as a store receives and returns it. `raw` bytes are kept in
 * memory only, and each store decides how they rest: sealed under a master key
 * on disk, wrapped under a non-extractable key in IndexedDB. A `cryptoKey` is a
 * WebCrypto key that only stores with `capabilities.cryptoKeys` can keep.
 */
export type StoredMaterial =
  | { readonly type: "raw"; readonly bytes: Uint8Array }
  | { readonly type: "cryptoKey"; readonly key: CryptoKey; readonly publicKey?: CryptoKey };

/** A key as a store keeps it: metadata plus the material of each version that still has any. */
export interface StoredKey {
  readonly info: KeyInfo;
  /** Material by version number; destroyed versions have no entry. */
  readonly material: ReadonlyMap<number, StoredMaterial>;
}

/** A value read from a store with the revision to pass to the next compare-and-swap write. */
export interface Revisioned<T> {
  readonly value: T;
  /** Increases by one on every successful write of this entry. */
  readonly revision: number;
}

/**
 * One interface for every store. Writes are compare-and-swap. `expectedRevision`
 * is the revision the caller read, or null to create. A write whose expected
 * revision is no longer current throws CONFLICT and changes nothing, so two
 * writers cannot lose each other's update.
 */
export interface KeyStore {
  readonly capabilities: { readonly cryptoKeys: boolean };

  getKey(name: string): Promise<Revisioned<StoredKey> | undefined>;
  listKeys(): Promise<KeyInfo[]>;
  /** Returns the new revision. Throws CONFLICT, STORE_CORRUPT. */
  putKey(key: StoredKey, expectedRevision: number | null): Promise<number>;

  /**
   * Small JSON documents the library keeps beside the keys (the access
   * policy, the audit state). Same compare-and-swap rule as keys.
   */
  getDocument(name: string): Promise<Revisioned<unknown> | undefined>;
  putDocument(name: string, value: unknown, expectedRevision: number | null): Promise<number>;

  /** Releases files, handles and connections. */
  close(): Promise<void>;
}
