import type { Endpoint } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";

/** One running worker, browser or Node, as the pool drives it. */
export interface WorkerPort {
  readonly endpoint: Endpoint;
  /** Registers the listener called once when the worker dies on its own: an exit, an uncaught error or a message it could not read. */
  onDeath(listener: (reason: string) => void): void;
  /** Stops the worker; resolves once it has stopped. */
  terminate(): Promise<void>;
  /** Lets a Node process exit while this worker is idle (unref) or keeps it alive while calls run (ref). */
  setBusy(busy: boolean): void;
}

/** A browser or Deno Worker, or a Node worker_threads Worker. */
export type AnyWorker = Worker | import("node:worker_threads").Worker;

/** Wraps a Worker of either kind in a WorkerPort. */
export function portFor(worker: AnyWorker): WorkerPort {
  return "on" in worker && typeof worker.on === "function"
    ? nodePort(worker as import("node:worker_threads").Worker)
    : webPort(worker as Worker);
}

function webPort(worker: Worker): WorkerPort {
  let deathListener: ((reason: string) => void) | undefined;

  // A browser keeps a worker running after an uncaught error. The pool still
  // treats the worker as dead, because its state after the error is unknown.
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    deathListener?.(`the worker raised an uncaught error: ${event.message || "no message (did the script load?)"}`);
  });
  worker.addEventListener("messageerror", () => deathListener?.("the worker sent a message that could not be read"));

  return {
    endpoint: worker as unknown as Endpoint,
    onDeath: (listener) => (deathListener = listener),
    terminate: async () => worker.terminate(),
    setBusy: () => undefined,
  };
}

function nodePort(worker: import("node:worker_threads").Worker): WorkerPort {
  let deathListener: ((reason: string) => void) | undefined;
  let terminating = false;

  worker.on("error", (error: Error) => deathListener?.(`the worker raised an uncaught error: ${error.message}`));
  worker.on("messageerror", () => deathListener?.("the worker sent a message that could not be read"));
  worker.on("exit", (code: number) => {
    if (!terminating) deathListener?.(`the worker exited with code ${code}`);
  });
  worker.unref();

  return {
    endpoint: nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]),
    onDeath: (listener) => (deathListener = listener),
    terminate: async () => {
      terminating = true;
      await worker.terminate();
    },
    setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}
