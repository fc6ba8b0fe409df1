// The KeyState crypto worker: runs keystate/core for src/pool through
// Comlink, as a browser module Worker or as a Node worker_threads worker.
//
// expose() runs synchronously while the module loads and the WebAssembly
// core loads lazily inside the first call. A worker that awaits at the top
// level misses the first Comlink messages, and the first call then hangs.
import { expose, transfer, type Endpoint } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { isReady, ready } from "../src/core/index.js";
import { packResults, unpackItems } from "../src/pool/batch-pack.js";
import { invokeCore } from "../src/pool/invoke.js";
import { toWireError } from "../src/pool/wire-error.js";
import { TEST_HOOKS_WORKER_NAME, type TestHook, type WorkerApi, type WorkerData } from "../src/pool/worker-api.js";

const connection = connect();

const api: WorkerApi = {
  async call(name, args) {
    try {
      if (!isReady()) await ready();
      return transferResult(invokeCore(name, args));
    } catch (error) {
      throw toWireError(error);
    }
  },

  async batch(name, packed, firstIndex) {
    try {
      if (!isReady()) await ready();
    } catch (error) {
      throw toWireError(error);
    }

    const results: unknown[] = [];
    try {
      const items = unpackItems(packed);
      for (let index = 0; index < items.length; index++) {
        try {
          results.push(invokeCore(name, items[index]!));
        } catch (error) {
          // Results of earlier items may be plaintext that no caller receives after this error.
          for (const result of results) if (result instanceof Uint8Array) result.fill(0);
          const wire = toWireError(error);
          throw { ...wire, message: `batch item ${firstIndex + index}: ${wire.message}` };
        }
      }
    } finally {
      // The packed arguments hold keys; results are copied out below.
      new Uint8Array(packed.buffer).fill(0);
    }

    const reply = packResults(results);
    for (const result of results) if (result instanceof Uint8Array) result.fill(0);
    return transfer(reply, [reply.buffer]);
  },

  testHook(hook) {
    if (!connection.testHooks) {
      throw toWireError(new Error("test hooks are off; only KeyState's own tests start workers with them"));
    }

    runTestHook(hook);
  },
};

expose(api, connection.endpoint);

function connect(): { endpoint: Endpoint; testHooks: boolean; exit: () => void } {
  const scope = globalThis as { WorkerGlobalScope?: abstract new () => unknown; name?: string; close?: () => void };

  if (scope.WorkerGlobalScope !== undefined && globalThis instanceof scope.WorkerGlobalScope) {
    // A browser worker learns its options from its name, the only value the
    // Worker constructor passes in besides the URL.
    return {
      endpoint: globalThis as unknown as Endpoint,
      testHooks: scope.name === TEST_HOOKS_WORKER_NAME,
      exit: () => scope.close?.(),
    };
  }

  // process.getBuiltinModule (Node 20.16 and later) loads worker_threads
  // synchronously, and a static import would break the browser build.
  const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
  if (parentPort === null) {
    throw new Error("workers/crypto.worker is a worker; start it through createCryptoPool() from keystate/pool");
  }

  return {
    endpoint: nodeEndpoint(parentPort),
    testHooks: (workerData as WorkerData | undefined)?.testHooks === true,
    exit: () => process.exit(1),
  };
}

// A result goes back by transfer: every byte result owns its whole buffer,
// because the core copies it out of linear memory, so nothing is copied again.
function transferResult(value: unknown): unknown {
  const ownsBuffer = value instanceof Uint8Array && value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength;
  return ownsBuffer ? transfer(value, [value.buffer as ArrayBuffer]) : value;
}

function runTestHook(hook: TestHook): void {
  switch (hook.kind) {
    case "exit":
      connection.exit();
      return;
    case "throw":
      // An uncaught exception outside any call, raised before the worker
      // reads its next message: Node ends the worker, a browser fires an
      // error event on the Worker object.
      queueMicrotask(() => {
        throw new Error("crash requested by a test hook");
      });
      return;
    case "block": {
      // Holds the thread as a long core call would.
      const end = Date.now() + hook.milliseconds;
      while (Date.now() < end) {
        // busy wait
      }
      return;
    }
  }
}
