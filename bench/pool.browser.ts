// Browser half of the pool suite, run by bench/browser.ts in headless
// Chromium: the same measurements as in Node, with Web Workers.
import { measurePool, type PoolMeasurements } from "./pool-measure.js";

export function runBrowser(): Promise<PoolMeasurements> {
  return measurePool();
}
