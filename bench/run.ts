// Runs benchmark suites and regenerates docs/benchmarks.md.
//
//   npx tsx bench/run.ts            every bench/*.bench.ts
//   npx tsx bench/run.ts aead ...   only the named suites
//
// A suite is a module bench/<name>.bench.ts that exports `name`, `title` and
// `async run(): Promise<SuiteResult>` (see bench/harness.ts). Its result is
// written to bench/results/<name>.json; the page is rebuilt from all results
// files, so suites can be run one at a time.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Suite } from "./harness.js";
import { describeMachine } from "./machine.js";
import { BENCH_DIR, RESULTS_DIR, writeReport } from "./report.js";

const available = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith(".bench.ts"))
  .map((file) => file.slice(0, -".bench.ts".length))
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}

mkdirSync(RESULTS_DIR, { recursive: true });

for (const file of requested.length > 0 ? requested : available) {
  const suite = (await import(pathToFileURL(path.join(BENCH_DIR, `${file}.bench.ts`)).href)) as Suite;
  console.log(`bench: ${suite.name}: ${suite.title}`);

  const started = performance.now();
  const result = await suite.run();
  result.machine = describeMachine();
  writeFileSync(path.join(RESULTS_DIR, `${suite.name}.json`), JSON.stringify(result, null, 2) + "\n");
  console.log(`bench: ${suite.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

writeReport();
console.log("bench: wrote docs/benchmarks.md");
