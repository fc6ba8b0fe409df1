import { KeyStateError } from "../errors.js";
import type { KeyStore, Revisioned, StoredKey } from "../backends/key-store.js";
import { MemoryStore } from "../backends/memory-store.js";
import { isKeyName } from "../keys/names.js";
import type { KeyInfo } from "../keys/types.js";

/**
 * The store of a client opened from a sealed keyset: keys are read-only, so
 * create, rotate, revoke and destroy throw STORE_READ_ONLY. Usage counters
 * and the policy and audit documents change in memory only.
 */
export class KeysetStore implements KeyStore {
  readonly #memory = new MemoryStore({ cryptoKeys: false });

  get capabilities(): { readonly cryptoKeys: boolean } {
    return this.#memory.capabilities;
  }

  /** Fills a new store with the keys of an opened keyset. */
  static async of(keys: readonly StoredKey[]): Promise<KeysetStore> {
    const store = new KeysetStore();
    for (const key of keys) await store.#memory.putKey(key, null);
    return store;
  }

  getKey(name: string): Promise<Revisioned<StoredKey> | undefined> {
    return this.#memory.getKey(name);
  }

  listKeys(): Promise<KeyInfo[]> {
    return this.#memory.listKeys();
  }

  /**
   * Accepts a write that changes only usage counters, and writes of the
   * library's own entries (names outside the key name syntax, such as the
   * audit log's signing key). Any other write throws STORE_READ_ONLY.
   */
  async putKey(key: StoredKey, expectedRevision: number | null): Promise<number> {
    if (!isKeyName(key.info.name)) return this.#memory.putKey(key, expectedRevision);

    const current = await this.#memory.getKey(key.info.name);
    if (current === undefined || !sameKeyApartFromUsage(current.value, key)) {
      throw new KeyStateError(
        "STORE_READ_ONLY",
        "this store was opened from a sealed keyset and is read-only, " +
          `so key "${key.info.name}" cannot be created or changed here; ` +
          "create or change it in the source store and export a new keyset",
      );
    }
    return this.#memory.putKey(key, expectedRevision);
  }

  getDocument(name: string): Promise<Revisioned<unknown> | undefined> {
    return this.#memory.getDocument(name);
  }

  putDocument(name: string, value: unknown, expectedRevision: number | null): Promise<number> {
    return this.#memory.putDocument(name, value, expectedRevision);
  }

  close(): Promise<void> {
    return this.#memory.close();
  }
}

function sameKeyApartFromUsage(current: StoredKey, next: StoredKey): boolean {
  const strip = (info: KeyInfo) =>
    JSON.stringify({ ...info, versions: info.versions.map(({ usage: _usage, updatedAt: _updatedAt, ...rest }) => rest) });

  if (strip(current.info) !== strip(next.info) || current.material.size !== next.material.size) return false;

  for (const [version, material] of current.material) {
    const other = next.material.get(version);
    if (material.type !== "raw" || other?.type !== "raw" || !equalBytes(material.bytes, other.bytes)) return false;
  }
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
