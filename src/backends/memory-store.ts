import { KeyStateError } from "../errors.js";
import type { KeyInfo } from "../keys/types.js";
import type { KeyStore, Revisioned, StoredKey, StoredMaterial } from "./key-store.js";

/** Options of MemoryStore. */
export interface MemoryStoreOptions {
  /**
   * Whether the store keeps WebCrypto keys as CryptoKey objects, so WebCrypto
   * algorithms get non-extractable keys from the start. Default true; false
   * makes every key raw bytes, as in a store that serialises them.
   */
  cryptoKeys?: boolean;
}

interface Entry<T> {
  value: T;
  revision: number;
}

/**
 * A KeyStore in memory, for tests, short-lived processes and as a cache in
 * front of nothing. It copies keys and documents on the way in and out, so
 * neither a caller nor the client can change stored bytes through a
 * reference. CryptoKey objects are immutable and kept by reference.
 */
export class MemoryStore implements KeyStore {
  readonly capabilities: { readonly cryptoKeys: boolean };
  readonly #keys = new Map<string, Entry<StoredKey>>();
  readonly #documents = new Map<string, Entry<unknown>>();
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.capabilities = Object.freeze({ cryptoKeys: options.cryptoKeys ?? true });
  }

  async getKey(name: string): Promise<Revisioned<StoredKey> | undefined> {
    this.#assertOpen();
    const entry = this.#keys.get(name);
    return entry === undefined ? undefined : { value: copyKey(entry.value), revision: entry.revision };
  }

  async listKeys(): Promise<KeyInfo[]> {
    this.#assertOpen();
    return [...this.#keys.values()].map((entry) => structuredClone(entry.value.info)).sort((a, b) => compare(a.name, b.name));
  }

  async putKey(key: StoredKey, expectedRevision: number | null): Promise<number> {
    this.#assertOpen();
    const name = key.info.name;
    const revision = checkRevision(this.#keys.get(name), expectedRevision, `key "${name}"`);
    this.#keys.set(name, { value: copyKey(key), revision });
    return revision;
  }

  async getDocument(name: string): Promise<Revisioned<unknown> | undefined> {
    this.#assertOpen();
    const entry = this.#documents.get(name);
    return entry === undefined ? undefined : { value: structuredClone(entry.value), revision: entry.revision };
  }

  async putDocument(name: string, value: unknown, expectedRevision: number | null): Promise<number> {
    this.#assertOpen();
    const revision = checkRevision(this.#documents.get(name), expectedRevision, `document "${name}"`);
    this.#documents.set(name, { value: structuredClone(value), revision });
    return revision;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new KeyStateError("NOT_READY", "this MemoryStore is closed; create a new one");
  }
}

// Returns the revision a write creates, or throws CONFLICT when the caller's
// expectation no longer holds.
function checkRevision(current: Entry<unknown> | undefined, expected: number | null, description: string): number {
  const actual = current?.revision ?? null;
  if (actual !== expected) {
    throw new KeyStateError(
      "CONFLICT",
      `${description} changed since it was read (expected revision ${expected ?? "none"}, found ${actual ?? "none"}); read it again and retry`,
    );
  }
  return (actual ?? 0) + 1;
}

function copyKey(key: StoredKey): StoredKey {
  const material = new Map<number, StoredMaterial>();
  for (const [version, stored] of key.material) material.set(version, copyMaterial(stored));
  return { info: structuredClone(key.info), material };
}

function copyMaterial(stored: StoredMaterial): StoredMaterial {
  if (stored.type === "raw") return { type: "raw", bytes: stored.bytes.slice() };
  return stored.publicKey === undefined
    ? { type: "cryptoKey", key: stored.key }
    : { type: "cryptoKey", key: stored.key, publicKey: stored.publicKey };
}

function compare(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
