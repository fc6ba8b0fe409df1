// Measurement and result types shared by every benchmark suite. Runs in Node
// and in a browser page alike: nothing here imports a Node module.

/** One implementation of the operation a group measures. */
export interface BenchCase {
  /** Label in tables and charts, e.g. "KeyState XChaCha20-Poly1305". */
  name: string;
  /** The operation, called many times per sample. May return a promise, which is awaited. */
  fn: () => unknown;
}

export interface MeasureOptions {
  /** Bytes processed per call, to report throughput; omit for operations without a size. */
  bytes?: number;
  /** Rounds in which every case takes one sample, in turn. Default 7. */
  rounds?: number;
  /** Target duration of one sample in milliseconds; iterations per sample are calibrated to it. Default 60. */
  sampleMs?: number;
  /**
   * The clock, in milliseconds. Default performance.now (wall time). In Node,
   * processCpuClock (bench/machine.ts) counts only the time this process ran,
   * so other processes loading the machine disturb it less. It suits
   * synchronous operations only, because it also counts worker threads.
   */
  clock?: () => number;
}

/** The outcome for one case of a group. Times are per call, in microseconds. */
export interface Measurement {
  name: string;
  /** Median time per call over the rounds. */
  medianUs: number;
  /** Fastest and slowest sample's time per call. */
  minUs: number;
  maxUs: number;
  /** (max - min) / median, a rough spread. */
  spread: number;
  /** Calls per second at the median. */
  opsPerSecond: number;
  /** Throughput at the median in MB/s (10^6 bytes per second), when bytes was given. */
  mbPerSecond?: number;
  /** Time per call of each round's sample, in round order. */
  samplesUs: number[];
  iterations: number;
  rounds: number;
}

/** A grouped bar chart: one group per category, one bar per series. */
export interface ChartSpec {
  /** File name under docs/, e.g. "benchmarks-aead-seal.svg". */
  file: string;
  title: string;
  /** Axis label, e.g. "MB/s (higher is better)". */
  unit: string;
  categories: string[];
  series: { name: string; values: number[] }[];
}

/** The result of a suite's run(), which bench/run.ts writes to bench/results/<name>.json. */
export interface SuiteResult {
  name: string;
  title: string;
  /** ISO date and time of the run. */
  date: string;
  /** Markdown for the suite's section of docs/benchmarks.md (headings from level 3 down). */
  markdown: string;
  charts: ChartSpec[];
  /** The raw measurements, for later comparison. */
  data: unknown;
  /** Filled in by bench/run.ts: the machine the suite ran on. */
  machine?: MachineInfo;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  chromium: string;
  os: string;
}

/** A benchmark suite module: bench/<name>.bench.ts exports these. */
export interface Suite {
  name: string;
  title: string;
  run(): Promise<SuiteResult>;
}

const wallClock = (): number => performance.now();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

// Runs fn `iterations` times and returns the elapsed milliseconds. Awaits
// each call only when fn is asynchronous, so synchronous calls pay no
// microtask per iteration.
async function sample(fn: () => unknown, iterations: number, asynchronous: boolean, now: () => number): Promise<number> {
  const start = now();
  if (asynchronous) {
    for (let i = 0; i < iterations; i++) await fn();
  } else {
    for (let i = 0; i < iterations; i++) fn();
  }
  return now() - start;
}

// Doubles the iteration count until one sample takes at least a quarter of
// the target, then scales to the target.
async function calibrate(fn: () => unknown, sampleMs: number, asynchronous: boolean, now: () => number): Promise<number> {
  let iterations = 1;
  for (;;) {
    const elapsed = await sample(fn, iterations, asynchronous, now);
    if (elapsed >= sampleMs / 4 || iterations >= 1 << 26) {
      return Math.max(1, Math.round((iterations * sampleMs) / Math.max(elapsed, 0.001)));
    }
    iterations *= 2;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Measures the cases interleaved: after a warm-up and calibration, each
 * round takes one sample of every case, starting with a different case each
 * round, so load from other processes falls on all of them alike. Returns
 * one Measurement per case, in the given order.
 */
export async function measureInterleaved(cases: BenchCase[], options: MeasureOptions = {}): Promise<Measurement[]> {
  const rounds = options.rounds ?? 7;
  const sampleMs = options.sampleMs ?? 60;
  const now = options.clock ?? wallClock;

  const plans: { iterations: number; asynchronous: boolean }[] = [];
  for (const benchCase of cases) {
    const asynchronous = isThenable(benchCase.fn());
    await sample(benchCase.fn, 3, asynchronous, now);
    plans.push({ iterations: await calibrate(benchCase.fn, sampleMs, asynchronous, now), asynchronous });
  }

  const times: number[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < cases.length; turn++) {
      const index = (round + turn) % cases.length;
      const { iterations, asynchronous } = plans[index]!;
      const elapsed = await sample(cases[index]!.fn, iterations, asynchronous, now);
      times[index]!.push((elapsed * 1000) / iterations);
    }
  }

  return cases.map((benchCase, index) => {
    const perCall = times[index]!;
    const medianUs = median(perCall);
    const minUs = Math.min(...perCall);
    const maxUs = Math.max(...perCall);
    const measurement: Measurement = {
      name: benchCase.name,
      medianUs,
      minUs,
      maxUs,
      spread: (maxUs - minUs) / medianUs,
      opsPerSecond: 1e6 / medianUs,
      samplesUs: perCall,
      iterations: plans[index]!.iterations,
      rounds,
    };
    if (options.bytes !== undefined) measurement.mbPerSecond = options.bytes / medianUs;
    return measurement;
  });
}

/**
 * Returns how many times faster `fast` is than `slow`: the median over rounds
 * of slow's time / fast's time in the same round. Load that slows one round
 * then slows both sides of that round's ratio.
 */
export function speedRatio(fast: Measurement, slow: Measurement): number {
  const ratios = fast.samplesUs.map((time, round) => slow.samplesUs[round]! / time);
  return median(ratios);
}

/** Formats a number for a table: three significant digits, thousands separated. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  let digits = 2;
  if (value >= 10) digits = 1;
  if (value >= 100) digits = 0;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats a ratio as "2.41×". */
export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Renders a markdown table. */
export function markdownTable(header: string[], rows: string[][], align?: ("left" | "right")[]): string {
  const rule = header.map((_, i) => ((align?.[i] ?? (i === 0 ? "left" : "right")) === "right" ? "---:" : "---"));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** Formats a byte count as "64 B", "16 KiB", "1 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
