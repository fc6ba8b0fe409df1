import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import { KeyStateError } from "../../errors.js";
import { SCHEMA_VERSION, upgradeSchema, type KeyStateDB } from "./schema.js";
import { domErrorName, mapOpenError, mapTransactionError, storageUnavailable, upgradeBlocked } from "./storage-errors.js";

type StoreName = StoreNames<KeyStateDB>;

/** A transaction over the stores `S` in mode `M`, as the body of Connection.run receives it. */
export type Transaction<S extends StoreName[], M extends IDBTransactionMode> = IDBPTransaction<KeyStateDB, S, M>;

/**
 * One connection to a KeyState database, opened on first use. When another
 * tab upgrades or deletes the database this connection closes at once, so it
 * never blocks that tab, and the next call opens a new connection.
 */
export class Connection {
  readonly name: string;
  #opening: Promise<IDBPDatabase<KeyStateDB>> | undefined;
  #openDatabase: IDBPDatabase<KeyStateDB> | undefined;
  #closed = false;

  constructor(name: string) {
    this.name = name;
  }

  /**
   * Returns the open database. Throws STORAGE_UNAVAILABLE, UPGRADE_BLOCKED,
   * UNSUPPORTED_FORMAT (schema newer than this release), NOT_READY after close.
   */
  database(): Promise<IDBPDatabase<KeyStateDB>> {
    if (this.#closed) {
      return Promise.reject(
        new KeyStateError("NOT_READY", `The store for IndexedDB database "${this.name}" is closed. Open a new one.`),
      );
    }

    if (this.#opening === undefined) {
      const opening = this.#open();
      this.#opening = opening;
      opening.catch(() => {
        if (this.#opening === opening) this.#opening = undefined;
      });
    }
    return this.#opening;
  }

  /**
   * Runs `body` in one transaction and resolves once the transaction has
   * committed. The body must await nothing but requests of `transaction`:
   * IndexedDB commits a transaction as soon as no request is pending, so any
   * other await (crypto.subtle, fetch, a timer) lets it commit half-done and
   * the next request throws TransactionInactiveError. If `body` throws, the
   * transaction is aborted and nothing it wrote remains.
   */
  async run<S extends StoreName[], M extends IDBTransactionMode, T>(
    stores: S,
    mode: M,
    body: (transaction: Transaction<S, M>) => Promise<T>,
  ): Promise<T> {
    const transaction = await this.#transaction(stores, mode);

    try {
      const result = await body(transaction);
      await transaction.done;
      return result;
    } catch (error) {
      try {
        transaction.abort();
      } catch {
        // Already aborted or committed: IndexedDB throws InvalidStateError.
      }
      transaction.done.catch(() => undefined);
      throw mapTransactionError(this.name, error, transaction.error);
    }
  }

  /** Closes the connection; every later call rejects with NOT_READY. */
  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening === undefined) return;

    const database = await opening.catch(() => undefined);
    database?.close();
  }

  async #transaction<S extends StoreName[], M extends IDBTransactionMode>(stores: S, mode: M): Promise<Transaction<S, M>> {
    const database = await this.database();
    try {
      return database.transaction(stores, mode);
    } catch (error) {
      // The connection closed between database() and here (another tab began
      // an upgrade): open a fresh one once.
      if (domErrorName(error) !== "InvalidStateError") throw mapTransactionError(this.name, error, undefined);
      this.#forget(database);

      const reopened = await this.database();
      try {
        return reopened.transaction(stores, mode);
      } catch (retryError) {
        throw mapTransactionError(this.name, retryError, undefined);
      }
    }
  }

  #forget(database: IDBPDatabase<KeyStateDB>): void {
    database.close();
    if (this.#openDatabase !== database) return;

    this.#openDatabase = undefined;
    this.#opening = undefined;
  }

  #open(): Promise<IDBPDatabase<KeyStateDB>> {
    const name = this.name;
    if (typeof indexedDB === "undefined" || indexedDB === null) return Promise.reject(storageUnavailable(name));

    return new Promise<IDBPDatabase<KeyStateDB>>((resolve, reject) => {
      let blocked = false;
      let opened: IDBPDatabase<KeyStateDB> | undefined;

      const opening = openDB<KeyStateDB>(name, SCHEMA_VERSION, {
        upgrade: (database, oldVersion) => upgradeSchema(database, oldVersion),
        blocked: (currentVersion) => {
          blocked = true;
          reject(upgradeBlocked(name, currentVersion, SCHEMA_VERSION));
        },
        blocking: () => {
          // Another connection waits for an upgrade or a deletion.
          if (opened !== undefined) this.#forget(opened);
        },
        terminated: () => {
          if (opened !== undefined) this.#forget(opened);
        },
      });

      opening.then(
        (database) => {
          // The open request stays pending after `blocked` and may succeed
          // once the other tab lets go; the caller has its error by then.
          if (blocked) {
            database.close();
            return;
          }
          opened = database;
          this.#openDatabase = database;
          resolve(database);
        },
        (error: unknown) => reject(mapOpenError(name, SCHEMA_VERSION, error)),
      );
    }).catch((error: unknown) => {
      throw mapOpenError(name, SCHEMA_VERSION, error);
    });
  }
}
