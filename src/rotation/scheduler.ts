import { KeyStateError } from "../errors.js";
import { rotateDue, type RotationResult, type RotatorOptions } from "./rotator.js";

/** Timer functions, injectable so tests can drive time. */
export interface SchedulerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RotationSchedulerOptions extends RotatorOptions {
  /** Milliseconds between checks; default 60 000. */
  intervalMs?: number;
  timers?: SchedulerTimers;
  /** Called with each key rotated or promoted. */
  onRotation?: (result: RotationResult) => void;
  /** Called with each key whose check failed; the scheduler keeps running. */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Checks every key with a rotation policy at a fixed interval, for
 * long-lived processes. Short-lived ones (edge functions) call rotateIfDue
 * on use instead. Checks never overlap: a check still running when the
 * next is due delays it.
 */
export class RotationScheduler {
  readonly #options: RotationSchedulerOptions;
  readonly #intervalMs: number;
  readonly #timers: SchedulerTimers;
  #timer: unknown;
  #running: Promise<RotationResult[]> | undefined;
  #started = false;

  constructor(options: RotationSchedulerOptions) {
    this.#intervalMs = options.intervalMs ?? 60_000;

    if (!Number.isSafeInteger(this.#intervalMs) || this.#intervalMs < 1) {
      throw new KeyStateError("INVALID_ARGUMENT", `intervalMs must be a positive integer of milliseconds, got ${options.intervalMs}`);
    }

    this.#options = options;
    this.#timers = options.timers ?? { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as never) };
  }

  /** Starts checking: the first check runs after one interval. Starting twice changes nothing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  /** Stops checking, and waits for a check that is running to finish. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Runs one check now (or joins the one running) and returns what changed. */
  tick(): Promise<RotationResult[]> {
    this.#running ??= this.#check().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #check(): Promise<RotationResult[]> {
    const { results, errors } = await rotateDue(this.#options);
    const changed = results.filter((result) => result.action === "rotated" || result.action === "promoted");

    for (const result of changed) this.#notify(() => this.#options.onRotation?.(result));
    for (const { key, error } of errors) this.#notify(() => this.#options.onError?.(key, error));

    return changed;
  }

  // A failing callback must not stop the scheduler.
  #notify(callback: () => void): void {
    try {
      callback();
    } catch {
      // Ignored on purpose, see above.
    }
  }

  #schedule(): void {
    const handle = this.#timers.setTimeout(() => {
      if (!this.#started) return;
      void this.tick()
        .catch((error: unknown) => this.#notify(() => this.#options.onError?.("*", error)))
        .finally(() => {
          if (this.#started) this.#schedule();
        });
    }, this.#intervalMs);

    // Node: the scheduler alone must not keep a process alive.
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.#timer = handle;
  }
}
