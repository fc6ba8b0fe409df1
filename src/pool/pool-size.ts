/**
 * Returns the default number of workers: one per hardware thread, minus one for the
 * calling thread, and at least one.
 */
export function defaultPoolSize(): number {
  return Math.max(1, hardwareThreads() - 1);
}

function hardwareThreads(): number {
  const navigatorThreads = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof navigatorThreads === "number" && navigatorThreads > 0) return navigatorThreads;

  // Node 21 and later also have navigator.hardwareConcurrency; Node 20 only os.
  const os = isNode() ? process.getBuiltinModule("node:os") : undefined;
  return os?.availableParallelism?.() ?? 1;
}

/** Returns true in Node; false in browsers, Deno and Cloudflare Workers. */
export function isNode(): boolean {
  const global = globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: unknown }; Deno?: unknown };
  return global.Deno === undefined && typeof global.process?.versions?.node === "string";
}
