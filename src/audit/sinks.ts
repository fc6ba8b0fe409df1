import type { AuditEntry, AuditSink } from "./types.js";

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

  return {
    ...(options.id !== undefined && { id: options.id }),
    entries,
    async write(batch) {
      for (const entry of batch) entries.push(entry);
    },
    // JavaScript runs chain() and the pushes without interruption, so
    // several logs on this sink form one chain.
    async append(chain) {
      for (const entry of chain(entries.at(-1))) entries.push(entry);
    },
    async read() {
      return entries.map((entry) => structuredClone(entry));
    },
  };
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
