/**
 * Bytes below which a call runs in the calling thread by default, because
 * the round trip to a worker costs more than the work. Measured with
 * bench/pool.bench.ts; docs/pool.md gives the numbers and the machine.
 */
// TODO: placeholder until bench/pool.bench.ts measures it.
export const DEFAULT_INLINE_THRESHOLD = 16 * 1024;

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
