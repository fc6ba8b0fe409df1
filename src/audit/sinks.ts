import type { AuditEntry, AuditSink } from "./types.js";

/**
 * Key of a sink's synchronous append, which AuditLog calls in place of
 * append() so that recording on the memory sink waits for no promise.
 * Internal: only the sinks in this module have it.
 */
export const APPEND_SYNC = Symbol("keystate.audit.appendSync");

/** A sink whose append also runs synchronously, under APPEND_SYNC. */
export interface SyncAppendSink extends AuditSink {
  [APPEND_SYNC](chain: (last: AuditEntry | undefined) => readonly AuditEntry[]): void;
}

/** An audit sink that keeps entries in memory, with its entries exposed for inspection. */
export interface MemorySink extends AuditSink {
  /** The entries written so far, in order. Changing them changes what read() returns. */
  readonly entries: AuditEntry[];
  read(): Promise<AuditEntry[]>;
}

/**
 * Creates a sink that keeps every entry in memory: the default, and for
 * tests. Give it an `id` only when its entries outlive the audit log (a test
 * that reopens a log on the same sink). Several logs may share it: they
 * append to one chain.
 */
export function memorySink(options: { id?: string } = {}): MemorySink {
  const entries: AuditEntry[] = [];
  const appendSync = (chain: (last: AuditEntry | undefined) => readonly AuditEntry[]) => {
    const batch = chain(entries[entries.length - 1]);
    for (let index = 0; index < batch.length; index++) entries.push(batch[index]!);
  };

  const sink: MemorySink & SyncAppendSink = {
    ...(options.id !== undefined && { id: options.id }),
    entries,
    async write(batch) {
      for (const entry of batch) entries.push(entry);
    },
    // JavaScript runs chain() and the pushes without interruption, so
    // several logs on this sink form one chain.
    async append(chain) {
      appendSync(chain);
    },
    [APPEND_SYNC]: appendSync,
    async read() {
      return entries.map((entry) => structuredClone(entry));
    },
  };
  return sink;
}

/**
 * Creates a sink that passes each batch to `callback`, e.g. to ship entries
 * to a log service. A rejected or thrown callback counts as a failed write.
 */
export function callbackSink(callback: (entries: readonly AuditEntry[]) => void | Promise<void>, options: { id?: string } = {}): AuditSink {
  return {
    ...(options.id !== undefined && { id: options.id }),
    async write(batch) {
      await callback(batch);
    },
  };
}
