import { isReady, ready, type WasmSource } from "../core/index.js";
import { describeValue } from "../core/bytes.js";
import { KeyStateError } from "../errors.js";
import { abortError } from "./abort.js";
import { packItems } from "./batch-pack.js";
import { splitBatch } from "./batch-split.js";
import { invokeCore } from "./invoke.js";
import {
  CORE_METHODS,
  buildMethodTree,
  type AsyncCore,
  type BatchCore,
  type CallOptions,
  type MethodName,
  type MethodSpec,
} from "./methods.js";
import { defaultPoolSize, isNode } from "./pool-size.js";
import { DEFAULT_INLINE_THRESHOLD, chooseRoute } from "./routing.js";
import { spawnBrowserWorker } from "./spawn-browser.js";
import { spawnNodeWorker } from "./spawn-node.js";
import { argsByteLength, checkArgs, prepareArgs } from "./transfer.js";
import { fromWireError } from "./wire-error.js";
import type { TestHook } from "./worker-api.js";
import { WorkerHandle } from "./worker-handle.js";
import { portFor, type AnyWorker } from "./worker-port.js";

/** Options of createCryptoPool(). */
export interface CryptoPoolOptions {
  /** Number of workers. Defaults to the hardware threads minus one, at least one. */
  size?: number;
  /** Default of every call's `transfer` option; false (copy) unless set. */
  transfer?: boolean;
  /**
   * Calls whose arguments total fewer bytes than this run in the calling
   * thread. 0 sends every call to a worker; Infinity keeps every call in the
   * calling thread. Defaults to DEFAULT_INLINE_THRESHOLD.
   */
  inlineThreshold?: number;
  /** "inline" never starts a worker; "auto" (the default) starts workers where the runtime can. */
  mode?: "auto" | "inline";
  /**
   * Starts one worker running workers/crypto.worker.js. Give it when a
   * bundler needs the `new Worker(...)` at your own call site; by default the
   * pool starts the worker that ships beside it.
   */
  createWorker?: () => AnyWorker;
  /** Source of the WebAssembly core for the calling thread, as ready() in keystate/core takes it. */
  wasm?: WasmSource;
}

/** A pool of workers running keystate/core, with the core's functions as asynchronous methods. */
export type CryptoPool = AsyncCore & {
  /**
   * "worker" when the pool runs calls in workers, "inline" when every call
   * runs in the calling thread: no worker could start, or
   * MAX_FAILED_STARTS workers in a row died before their first reply.
   */
  readonly mode: "worker" | "inline";
  /** Number of worker slots; 0 in inline mode. */
  readonly size: number;
  /** Each core function over many argument lists, in one round trip per worker. */
  readonly batch: BatchCore;
  /** Stops every worker. Pending and later calls reject with WORKER_TERMINATED. */
  terminate(): Promise<void>;
};

// Options only KeyState's own tests pass.
interface TestOptions {
  testHooks?: boolean;
}

const states = new WeakMap<CryptoPool, PoolState>();

/**
 * Creates a pool of workers that run keystate/core off the calling thread.
 * Where no worker can start (Cloudflare Workers, or a Worker constructor
 * that throws), the pool runs every call in the calling thread and `mode` is
 * "inline". Throws INVALID_ARGUMENT for bad options and WASM_LOAD_FAILED when
 * the calling thread cannot load the core.
 */
export async function createCryptoPool(options: CryptoPoolOptions = {}): Promise<CryptoPool> {
  const size = options.size ?? defaultPoolSize();
  const inlineThreshold = options.inlineThreshold ?? DEFAULT_INLINE_THRESHOLD;
  checkOptions(size, inlineThreshold);

  const state = new PoolState(options, size, inlineThreshold);

  // The calling thread needs the core for small calls. A pool that sends
  // everything to workers loads it only when a call requests the inline route.
  if (state.mode === "inline" || inlineThreshold > 0) {
    try {
      await ready(options.wasm);
    } catch (error) {
      await state.terminate();
      throw error;
    }
  }

  const pool = {
    ...buildMethodTree<AsyncCore>((name) => (...args: unknown[]) => state.call(name, args)),
    batch: buildMethodTree<BatchCore>((name) => (items: unknown, options?: CallOptions) => state.batch(name, items, options)),
    get mode() {
      return state.mode;
    },
    size: state.slots.length,
    terminate: () => state.terminate(),
  } as CryptoPool;

  states.set(pool, state);
  return pool;
}

/**
 * Sends a test hook to worker `index` of a pool created with the internal
 * option `testHooks: true`. For KeyState's own tests.
 */
export function sendTestHook(pool: CryptoPool, index: number, hook: TestHook): Promise<void> {
  const handle = states.get(pool)?.slots[index];
  if (handle === undefined) throw new KeyStateError("INVALID_ARGUMENT", `the pool has no live worker at index ${index}`);
  return handle.testHook(hook);
}

function checkOptions(size: number, inlineThreshold: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new KeyStateError("INVALID_ARGUMENT", `size must be a whole number of workers, 1 or more, got ${size}`);
  }

  if (typeof inlineThreshold !== "number" || Number.isNaN(inlineThreshold) || inlineThreshold < 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `inlineThreshold must be a number of bytes, 0 or more, got ${inlineThreshold}`);
  }
}

/**
 * Maximum number of workers in a row that may die before their first reply.
 * After that many the pool starts no new worker and runs every call in the
 * calling thread. A worker script that cannot load (blocked by a
 * Content-Security-Policy, or missing from a bundle) fails this way on every
 * start, asynchronously.
 */
export const MAX_FAILED_STARTS = 3;

class PoolState {
  readonly slots: (WorkerHandle | undefined)[];
  readonly #transfer: boolean;
  readonly #inlineThreshold: number;
  readonly #wasm: WasmSource | undefined;
  readonly #startWorker: () => AnyWorker;
  #terminated = false;
  #failedStarts = 0;

  constructor(options: CryptoPoolOptions & TestOptions, size: number, inlineThreshold: number) {
    this.#transfer = options.transfer ?? false;
    this.#inlineThreshold = inlineThreshold;
    this.#wasm = options.wasm;
    this.#startWorker = options.createWorker ?? defaultWorkerStarter(options.testHooks === true);

    this.slots = [];
    if (options.mode !== "inline") {
      for (let index = 0; index < size; index++) {
        const handle = this.#spawn();
        if (handle === undefined) break;
        this.slots.push(handle);
      }
    }

  }

  get mode(): "worker" | "inline" {
    return this.slots.length > 0 && this.#failedStarts < MAX_FAILED_STARTS ? "worker" : "inline";
  }

  call(name: MethodName, rawArgs: unknown[]): Promise<unknown> {
    try {
      const spec: MethodSpec = CORE_METHODS[name];
      const { args, options } = splitCallOptions(name, spec, rawArgs);
      this.#checkOpen();

      if (options.signal?.aborted) throw abortError(options.signal);

      const route = chooseRoute(options.route, argsByteLength(args), this.#inlineThreshold, this.mode === "worker");
      const worker = route === "worker" ? this.#leastBusyWorker() : undefined;
      if (worker === undefined) {
        checkArgs(name, spec, args);
        return this.#callInline(name, args, options.signal);
      }

      // Arguments are prepared and posted before this function returns, so
      // a transferred buffer is detached as soon as the call is made.
      const outgoing = prepareArgs(name, spec, args, options.transfer ?? this.#transfer);
      return worker.call(name, outgoing.args, outgoing.transferables, outgoing.byteLength, options.signal);
    } catch (error) {
      return Promise.reject(fromWireError(error));
    }
  }

  batch(name: MethodName, items: unknown, options: CallOptions = {}): Promise<unknown[]> {
    try {
      const spec: MethodSpec = CORE_METHODS[name];
      const argLists = checkBatchItems(name, spec, items);
      this.#checkOpen();

      if (options.signal?.aborted) throw abortError(options.signal);

      const sizes = argLists.map(argsByteLength);
      const total = sizes.reduce((sum, size) => sum + size, 0);
      const route = chooseRoute(options.route, total, this.#inlineThreshold, this.mode === "worker");
      if (route === "inline" || argLists.length === 0) {
        argLists.forEach((args) => checkArgs(name, spec, args));
        return this.#batchInline(name, argLists, options.signal);
      }

      const liveWorkers = this.slots.filter((slot) => slot?.alive).length || 1;
      const chunks = splitBatch(sizes, Math.min(liveWorkers, argLists.length));

      const replies = chunks.map(({ start, end }) => {
        const worker = this.#leastBusyWorker();
        const chunk = argLists.slice(start, end);
        if (worker === undefined) {
          chunk.forEach((args) => checkArgs(name, spec, args));
          return this.#batchInline(name, chunk, options.signal);
        }

        return worker.batch(name, packItems(name, spec, chunk), start, options.signal);
      });

      return Promise.all(replies).then((parts) => parts.flat());
    } catch (error) {
      return Promise.reject(fromWireError(error));
    }
  }

  async terminate(): Promise<void> {
    this.#terminated = true;

    const stopping = this.slots.map((handle) => handle?.kill("the pool was terminated before the call finished"));
    await Promise.all(stopping);
  }

  #checkOpen(): void {
    if (this.#terminated) {
      throw new KeyStateError("WORKER_TERMINATED", "the pool was terminated; create a new one with createCryptoPool()");
    }
  }

  // Least busy: the fewest calls in flight, then the fewest bytes in flight. A dead
  // worker is replaced here, so a crash costs only the calls it was running.
  #leastBusyWorker(): WorkerHandle | undefined {
    let best: WorkerHandle | undefined;

    for (let index = 0; index < this.slots.length; index++) {
      let handle = this.slots[index];
      if (handle === undefined || !handle.alive) {
        handle = this.#spawn();
        this.slots[index] = handle;
      }
      if (handle === undefined) continue;

      if (
        best === undefined ||
        handle.inFlightCalls < best.inFlightCalls ||
        (handle.inFlightCalls === best.inFlightCalls && handle.inFlightBytes < best.inFlightBytes)
      ) {
        best = handle;
      }
    }

    return best;
  }

  #spawn(): WorkerHandle | undefined {
    if (this.#failedStarts >= MAX_FAILED_STARTS) return undefined;

    try {
      const onDeath = (replied: boolean) => {
        this.#failedStarts = replied ? 0 : this.#failedStarts + 1;
      };
      return new WorkerHandle(portFor(this.#startWorker()), onDeath);
    } catch {
      // No Worker in this runtime, or its constructor threw: the caller
      // falls back to the calling thread.
      return undefined;
    }
  }

  async #callInline(name: MethodName, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    if (!isReady()) await ready(this.#wasm);
    if (signal?.aborted) throw abortError(signal);

    return invokeCore(name, args);
  }

  async #batchInline(name: MethodName, argLists: unknown[][], signal: AbortSignal | undefined): Promise<unknown[]> {
    if (!isReady()) await ready(this.#wasm);

    const results: unknown[] = [];
    for (let index = 0; index < argLists.length; index++) {
      if (signal?.aborted) throw abortError(signal);

      try {
        results.push(invokeCore(name, argLists[index]!));
      } catch (error) {
        const cause = fromWireError(error);
        throw new KeyStateError(cause.code, `batch item ${index}: ${cause.message}`, { cause });
      }
    }

    return results;
  }
}

function defaultWorkerStarter(testHooks: boolean): () => AnyWorker {
  if (isNode()) {
    return () => spawnNodeWorker(testHooks);
  }

  return () => {
    if (typeof Worker !== "function") throw new Error("this runtime has no Worker");
    return spawnBrowserWorker(testHooks);
  };
}

// The core function's own arguments come first; one more argument, when
// present, is the call options.
function splitCallOptions(name: string, spec: MethodSpec, rawArgs: unknown[]): { args: unknown[]; options: CallOptions } {
  const arity = spec.params.length;
  if (rawArgs.length <= arity) return { args: rawArgs, options: {} };

  const options = rawArgs[arity];
  if (rawArgs.length > arity + 1 || (options !== undefined && (typeof options !== "object" || options === null || ArrayBuffer.isView(options)))) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `${name} takes (${spec.params.join(", ")}) and then call options { transfer, signal, route }, got ${rawArgs.length} arguments ending in ${describeValue(rawArgs.at(-1))}`,
    );
  }

  return { args: rawArgs.slice(0, arity), options: (options ?? {}) as CallOptions };
}

function checkBatchItems(name: string, spec: MethodSpec, items: unknown): unknown[][] {
  if (!Array.isArray(items)) {
    throw new KeyStateError("INVALID_ARGUMENT", `batch.${name} takes an array of argument lists, got ${describeValue(items)}`);
  }

  items.forEach((item, index) => {
    if (!Array.isArray(item) || item.length > spec.params.length) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `batch item ${index} of ${name} must be an array (${spec.params.join(", ")}), got ${describeValue(item)}`,
      );
    }
  });

  return items as unknown[][];
}
