// Pool suite, in Node and in headless Chromium. It measures keystate/pool
// sealing 32 messages of 1 MiB in-thread, through one worker and through two,
// and the time of one awaited 64-byte call. It estimates the message size at
// which a worker round trip costs as much as sealing in-thread, the basis of
// DEFAULT_INLINE_THRESHOLD, and times 1000 small messages as a batch.
import { loadavg } from "node:os";
import { runInBrowser } from "./browser.js";
import { formatBytes, formatNumber, formatRatio, markdownTable, speedRatio, type SuiteResult } from "./harness.js";
import { processCpuClock } from "./machine.js";
import { measureCallCost, measurePool, type CallCost, type PoolMeasurements } from "./pool-measure.js";

export const name = "pool";
export const title = "Worker pool: throughput, round trip and inline threshold";

export async function run(): Promise<SuiteResult> {
  const loadBefore = loadavg()[0]!;
  const node = await measurePool();
  const nodeCpu = await measureCallCost(7, processCpuClock);
  const chromium = (await runInBrowser<PoolMeasurements>("bench/pool.browser.ts")).result;

  const loadAfter = loadavg()[0]!;

  // Worker round trips wait for threads to be scheduled in turn, so they
  // depend on load from other processes far more than in-thread calls do.
  const intro =
    "XChaCha20-Poly1305 seal through `keystate/pool` with copied arguments (the default). " +
    "Cells show the median and, in parentheses, the spread; ratios are medians of per-round ratios. " +
    `Load average (1 minute) of the machine: ${loadBefore.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end.`;

  return {
    name,
    title,
    date: new Date().toISOString(),
    markdown: [
      intro,
      section("Node", node),
      "#### Node, CPU time of both threads",
      "Process CPU time counts the calling thread and the worker, so a worker call costs its whole CPU time, " +
        "and waiting for a core that other processes hold does not count.",
      costSection(nodeCpu),
      section("Chromium", chromium),
    ].join("\n\n"),
    charts: [],
    data: { node, nodeCpu, chromium, loadAverage: { start: loadBefore, end: loadAfter } },
  };
}

function cell(value: number, spread: number): string {
  return `${formatNumber(value)} (${Math.round(spread * 100)}%)`;
}

function section(runtime: string, m: PoolMeasurements): string {
  return [
    `### ${runtime}`,
    "",
    markdownTable(
      ["32 × 1 MiB seal", "MB/s"],
      m.throughput.map((row) => [row.name, cell(row.mbPerSecond!, row.spread)]),
    ),
    "",
    `Two workers against in-thread: ${formatRatio(m.twoWorkersOverInline)}; against one worker: ${formatRatio(m.twoWorkersOverOne)}.`,
    "",
    costSection(m),
    "",
    markdownTable(
      ["64 B round trip", "µs"],
      m.floor64.map((row) => [row.name, cell(row.medianUs, row.spread)]),
    ),
    "",
    markdownTable(
      ["1000 × 64 B seal", "µs per message"],
      m.batch64.map((row) => [row.name, cell(row.medianUs / 1000, row.spread)]),
    ),
  ].join("\n");
}

function costSection(m: CallCost): string {
  const [inline, worker] = m.roundTrip64;

  return [
    markdownTable(
      ["one awaited seal", "in-thread µs", "worker µs", "worker / in-thread"],
      [
        ["64 B", cell(inline!.medianUs, inline!.spread), cell(worker!.medianUs, worker!.spread), formatRatio(speedRatio(inline!, worker!))],
        ...m.bySize.map((row) => {
          const [rowInline, rowWorker] = row.measurements;
          return [
            formatBytes(row.bytes),
            cell(rowInline!.medianUs, rowInline!.spread),
            cell(rowWorker!.medianUs, rowWorker!.spread),
            formatRatio(speedRatio(rowInline!, rowWorker!)),
          ];
        }),
      ],
    ),
    "",
    `An in-thread seal costs as much as a worker round trip's fixed part at about ${formatBytes(m.threshold.fastest)} ` +
      `from the fastest samples, ${formatBytes(m.threshold.median)} from the medians (estimates from a line fit).`,
  ].join("\n");
}
