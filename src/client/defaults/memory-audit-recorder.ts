import type { AuditEventInput, AuditRecorder } from "../../audit/types.js";

/** An event as MemoryAuditRecorder keeps it: the client's input and the time it arrived. */
export interface RecordedAuditEvent extends AuditEventInput {
  /** Milliseconds since the Unix epoch. */
  time: number;
}

/**
 * A minimal audit recorder that keeps the latest `capacity` events in memory
 * (default 1000), with no hash chain and no sink, so events are lost when the
 * process ends. Tests and benchmarks use it to look at events directly; the
 * default of KeyState.open is the hash-chained AuditLog (src/audit).
 */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly #capacity: number;
  readonly #clock: () => number;
  // A ring: #next is where the next event goes, #count how many are kept.
  readonly #events: RecordedAuditEvent[] = [];
  #next = 0;
  #count = 0;

  constructor(options: { capacity?: number; clock?: () => number } = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#clock = options.clock ?? Date.now;
  }

  record(event: AuditEventInput): Promise<void> {
    this.recordSync(event);
    return Promise.resolve();
  }

  recordSync(event: AuditEventInput): void {
    this.#events[this.#next] = { ...event, time: this.#clock() };
    this.#next = (this.#next + 1) % this.#capacity;
    this.#count = Math.min(this.#count + 1, this.#capacity);
  }

  /** Returns the latest events, oldest first, at most `capacity` of them. */
  events(): RecordedAuditEvent[] {
    const start = (this.#next - this.#count + this.#capacity) % this.#capacity;
    const ordered: RecordedAuditEvent[] = [];
    for (let i = 0; i < this.#count; i++) ordered.push({ ...this.#events[(start + i) % this.#capacity]! });
    return ordered;
  }
}
