// Benchmark of keystate/pool: throughput of 32 messages of 1 MiB in-thread,
// through one worker and through two, the time of one awaited 64-byte call,
// and the message size at which offloading starts to pay (the pool's
// DEFAULT_INLINE_THRESHOLD). Runs in Node and in headless Chromium.
//
//   npx tsx bench/pool.bench.ts [rounds] [node|chromium]
import { pathToFileURL } from "node:url";
import { measurePool, type PoolMeasurements } from "./pool-measure.js";

export const name = "pool";
export const title = "Worker pool: throughput, round trip and inline threshold";

export interface PoolBenchResult {
  node?: PoolMeasurements;
  chromium?: PoolMeasurements;
  markdown: string;
}

/** Runs the suite in Node and in Chromium, or in only one of them. */
export async function run(rounds = 5, only?: "node" | "chromium"): Promise<PoolBenchResult> {
  const node = only === "chromium" ? undefined : await measurePool(rounds);
  const chromium = only === "node" ? undefined : await measureInChromium(rounds);

  const tables = [node && table("Node", node), chromium && table("Chromium", chromium)];
  return { node, chromium, markdown: tables.filter(Boolean).join("\n\n") };
}

// Serves the repository with Vite on 127.0.0.1, opens a page in Debian's
// headless Chromium and runs bench/pool.browser.ts there.
async function measureInChromium(rounds: number): Promise<PoolMeasurements> {
  const { createServer } = await import("vite");
  const { chromium } = await import("playwright-core");

  const server = await createServer({ server: { host: "127.0.0.1", port: 0, strictPort: false }, logLevel: "error" });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: process.env.KEYSTATE_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });

  try {
    const page = await browser.newPage();
    const base = server.resolvedUrls?.local[0] ?? "http://127.0.0.1/";
    // The repository has no index.html; an empty page of the server's origin
    // is enough to import modules from it.
    await page.route(base, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>pool benchmark</title>" }));
    await page.goto(base);
    return (await page.evaluate(async (count) => {
      const entry = "/bench/pool.browser.ts";
      const suite = (await import(/* @vite-ignore */ entry)) as { run(rounds: number): Promise<unknown> };
      return suite.run(count);
    }, rounds)) as PoolMeasurements;
  } finally {
    await browser.close();
    await server.close();
  }
}

function table(runtime: string, m: PoolMeasurements): string {
  const fixed = (value: number, digits = 1) => value.toFixed(digits);
  const lines = [
    `### ${runtime} (${m.rounds} interleaved rounds, medians)`,
    "",
    "| 32 × 1 MiB seal | MiB/s |",
    "|---|---|",
    `| in-thread | ${fixed(m.throughput.inline)} |`,
    `| 1 worker | ${fixed(m.throughput.oneWorker)} |`,
    `| 2 workers | ${fixed(m.throughput.twoWorkers)} |`,
    `| 2 workers / in-thread, per round | ${fixed(m.twoWorkersOverInline, 2)}× |`,
    "",
    `Awaited 64-byte seal: in-thread ${fixed(m.roundTrip64.inline)} µs, through a worker ${fixed(m.roundTrip64.worker)} µs.`,
    `1000 × 64-byte seal, µs per message: batch over 2 workers ${fixed(m.batch64.batch)}, ` +
      `1000 concurrent calls over 2 workers ${fixed(m.batch64.calls)}, in-thread ${fixed(m.batch64.inline)}.`,
    "",
    "| bytes | in-thread µs | worker µs |",
    "|---|---|---|",
    ...m.bySize.map((row) => `| ${row.bytes} | ${fixed(row.inline)} | ${fixed(row.worker)} |`),
    "",
    `In-thread time equals the worker round trip's fixed cost at about ${m.threshold} bytes.`,
  ];
  return lines.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = Number(process.argv[2] ?? 5);
  const only = process.argv[3] === "node" || process.argv[3] === "chromium" ? process.argv[3] : undefined;
  const result = await run(rounds, only);
  console.log(result.markdown);
}
