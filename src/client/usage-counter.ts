import { isKeyStateError } from "../errors.js";
import type { KeyStore } from "../backends/key-store.js";
import { addUsage } from "../keys/versions.js";

type Deltas = Map<number, { operations: number; bytes: number }>;

/** Attempts of one compare-and-swap write before a flush gives up until the next one. */
const MAX_ATTEMPTS = 5;

/**
 * Usage counts gathered in memory and written to the store in batches, so an
 * encryption costs no store write. A flush happens `interval` milliseconds
 * after the first uncounted use, on flush() and on close(). Counts that fail
 * to write stay pending for the next flush; counts still pending when the
 * process exits without close() are lost.
 */
export class UsageCounter {
  readonly #store: KeyStore;
  readonly #interval: number;
  readonly #clock: () => number;
  #pending = new Map<string, Deltas>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> | undefined;

  constructor(store: KeyStore, interval: number, clock: () => number) {
    this.#store = store;
    this.#interval = interval;
    this.#clock = clock;
  }

  /** Counts one operation of `bytes` bytes on `version` of key `name`. */
  add(name: string, version: number, bytes: number): void {
    let deltas = this.#pending.get(name);
    if (deltas === undefined) {
      deltas = new Map();
      this.#pending.set(name, deltas);
    }

    const delta = deltas.get(version);
    if (delta === undefined) deltas.set(version, { operations: 1, bytes });
    else {
      delta.operations += 1;
      delta.bytes += bytes;
    }

    this.#schedule();
  }

  /** Writes every pending count. Resolves when done; counts that failed stay pending. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;

    // One flush at a time, so two flushes never write the same deltas twice.
    while (this.#flushing !== undefined) await this.#flushing;
    if (this.#pending.size === 0) return;

    this.#flushing = this.#writeAll();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer; call flush() first to keep the counts. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;

    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => this.#schedule());
    }, this.#interval);

    // In Node a pending flush must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #writeAll(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    let failure: unknown;

    for (const [name, deltas] of batch) {
      try {
        await this.#write(name, deltas);
      } catch (error) {
        failure ??= error;
        this.#restore(name, deltas);
      }
    }

    if (failure !== undefined) {
      this.#schedule();
      throw failure;
    }
  }

  async #write(name: string, deltas: Deltas): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const read = await this.#store.getKey(name);
      if (read === undefined) return;

      const info = addUsage(read.value.info, deltas, this.#clock());
      try {
        await this.#store.putKey({ info, material: read.value.material }, read.revision);
        return;
      } catch (error) {
        if (!isKeyStateError(error, "CONFLICT") || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  #restore(name: string, deltas: Deltas): void {
    let pending = this.#pending.get(name);
    if (pending === undefined) {
      pending = new Map();
      this.#pending.set(name, pending);
    }

    for (const [version, delta] of deltas) {
      const current = pending.get(version);
      if (current === undefined) pending.set(version, { ...delta });
      else {
        current.operations += delta.operations;
        current.bytes += delta.bytes;
      }
    }
  }
}
