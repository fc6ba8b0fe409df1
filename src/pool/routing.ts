import { isNode } from "./pool-size.js";

/**
 * Bytes below which a call runs in the calling thread by default, because a
 * worker round trip costs more than the work: 32 KiB in browsers and Deno,
 * 64 KiB in Node. Estimated with bench/pool.bench.ts on a 2-core machine
 * under heavy load from other processes; docs/pool.md gives the measurements.
 */
// NOTE: the round trip on an idle machine is likely cheaper, which would
// favour a lower threshold; these values were never measured without load.
export const DEFAULT_INLINE_THRESHOLD = isNode() ? 64 * 1024 : 32 * 1024;

/** The thread a call runs in: a worker or the calling thread. */
export type Route = "worker" | "inline";

/** Picks the route of a call of `byteLength` bytes: a forced route wins, otherwise small calls stay in this thread. */
export function chooseRoute(
  forced: "auto" | Route | undefined,
  byteLength: number,
  inlineThreshold: number,
  hasWorkers: boolean,
): Route {
  if (!hasWorkers) return "inline";
  if (forced === "worker" || forced === "inline") return forced;
  return byteLength < inlineThreshold ? "inline" : "worker";
}
