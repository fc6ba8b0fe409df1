/** A committed write, as IndexedDBStore.onChange listeners receive it. */
export interface StoreChange {
  readonly kind: "key" | "document";
  readonly name: string;
  /** The revision the write produced. */
  readonly revision: number;
  /** "self" for writes through this store object, "other" for other tabs, workers and store objects. */
  readonly source: "self" | "other";
}

export type StoreChangeListener = (change: StoreChange) => void;

/** Name of the Web Lock that every write to database `database` holds, and of its BroadcastChannel. */
export function crossTabName(database: string): string {
  return `keystate-idb:${database}`;
}

/**
 * Runs `write` while holding the exclusive Web Lock of the database, so
 * writers in other tabs wait instead of failing with CONFLICT. Where Web
 * Locks are missing (Node, older browsers) it runs at once: compare-and-swap
 * inside one transaction still keeps concurrent writes from being lost.
 */
export function withWriteLock<T>(database: string, write: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  if (locks === undefined) return write();

  // LockManager.request resolves with the callback's result; lib.dom types
  // it as a promise of that promise.
  return locks.request(crossTabName(database), { mode: "exclusive" }, write) as Promise<unknown> as Promise<T>;
}

/**
 * Tells listeners about committed writes, from this store object directly
 * and from other tabs, workers and store objects over a BroadcastChannel.
 */
export class ChangeChannel {
  readonly #listeners = new Set<StoreChangeListener>();
  readonly #channel: BroadcastChannel | undefined;

  constructor(database: string) {
    if (typeof BroadcastChannel === "undefined") return;

    this.#channel = new BroadcastChannel(crossTabName(database));
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      const change = parseChange(event.data);
      if (change !== undefined) this.#notify({ ...change, source: "other" });
    };
  }

  /** Sends a committed write to this object's listeners and to every other connection. */
  publish(change: Omit<StoreChange, "source">): void {
    this.#channel?.postMessage({ kind: change.kind, name: change.name, revision: change.revision });
    this.#notify({ ...change, source: "self" });
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: StoreChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  close(): void {
    this.#listeners.clear();
    this.#channel?.close();
  }

  #notify(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        // A failing listener must not stop the others or fail the write that
        // already committed; browsers report it like an event listener error.
        if (typeof reportError === "function") reportError(error);
      }
    }
  }
}

// Messages come from any script of this origin, so check their shape.
function parseChange(data: unknown): Omit<StoreChange, "source"> | undefined {
  if (typeof data !== "object" || data === null) return undefined;

  const { kind, name, revision } = data as Record<string, unknown>;
  if (kind !== "key" && kind !== "document") return undefined;
  if (typeof name !== "string" || !Number.isSafeInteger(revision)) return undefined;

  return { kind, name, revision: revision as number };
}
