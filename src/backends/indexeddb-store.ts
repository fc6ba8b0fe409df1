import { KeyStateError } from "../errors.js";
import type { KeyInfo } from "../keys/types.js";
import type { KeyStore, Revisioned, StoredKey } from "./key-store.js";
import { Connection } from "./indexeddb/connection.js";
import { ChangeChannel, withWriteLock, type StoreChangeListener } from "./indexeddb/cross-tab.js";
import { findUnusableMaterial, readKeySnapshot, toMaterialRecords, toStoredKey } from "./indexeddb/key-records.js";
import type { DocumentRecord, KeyRecord } from "./indexeddb/schema.js";
import { cryptoKeyNotPersisted } from "./indexeddb/storage-errors.js";
import { assertEntryName, assertExpectedRevision, assertStorableKey, toJsonDocument } from "./indexeddb/validate.js";
import { WrappingKeys } from "./indexeddb/wrapping-keys.js";

export interface IndexedDBStoreOptions {
  /** Name of the IndexedDB database, 1 to 256 characters. Default "keystate". */
  name?: string;
}

/**
 * A KeyStore in the browser's IndexedDB. WebCrypto keys rest as
 * non-extractable CryptoKey objects. Raw material of the WASM core rests only
 * sealed with AES-256-GCM under a non-extractable wrapping key in the same
 * database, and is opened in memory when read.
 *
 * Writes are compare-and-swap inside one readwrite transaction, hold a Web
 * Lock where the browser has them, read every CryptoKey back and use it once
 * before they count as committed, and are announced to other tabs through
 * BroadcastChannel (see onChange).
 */
export class IndexedDBStore implements KeyStore {
  readonly capabilities = { cryptoKeys: true } as const;
  /** The IndexedDB database name. */
  readonly name: string;

  readonly #connection: Connection;
  readonly #changes: ChangeChannel;
  readonly #wrappingKeys: WrappingKeys;

  private constructor(name: string) {
    this.name = name;
    this.#connection = new Connection(name);
    this.#changes = new ChangeChannel(name);
    this.#wrappingKeys = new WrappingKeys(this.#connection);
  }

  /**
   * Opens (creating or upgrading) the database. Throws INVALID_ARGUMENT,
   * STORAGE_UNAVAILABLE (no IndexedDB here), UPGRADE_BLOCKED (another tab
   * holds an older version open), UNSUPPORTED_FORMAT (the database has a
   * newer schema than this release).
   */
  static async open(options: IndexedDBStoreOptions = {}): Promise<IndexedDBStore> {
    const name = options.name ?? "keystate";
    if (typeof name !== "string" || name.length === 0 || name.length > 256) {
      throw new KeyStateError("INVALID_ARGUMENT", `options.name must be a database name of 1 to 256 characters; got ${String(name)}`);
    }

    const store = new IndexedDBStore(name);
    try {
      await store.#connection.database();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Reads a key with its material. Throws INVALID_ARGUMENT, STORE_CORRUPT, STORAGE_UNAVAILABLE. */
  async getKey(name: string): Promise<Revisioned<StoredKey> | undefined> {
    assertEntryName(name, "key name");

    const snapshot = await readKeySnapshot(this.#connection, name);
    if (snapshot === undefined) return undefined;

    // Opening sealed material is cryptography, so it runs after the read
    // transaction has ended.
    const value = await toStoredKey(this.name, snapshot);
    return { value, revision: snapshot.record.revision };
  }

  /** Lists the metadata of every key, ordered by name. */
  async listKeys(): Promise<KeyInfo[]> {
    const records = await this.#connection.run(["keys"], "readonly", (transaction) => transaction.objectStore("keys").getAll());
    return records.map((record) => record.info);
  }

  /**
   * Stores a key if its revision is still `expectedRevision` (null: the key
   * must not exist yet) and returns the new revision. Throws INVALID_ARGUMENT,
   * CONFLICT, QUOTA_EXCEEDED, STORAGE_UNAVAILABLE (also when the browser did
   * not keep a CryptoKey, after the previous record is restored).
   */
  async putKey(key: StoredKey, expectedRevision: number | null): Promise<number> {
    assertStorableKey(key);
    assertExpectedRevision(expectedRevision);
    const name = key.info.name;
    const info = JSON.parse(JSON.stringify(key.info)) as KeyInfo;

    const revision = await withWriteLock(this.name, async () => {
      // Cryptography first: nothing but IndexedDB requests may be awaited
      // once the transaction below has started.
      const material = await toMaterialRecords(key, () => this.#wrappingKeys.current());
      const wrappingKeyIds = new Set(material.flatMap((entry) => (entry.kind === "wrapped" ? [entry.wrappingKeyId] : [])));

      const { previous, next } = await this.#connection.run(["keys", "wrapping-keys"], "readwrite", async (transaction) => {
        for (const id of wrappingKeyIds) {
          if ((await transaction.objectStore("wrapping-keys").getKey(id)) === undefined) throw wrappingKeyRemoved(this.name, name);
        }

        const keys = transaction.objectStore("keys");
        const current = await keys.get(name);
        assertRevisionMatches("key", name, current?.revision, expectedRevision);

        const record: KeyRecord = { name, revision: (current?.revision ?? 0) + 1, info, material };
        await keys.put(record);
        return { previous: current, next: record };
      });

      await this.#confirmKeyWrite(next, previous);
      return next.revision;
    });

    this.#changes.publish({ kind: "key", name, revision });
    return revision;
  }

  /** Reads a JSON document. Throws INVALID_ARGUMENT, STORAGE_UNAVAILABLE. */
  async getDocument(name: string): Promise<Revisioned<unknown> | undefined> {
    assertEntryName(name, "document name");

    const record = await this.#connection.run(["documents"], "readonly", (transaction) =>
      transaction.objectStore("documents").get(name),
    );
    return record === undefined ? undefined : { value: record.value, revision: record.revision };
  }

  /**
   * Stores a JSON document with the same compare-and-swap rule as putKey and
   * returns the new revision. Throws INVALID_ARGUMENT, CONFLICT,
   * QUOTA_EXCEEDED, STORAGE_UNAVAILABLE.
   */
  async putDocument(name: string, value: unknown, expectedRevision: number | null): Promise<number> {
    assertEntryName(name, "document name");
    assertExpectedRevision(expectedRevision);
    const json = toJsonDocument(name, value);

    const revision = await withWriteLock(this.name, () =>
      this.#connection.run(["documents"], "readwrite", async (transaction) => {
        const documents = transaction.objectStore("documents");
        const current = await documents.get(name);
        assertRevisionMatches("document", name, current?.revision, expectedRevision);

        const record: DocumentRecord = { name, revision: (current?.revision ?? 0) + 1, value: json };
        await documents.put(record);
        return record.revision;
      }),
    );

    this.#changes.publish({ kind: "document", name, revision });
    return revision;
  }

  /**
   * Calls `listener` after every committed write to this database: from this
   * store object (source "self") and from other tabs, workers and store
   * objects of the same origin (source "other"). Returns the function that
   * removes the listener.
   */
  onChange(listener: StoreChangeListener): () => void {
    return this.#changes.subscribe(listener);
  }

  /** Closes the database connection and the change channel; later calls reject with NOT_READY. */
  async close(): Promise<void> {
    this.#changes.close();
    await this.#connection.close();
  }

  /**
   * Reads a written key back and uses its material once, because some
   * browsers store a CryptoKey as nothing without an error. When that
   * happens the previous record goes back in place and STORAGE_UNAVAILABLE
   * is thrown, so the failed write loses no existing key.
   */
  async #confirmKeyWrite(written: KeyRecord, previous: KeyRecord | undefined): Promise<void> {
    const snapshot = await readKeySnapshot(this.#connection, written.name);
    if (snapshot === undefined) throw keyVanished(this.name, written.name);

    // Someone without the Web Lock wrote after us; that writer confirms its own record.
    if (snapshot.record.revision !== written.revision) return;

    const failedVersion = await findUnusableMaterial(snapshot);
    if (failedVersion === undefined) return;

    await this.#connection.run(["keys"], "readwrite", async (transaction) => {
      const keys = transaction.objectStore("keys");
      const current = await keys.get(written.name);
      if (current !== undefined && current.revision !== written.revision) return;

      if (previous === undefined) await keys.delete(written.name);
      else await keys.put(previous);
    });

    throw cryptoKeyNotPersisted(this.name, `key "${written.name}" version ${failedVersion}`);
  }
}

function assertRevisionMatches(kind: "key" | "document", name: string, current: number | undefined, expected: number | null): void {
  if (current === undefined && expected === null) return;
  if (current !== undefined && current === expected) return;

  const reader = kind === "key" ? "getKey" : "getDocument";
  let message: string;
  if (current === undefined) {
    message = `The ${kind} "${name}" does not exist, but revision ${String(expected)} was expected. Read it again with ${reader}.`;
  } else if (expected === null) {
    message = `The ${kind} "${name}" already exists at revision ${current}. Read it with ${reader} and pass its revision to update it.`;
  } else {
    message =
      `The ${kind} "${name}" is at revision ${current}, not ${expected}: another tab or writer changed it. ` +
      `Read it again with ${reader} and reapply the change.`;
  }
  throw new KeyStateError("CONFLICT", message);
}

function wrappingKeyRemoved(database: string, name: string): KeyStateError {
  return new KeyStateError(
    "CONFLICT",
    `The wrapping key chosen for key "${name}" was removed from IndexedDB database "${database}" by another connection ` +
      "before the write; nothing was stored. Retry the write.",
  );
}

function keyVanished(database: string, name: string): KeyStateError {
  return new KeyStateError(
    "STORAGE_UNAVAILABLE",
    `The key "${name}" was missing right after it was written to IndexedDB database "${database}": ` +
      "another tab deleted the database, or the site data was cleared. Reload the page and retry.",
  );
}
