// Token suite: JWTs signed and verified per second by KeyState
// (signToken, verifyToken) and by jose 6 (SignJWT, jwtVerify) with WebCrypto
// keys, for EdDSA, ES256 and HS256, in three runtimes: Node (this process),
// Deno (the deno npm package) and workerd (Miniflare). Each runtime's run
// takes a few seconds.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModules } from "../scripts/bundle-worker.js";
import {
  formatNumber,
  formatRatio,
  markdownTable,
  measureInterleaved,
  speedRatio,
  type BenchCase,
  type ChartSpec,
  type Measurement,
  type SuiteResult,
} from "./harness.js";
import { JOSE, KEYSTATE, tokenGroups } from "./tokens-cases.js";

export const name = "tokens";
export const title = "Tokens: JWT sign and verify against jose";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WASM = fileURLToPath(new URL("../build/keystate.wasm", import.meta.url));
const DENO = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));

const MEASURE = { rounds: 5, sampleMs: 40 } as const;

/** Wall time one workerd request should compute for, in milliseconds, so request overhead stays small. */
const WORKERD_REQUEST_MS = 25;

interface GroupResult {
  label: string;
  measurements: Measurement[];
}

interface RuntimeResult {
  runtime: string;
  groups: GroupResult[];
}

async function runNode(): Promise<GroupResult[]> {
  const results: GroupResult[] = [];
  for (const group of await tokenGroups()) {
    results.push({ label: group.label, measurements: await measureInterleaved(group.cases, MEASURE) });
  }
  return results;
}

function runDeno(): Promise<GroupResult[]> {
  const args = ["run", "--no-prompt", "--unstable-sloppy-imports", `--allow-read=${WASM}`, "bench/tokens.deno.ts"];
  return new Promise((resolve, reject) => {
    const child = spawn(DENO, args, { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as GroupResult[]);
      else reject(new Error(`deno exited with ${code}: ${stderr}`));
    });
  });
}

// Times requests that each run a case n times inside workerd, interleaved
// with requests that run nothing, and subtracts the latter: what remains is
// the time of n calls.
async function runWorkerd(): Promise<GroupResult[]> {
  const directory = await mkdtemp(join(tmpdir(), "keystate-bench-workerd-"));
  const bundle = await bundleWorker(fileURLToPath(new URL("./tokens.worker.ts", import.meta.url)), directory);
  const miniflare = new Miniflare({
    modules: workerModules(bundle),
    modulesRoot: directory,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
  });

  try {
    const url = await miniflare.ready;
    const request = async (path: string) => {
      const response = await fetch(new URL(path, url));
      if (!response.ok) throw new Error(`workerd ${path}: HTTP ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    const groups = (await (await fetch(new URL("/groups", url))).json()) as { label: string; cases: string[] }[];

    const results: GroupResult[] = [];
    for (const [groupIndex, group] of groups.entries()) {
      const cases: BenchCase[] = [{ name: "overhead", fn: () => request("/run?n=0") }];
      const counts: number[] = [];

      for (const [caseIndex, caseName] of group.cases.entries()) {
        // Probe with 32 calls, then size n so that one request computes about WORKERD_REQUEST_MS.
        const started = performance.now();
        await request(`/run?group=${groupIndex}&case=${caseIndex}&n=32`);
        const perCallMs = (performance.now() - started) / 32;
        const count = Math.max(1, Math.round(WORKERD_REQUEST_MS / perCallMs));
        counts.push(count);
        cases.push({ name: caseName, fn: () => request(`/run?group=${groupIndex}&case=${caseIndex}&n=${count}`) });
      }

      const [overhead, ...measured] = await measureInterleaved(cases, MEASURE);
      results.push({ label: group.label, measurements: measured.map((entry, index) => perCall(entry, overhead!, counts[index]!)) });
    }
    return results;
  } finally {
    await miniflare.dispose();
    await rm(directory, { recursive: true, force: true });
  }
}

function perCall(measurement: Measurement, overhead: Measurement, count: number): Measurement {
  const samplesUs = measurement.samplesUs.map((time, round) => Math.max(time - overhead.samplesUs[round]!, 0.001) / count);
  const medianUs = (measurement.medianUs - overhead.medianUs) / count;
  return {
    ...measurement,
    medianUs,
    minUs: Math.min(...samplesUs),
    maxUs: Math.max(...samplesUs),
    spread: (Math.max(...samplesUs) - Math.min(...samplesUs)) / medianUs,
    opsPerSecond: 1e6 / medianUs,
    samplesUs,
    iterations: measurement.iterations * count,
  };
}

function find(group: GroupResult, implementation: string): Measurement {
  const found = group.measurements.find((entry) => entry.name === implementation);
  if (found === undefined) throw new Error(`no measurement of ${implementation} in ${group.label}`);
  return found;
}

function section(result: RuntimeResult): string {
  const rows = result.groups.map((group) => {
    const ks = find(group, KEYSTATE);
    const jose = find(group, JOSE);
    return [group.label, formatNumber(ks.opsPerSecond), formatNumber(jose.opsPerSecond), formatRatio(speedRatio(ks, jose))];
  });
  return [`#### ${result.runtime}`, "", markdownTable(["operation", "KeyState tokens/s", "jose tokens/s", "KeyState vs jose"], rows)].join("\n");
}

function chart(result: RuntimeResult): ChartSpec {
  return {
    file: `benchmarks-tokens-${result.runtime.toLowerCase().split(" ")[0]}.svg`,
    title: `JWT sign and verify in ${result.runtime}`,
    unit: "tokens per second (higher is better)",
    categories: result.groups.map((group) => group.label),
    series: [KEYSTATE, JOSE].map((implementation) => ({
      name: implementation,
      values: result.groups.map((group) => find(group, implementation).opsPerSecond),
    })),
  };
}

export async function run(): Promise<SuiteResult> {
  const runtimes: RuntimeResult[] = [];
  runtimes.push({ runtime: `Node ${process.versions.node}`, groups: await runNode() });
  runtimes.push({ runtime: "Deno 2.9", groups: await runDeno() });
  runtimes.push({ runtime: "workerd (Miniflare 4.20260426.0)", groups: await runWorkerd() });

  const markdown = [
    "Tokens signed or verified per second, median of 5 interleaved rounds. KeyState runs with its",
    "default policy check and in-memory audit log on every call; jose 6 gets WebCrypto CryptoKeys.",
    "Claims: sub, iss, aud, iat, exp; verification checks signature, iss, aud and exp on both sides.",
    '"KeyState vs jose" is the median per-round ratio of speeds (above 1: KeyState is faster).',
    "workerd does not advance its clocks while a request computes, so there each request runs a",
    "case many times and the time of an empty request is subtracted, which makes those numbers",
    "less precise than the others.",
    "",
    ...runtimes.map(section).flatMap((text) => [text, ""]),
  ].join("\n");

  return { name, title, date: new Date().toISOString(), markdown, charts: runtimes.map(chart), data: runtimes };
}
