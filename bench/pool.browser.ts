// Page entry of the pool benchmark in Chromium: bench/pool.bench.ts imports
// this module into a page served by Vite and calls run().
import { measurePool, type PoolMeasurements } from "./pool-measure.js";

export function run(rounds: number): Promise<PoolMeasurements> {
  return measurePool(rounds);
}
