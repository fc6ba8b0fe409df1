import { transfer, wrap, type Remote } from "comlink";
import { KeyStateError } from "../errors.js";
import { abortError } from "./abort.js";
import { unpackResults, type PackedItems } from "./batch-pack.js";
import { fromWireError } from "./wire-error.js";
import type { TestHook, WorkerApi } from "./worker-api.js";
import type { WorkerPort } from "./worker-port.js";

interface PendingCall {
  reject(error: KeyStateError): void;
}

/**
 * One worker of the pool and the calls that wait for its replies. When the worker
 * dies or is terminated, every pending call rejects with WORKER_TERMINATED at
 * once, whatever Comlink still waits for.
 */
export class WorkerHandle {
  readonly #port: WorkerPort;
  // Comlink builds a new proxy, registered for finalization, on every
  // property read of a remote, so each method's proxy is read once here.
  readonly #remoteCall: Remote<WorkerApi>["call"];
  readonly #remoteBatch: Remote<WorkerApi>["batch"];
  readonly #remoteTestHook: Remote<WorkerApi>["testHook"];
  readonly #pending = new Set<PendingCall>();
  #alive = true;
  #inFlightCalls = 0;
  #inFlightBytes = 0;

  #replied = false;

  /** `onDeath` learns whether the worker had replied at least once before it died on its own. */
  constructor(port: WorkerPort, onDeath?: (replied: boolean) => void) {
    this.#port = port;
    const remote = wrap<WorkerApi>(port.endpoint);
    this.#remoteCall = remote.call;
    this.#remoteBatch = remote.batch;
    this.#remoteTestHook = remote.testHook;
    port.onDeath((reason) => {
      void this.kill(`the worker died (${reason}) before the call finished; retry it, the pool starts a new worker`);
      onDeath?.(this.#replied);
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Calls sent to the worker without a reply yet, aborted ones included, because the worker still runs them. */
  get inFlightCalls(): number {
    return this.#inFlightCalls;
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  /** Runs one core function in the worker. */
  call(name: string, args: unknown[], transferables: ArrayBuffer[], byteLength: number, signal?: AbortSignal): Promise<unknown> {
    return this.#track(byteLength, signal, () => this.#remoteCall(name, transfer(args, transferables)));
  }

  /** Runs one core function per item in the worker, in one round trip. */
  batch(name: string, items: PackedItems, firstIndex: number, signal?: AbortSignal): Promise<unknown[]> {
    const send = () => this.#remoteBatch(name, transfer(items, [items.buffer]), firstIndex).then(unpackResults);
    return this.#track(items.buffer.byteLength, signal, send) as Promise<unknown[]>;
  }

  /** Sends a test hook; see worker-api.ts. */
  testHook(hook: TestHook): Promise<void> {
    return this.#track(0, undefined, () => this.#remoteTestHook(hook)) as Promise<void>;
  }

  /**
   * Rejects every pending call with WORKER_TERMINATED and `message`, and stops
   * the worker. Later calls on this handle reject the same way.
   */
  async kill(message: string): Promise<void> {
    if (!this.#alive) return;
    this.#alive = false;

    const error = new KeyStateError("WORKER_TERMINATED", message);
    for (const pending of [...this.#pending]) pending.reject(error);

    await this.#port.terminate();
  }

  #track(byteLength: number, signal: AbortSignal | undefined, send: () => Promise<unknown>): Promise<unknown> {
    if (!this.#alive) {
      return Promise.reject(new KeyStateError("WORKER_TERMINATED", "the worker was already stopped; call the pool again"));
    }

    if (signal?.aborted) return Promise.reject(abortError(signal));

    return new Promise((resolve, reject) => {
      let settled = false;

      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(pending);
        signal?.removeEventListener("abort", onAbort);
        action();
      };

      const pending: PendingCall = { reject: (error) => settle(() => reject(error)) };
      const onAbort = () => settle(() => reject(abortError(signal!)));

      this.#pending.add(pending);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#startFlight(byteLength);

      let sent: Promise<unknown>;
      try {
        sent = send();
      } catch (error) {
        sent = Promise.reject(error);
      }

      sent.then(
        (value) => {
          this.#replied = true;
          this.#endFlight(byteLength);
          settle(() => resolve(value));
        },
        (error: unknown) => {
          this.#replied = true;
          this.#endFlight(byteLength);
          settle(() => reject(fromWireError(error)));
        },
      );
    });
  }

  #startFlight(byteLength: number): void {
    if (this.#inFlightCalls === 0) this.#port.setBusy(true);
    this.#inFlightCalls++;
    this.#inFlightBytes += byteLength;
  }

  #endFlight(byteLength: number): void {
    this.#inFlightCalls--;
    this.#inFlightBytes -= byteLength;
    if (this.#inFlightCalls === 0 && this.#alive) this.#port.setBusy(false);
  }
}
