import type { Worker } from "node:worker_threads";
import type { WorkerData } from "./worker-api.js";
import { WORKER_NAME } from "./worker-api.js";

// Not a literal inside new URL(), so that bundlers building for browsers do
// not copy the Node worker as an asset; spawn-browser.ts starts theirs.
const WORKER_PATH = "../../workers/crypto.worker";

/**
 * Starts workers/crypto.worker as a worker_threads Worker. Throws whatever
 * the Worker constructor throws.
 */
export function spawnNodeWorker(testHooks: boolean): Worker {
  const { Worker } = process.getBuiltinModule("node:worker_threads");
  const workerData: WorkerData = { testHooks };

  // From the compiled package this module is dist/src/pool/spawn-node.js and
  // the worker is dist/workers/crypto.worker.js, which Node runs as it is.
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL(WORKER_PATH + ".js", import.meta.url), { name: WORKER_NAME, workerData });
  }

  // From the TypeScript sources (vitest, tsx) the worker is a .ts file. Node
  // 20 ignores `--import tsx` in a worker's execArgv, so a two-line bootstrap
  // registers tsx's loader inside the worker and then imports the worker.
  // Messages that arrive meanwhile wait in the port until expose() listens.
  const workerUrl = new URL(WORKER_PATH + ".ts", import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(resolveTsxApi())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl)}); })`;

  return new Worker(bootstrap, { eval: true, name: WORKER_NAME, workerData });
}

function resolveTsxApi(): string {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    // Runners without import.meta.resolve: the worker resolves the package
    // from the working directory instead.
    return "tsx/esm/api";
  }
}
