import { TEST_HOOKS_WORKER_NAME, WORKER_NAME } from "./worker-api.js";

/**
 * Starts workers/crypto.worker as a module Worker. The literal
 * `new Worker(new URL("…", import.meta.url), { type: "module" })` is the form
 * that Vite, webpack and esbuild recognise, so they bundle the worker too;
 * Vite maps the .js name to the .ts source during development.
 * Throws whatever the Worker constructor throws.
 */
export function spawnBrowserWorker(testHooks: boolean): Worker {
  const name = testHooks ? TEST_HOOKS_WORKER_NAME : WORKER_NAME;
  return new Worker(new URL("../../workers/crypto.worker.js", import.meta.url), { type: "module", name });
}
