import type { Connection } from "./connection.js";
import { probeCryptoKey } from "./probe.js";
import type { WrappingKeyRecord } from "./schema.js";
import { cryptoKeyNotPersisted } from "./storage-errors.js";
import { generateWrappingKey } from "./wrapping.js";

/** Finds or creates the non-extractable wrapping key that seals new raw material. */
export class WrappingKeys {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /**
   * Returns the wrapping key for new material, creating it on first use.
   * Callers hold the write lock, so tabs with Web Locks create only one.
   * Throws STORAGE_UNAVAILABLE when the browser does not keep the new key.
   */
  async current(): Promise<{ id: string; key: CryptoKey }> {
    const stored = await this.#connection.run(["wrapping-keys"], "readonly", (transaction) =>
      transaction.objectStore("wrapping-keys").getAll(),
    );
    const oldest = pickOldest(stored);
    if (oldest !== undefined) return { id: oldest.id, key: oldest.key };

    return this.#create();
  }

  async #create(): Promise<{ id: string; key: CryptoKey }> {
    // Generated before the transaction: no crypto.subtle call may run inside one.
    const record: WrappingKeyRecord = { id: crypto.randomUUID(), key: await generateWrappingKey(), createdAt: Date.now() };

    // A writer in another tab without Web Locks may have created one meanwhile.
    // Then both records stay, and each sealed blob names the one it used.
    await this.#connection.run(["wrapping-keys"], "readwrite", async (transaction) => {
      await transaction.objectStore("wrapping-keys").add(record);
    });

    // Seal with the copy read back from IndexedDB, and only once it works,
    // because a browser may fail to keep a CryptoKey without an error.
    const readBack = await this.#connection.run(["wrapping-keys"], "readonly", (transaction) =>
      transaction.objectStore("wrapping-keys").get(record.id),
    );
    if (readBack === undefined || !(await probeCryptoKey(readBack.key))) {
      await this.#connection.run(["wrapping-keys"], "readwrite", (transaction) =>
        transaction.objectStore("wrapping-keys").delete(record.id),
      );
      throw cryptoKeyNotPersisted(this.#connection.name, "the key that wraps raw key material");
    }

    return { id: readBack.id, key: readBack.key };
  }
}

function pickOldest(records: WrappingKeyRecord[]): WrappingKeyRecord | undefined {
  let oldest: WrappingKeyRecord | undefined;
  for (const record of records) {
    const earlier = oldest === undefined || record.createdAt < oldest.createdAt;
    const tieBreak = oldest !== undefined && record.createdAt === oldest.createdAt && record.id < oldest.id;
    if (earlier || tieBreak) oldest = record;
  }
  return oldest;
}
