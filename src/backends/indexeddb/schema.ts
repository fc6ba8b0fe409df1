import type { DBSchema, IDBPDatabase } from "idb";
import type { KeyInfo } from "../../keys/types.js";

/** The schema version this release writes. Each step below takes the database one version up. */
export const SCHEMA_VERSION = 2;

/** Key material of one version as it rests in IndexedDB. */
export type MaterialRecord =
  | {
      readonly version: number;
      readonly kind: "cryptoKey";
      /** Non-extractable; IndexedDB keeps it by structured clone. */
      readonly key: CryptoKey;
      readonly publicKey?: CryptoKey;
    }
  | {
      readonly version: number;
      readonly kind: "wrapped";
      /** Id of the record in `wrapping-keys` whose key sealed these bytes. */
      readonly wrappingKeyId: string;
      /** AES-GCM nonce, 12 bytes. */
      readonly iv: Uint8Array;
      /** AES-GCM output: ciphertext followed by the 16-byte tag. */
      readonly sealed: Uint8Array;
    };

export interface KeyRecord {
  readonly name: string;
  readonly revision: number;
  readonly info: KeyInfo;
  readonly material: readonly MaterialRecord[];
}

export interface DocumentRecord {
  readonly name: string;
  readonly revision: number;
  readonly value: unknown;
}

export interface WrappingKeyRecord {
  readonly id: string;
  /** Non-extractable AES-256-GCM key with usages encrypt and decrypt. */
  readonly key: CryptoKey;
  readonly createdAt: number;
}

export interface AuditRecord {
  /** Assigned by IndexedDB (autoIncrement), so records keep the order of appends. */
  readonly sequence?: number;
  readonly event: unknown;
}

/** Object stores and their records; idb checks store names and record types against it. */
export interface KeyStateDB extends DBSchema {
  keys: { key: string; value: KeyRecord };
  documents: { key: string; value: DocumentRecord };
  "wrapping-keys": { key: string; value: WrappingKeyRecord };
  "audit-events": { key: number; value: AuditRecord };
}

/**
 * Creates or upgrades the object stores from `oldVersion` to SCHEMA_VERSION.
 * Runs inside the versionchange transaction, so it only creates stores and
 * indexes: no cryptography and no other awaits happen here.
 */
export function upgradeSchema(database: IDBPDatabase<KeyStateDB>, oldVersion: number): void {
  // Version 1: keys, JSON documents and the wrapping keys that seal raw material.
  if (oldVersion < 1) {
    database.createObjectStore("keys", { keyPath: "name" });
    database.createObjectStore("documents", { keyPath: "name" });
    database.createObjectStore("wrapping-keys", { keyPath: "id" });
  }

  // Version 2: the append-only audit log of IndexedDBAuditSink.
  if (oldVersion < 2) {
    database.createObjectStore("audit-events", { keyPath: "sequence", autoIncrement: true });
  }
}
