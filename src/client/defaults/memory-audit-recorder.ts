import type { AuditEventInput, AuditRecorder } from "../../audit/types.js";

/** An event as MemoryAuditRecorder keeps it: the client's input and the time it arrived. */
export interface RecordedAuditEvent extends AuditEventInput {
  /** Milliseconds since the Unix epoch. */
  time: number;
}

/**
 * The audit recorder a client uses when KeyState.open gets none: it keeps
 * the latest `capacity` events in memory (default 1000), with no hash chain
 * and no sink, so events are lost when the process ends.
 * NOTE: a stand-in until the hash-chained audit log (src/audit) is the
 * default; pass `audit` to KeyState.open for a durable, verifiable log.
 */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly #capacity: number;
  readonly #clock: () => number;
  #events: RecordedAuditEvent[] = [];

  constructor(options: { capacity?: number; clock?: () => number } = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#clock = options.clock ?? Date.now;
  }

  record(event: AuditEventInput): Promise<void> {
    this.recordSync(event);
    return Promise.resolve();
  }

  recordSync(event: AuditEventInput): void {
    this.#events.push({ ...event, time: this.#clock() });
    // Trim in batches so a busy client does not shift the array on every event.
    if (this.#events.length >= this.#capacity * 2) this.#events = this.#events.slice(-this.#capacity);
  }

  /** Returns the latest events, oldest first, at most `capacity` of them. */
  events(): RecordedAuditEvent[] {
    return this.#events.slice(-this.#capacity);
  }
}
