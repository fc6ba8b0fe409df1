// keystate/pool: keystate/core run off the calling thread in Web Workers or
// worker_threads, with an in-thread fallback. See docs/pool.md.
export { createCryptoPool } from "./create-pool.js";
export type { CryptoPool, CryptoPoolOptions } from "./create-pool.js";
export type { AsyncCore, BatchCore, CallOptions, MethodName } from "./methods.js";
export { DEFAULT_INLINE_THRESHOLD } from "./routing.js";
