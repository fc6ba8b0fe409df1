import type { AuditEntry, AuditSink } from "../../audit/types.js";
import { KeyStateError } from "../../errors.js";
import { Connection } from "./connection.js";

/** An append-only audit sink in the `audit-events` object store of a KeyState database. */
export interface IndexedDBAuditSink extends AuditSink {
  /** The IndexedDB database name. */
  readonly name: string;
  append(chain: (last: AuditEntry | undefined) => readonly AuditEntry[]): Promise<void>;
  read(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/**
 * Creates a sink that appends each batch in one readwrite transaction, so a
 * batch is stored whole or not at all, and write() resolves once the
 * transaction has committed. It only ever adds records; nothing in KeyState
 * updates or deletes them. The database (default "keystate", the same one
 * IndexedDBStore uses) opens on first use.
 *
 * append() reads the last entry and adds the batch in the same readwrite
 * transaction. IndexedDB runs readwrite transactions over one object store
 * one after another, in every tab of the origin, so tabs that share the
 * database append to one hash chain without a further lock.
 *
 * write() and read() throw QUOTA_EXCEEDED, STORAGE_UNAVAILABLE,
 * UPGRADE_BLOCKED, INVALID_ARGUMENT (an entry that is not plain JSON data).
 */
export function indexedDBAuditSink(options: { name?: string } = {}): IndexedDBAuditSink {
  const name = options.name ?? "keystate";
  if (typeof name !== "string" || name.length === 0 || name.length > 256) {
    throw new KeyStateError("INVALID_ARGUMENT", `options.name must be a database name of 1 to 256 characters; got ${String(name)}`);
  }
  const connection = new Connection(name);

  return {
    name,

    async write(batch) {
      if (batch.length === 0) return;
      const copies = batch.map((entry, index) => toPlainEntry(entry, index));

      await connection.run(["audit-events"], "readwrite", async (transaction) => {
        const events = transaction.objectStore("audit-events");
        for (const event of copies) await events.add({ event });
      });
    },

    async append(chain) {
      await connection.run(["audit-events"], "readwrite", async (transaction) => {
        const events = transaction.objectStore("audit-events");
        const cursor = await events.openCursor(null, "prev");

        // Synchronous from here to the adds: the transaction must not wait
        // for anything but its own requests, or it commits half-done.
        const copies = chain(cursor === null ? undefined : (cursor.value.event as AuditEntry)).map((entry, index) => toPlainEntry(entry, index));
        await Promise.all(copies.map((event) => events.add({ event })));
      });
    },

    async read() {
      const records = await connection.run(["audit-events"], "readonly", (transaction) =>
        transaction.objectStore("audit-events").getAll(),
      );
      return records.map((record) => record.event as AuditEntry);
    },

    close() {
      return connection.close();
    },
  };
}

// A JSON copy, so the stored entry is exactly what a JSON file sink would
// keep and later changes to the caller's object do not reach it.
function toPlainEntry(entry: AuditEntry, index: number): AuditEntry {
  try {
    return JSON.parse(JSON.stringify(entry)) as AuditEntry;
  } catch (error) {
    throw new KeyStateError("INVALID_ARGUMENT", `audit entry ${index} of the batch is not plain JSON data (a cycle or a BigInt)`, {
      cause: error,
    });
  }
}
