// Benchmark of the KMS proxy over SoftHSM2 on loopback: latency (p50, p99)
// and wraps per second under autocannon with 100 connections, and envelope
// encryption of 1 KiB messages with and without RemoteKms's data-key cache.
//
//   npx tsx bench/kms.bench.ts
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";

import { MemoryStore } from "../src/backends/memory-store.js";
import { KeyState } from "../src/client/keystate.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { formatNumber, markdownTable, measureInterleaved, type SuiteResult } from "./harness.js";

export const name = "kms";
export const title = "KMS proxy: wrap latency under load and envelope encryption";

const CONNECTIONS = 100;
const DURATION_SECONDS = 5;
const MESSAGE_BYTES = 1024;

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

export async function run(): Promise<SuiteResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/kms-proxy.ts"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
    const [url, token] = line.split(" ") as [string, string];

    const loadAverage = loadavg()[0]!;
    const load = await loadWrap(url, token);
    const seal = await measureSeal(url, token);

    const markdown = [
      `### Wrap under load (autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s, SoftHSM2 2.6 token, proxy in its own process)`,
      "",
      `Client and proxy share the machine over loopback; the 1-minute load average was ${loadAverage.toFixed(1)} when the run started, so other processes competed for the cores.`,
      "",
      markdownTable(
        ["wraps/s", "p50 ms", "p99 ms", "requests", "errors + non-2xx"],
        [[formatNumber(load.requestsPerSecond), formatNumber(load.p50Ms), formatNumber(load.p99Ms), String(load.requests), String(load.errors + load.non2xx)]],
      ),
      "",
      `### Envelope encryption of ${MESSAGE_BYTES}-byte messages (one client, sequential calls)`,
      "",
      "KeyState.seal with the master key in the proxy (`kms` option): each message gets a data key from RemoteKms, then XChaCha20-Poly1305 in the WASM core.",
      "",
      markdownTable(
        ["case", "µs per message", "messages/s"],
        seal.map((m) => [m.name, formatNumber(m.medianUs), formatNumber(m.opsPerSecond)]),
      ),
    ].join("\n");

    return {
      name,
      title,
      date: new Date().toISOString(),
      markdown,
      charts: [],
      data: { loadAverage, load, seal },
    };
  } finally {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
}

async function loadWrap(url: string, token: string): Promise<LoadResult> {
  const body = JSON.stringify({ plaintext: Buffer.alloc(32, 1).toString("base64url"), context: { bench: "1" } });
  const result = await autocannon({
    url: `${url}/v1/keys/master/wrap`,
    method: "POST",
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measureSeal(url: string, token: string) {
  const plain = new RemoteKms({ url, token });
  const cached = new RemoteKms({ url, token, dataKeyCache: { maxAgeMs: 60_000, maxMessages: 10_000, maxBytes: 1 << 30 } });
  const message = new Uint8Array(MESSAGE_BYTES).fill(7);

  const open = (wrapper: RemoteKms) => KeyState.open({ store: new MemoryStore(), principal: "bench", kms: { wrapper, keys: ["master"] } });
  const withoutCache = await open(plain);
  const withCache = await open(cached);

  try {
    return await measureInterleaved(
      [
        { name: "seal without cache (one proxy call per message)", fn: () => withoutCache.seal("master", message) },
        { name: "seal with data-key cache", fn: () => withCache.seal("master", message) },
      ],
      { bytes: MESSAGE_BYTES, rounds: 5, sampleMs: 200 },
    );
  } finally {
    await withoutCache.close();
    await withCache.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await run();
  process.stdout.write(`${result.markdown}\n`);
}
