// Client suite: the end-to-end cost of ks.encrypt (argument checks, key
// cache, policy check, header, AEAD, audit event, usage counter) against the
// bare WASM core and bare WebCrypto AES-256-GCM, at 64 B and 1 MiB. It runs
// in Node only, on a MemoryStore. Most client cases use the minimal
// OpeningPrincipalAuthorizer and MemoryAuditRecorder, to show the client's
// own cost; one case uses whatever KeyState.open picks without them.
import { randomBytes } from "node:crypto";
import { MemoryStore } from "../src/backends/memory-store.js";
import { KeyState } from "../src/client/keystate.js";
import { MemoryAuditRecorder } from "../src/client/defaults/memory-audit-recorder.js";
import { OpeningPrincipalAuthorizer } from "../src/client/defaults/opening-principal-authorizer.js";
import { ready, xchacha20poly1305 } from "../src/core/index.js";
import {
  formatBytes,
  formatNumber,
  formatRatio,
  markdownTable,
  measureInterleaved,
  speedRatio,
  type BenchCase,
  type Measurement,
  type SuiteResult,
} from "./harness.js";
import { processCpuClock } from "./machine.js";

export const name = "client";
export const title = "Client: ks.encrypt end to end";

const SIZES = [64, 1024 * 1024];
const CLIENT_X = "ks.encrypt XChaCha20-Poly1305";
const CLIENT_SYNC = "ks.sync.encrypt XChaCha20-Poly1305";
const CLIENT_GCM = "ks.encrypt AES-256-GCM";
const CLIENT_DEFAULTS = "ks.encrypt XChaCha20-Poly1305, default policy and audit";
const CORE = "bare core xchacha20poly1305.seal";
const WEBCRYPTO = "bare WebCrypto AES-256-GCM";

interface Group {
  bytes: number;
  measurements: Measurement[];
}

function find(group: Group, implementation: string): Measurement {
  const measurement = group.measurements.find((candidate) => candidate.name === implementation);
  if (measurement === undefined) throw new Error(`no measurement of ${implementation}`);
  return measurement;
}

export async function run(): Promise<SuiteResult> {
  await ready();
  const ks = await KeyState.open({
    store: new MemoryStore(),
    principal: "bench",
    authorizer: new OpeningPrincipalAuthorizer("bench"),
    audit: new MemoryAuditRecorder(),
  });
  await ks.createKey("bench-x", { purpose: "encrypt" });
  await ks.createKey("bench-gcm", { purpose: "encrypt", algorithm: "AES-256-GCM" });
  await ks.load("bench-x");


  const key = randomBytes(32);
  const gcmKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  const groups: Group[] = [];

  for (const bytes of SIZES) {
    const plaintext = new Uint8Array(randomBytes(bytes));
    // The bare cases draw a fresh nonce per call, as the client does.
    const cases: BenchCase[] = [
      { name: CLIENT_X, fn: () => ks.encrypt("bench-x", plaintext) },
      { name: CLIENT_SYNC, fn: () => ks.sync.encrypt("bench-x", plaintext) },
      { name: CORE, fn: () => xchacha20poly1305.seal(key, crypto.getRandomValues(new Uint8Array(24)), plaintext) },
      { name: CLIENT_GCM, fn: () => ks.encrypt("bench-gcm", plaintext) },
      {
        name: WEBCRYPTO,
        fn: () => crypto.subtle.encrypt({ name: "AES-GCM", iv: crypto.getRandomValues(new Uint8Array(12)) }, gcmKey, plaintext),
      },
    ];
    console.log(`bench: client: encrypt ${formatBytes(bytes)}`);
    // At 1 MiB a 60 ms sample holds only a few calls, so longer samples and more rounds steady the median.
    const timing = bytes >= 1024 * 1024 ? { rounds: 11, sampleMs: 200 } : {};
    const measurements = await measureInterleaved(cases, { bytes, clock: processCpuClock, ...timing });

    // The default audit log works in the background (aggregation, checkpoints),
    // so it runs in a group of its own, against the bare core again, where
    // that work cannot fall on the other cases' samples.
    const withDefaults = await KeyState.open({ store: new MemoryStore(), principal: "bench" });
    await withDefaults.createKey("bench-x", { purpose: "encrypt" });
    const defaultCases: BenchCase[] = [
      { name: CLIENT_DEFAULTS, fn: () => withDefaults.encrypt("bench-x", plaintext) },
      { name: `${CORE} (second group)`, fn: () => xchacha20poly1305.seal(key, crypto.getRandomValues(new Uint8Array(24)), plaintext) },
    ];
    console.log(`bench: client: encrypt ${formatBytes(bytes)} with the default policy and audit`);
    measurements.push(...(await measureInterleaved(defaultCases, { bytes, clock: processCpuClock, ...timing })));
    await withDefaults.close();

    groups.push({ bytes, measurements });
  }
  await ks.close();

  const implementations = [CLIENT_X, CLIENT_SYNC, CORE, CLIENT_GCM, WEBCRYPTO, CLIENT_DEFAULTS, `${CORE} (second group)`];
  const rows = implementations.map((implementation) => [
    implementation,
    ...groups.flatMap((group) => {
      const measurement = find(group, implementation);
      return [formatNumber(measurement.opsPerSecond), formatNumber(measurement.mbPerSecond!)];
    }),
  ]);

  const [small, large] = groups as [Group, Group];
  // speedRatio(client, bare) = bare time / client time; 1 / that is how much longer the client takes.
  const overheadLarge = 1 / speedRatio(find(large, CLIENT_X), find(large, CORE)) - 1;
  const overheadLargeGcm = 1 / speedRatio(find(large, CLIENT_GCM), find(large, WEBCRYPTO)) - 1;
  const smallOps = find(small, CLIENT_X).opsPerSecond;
  const smallSyncOps = find(small, CLIENT_SYNC).opsPerSecond;
  const smallCoreOps = find(small, CORE).opsPerSecond;
  const smallDefaultOps = find(small, CLIENT_DEFAULTS).opsPerSecond;

  const targets = [
    `- ks.encrypt at 1 MiB vs the bare core: ${percent(overheadLarge)} slower (target ≤ 15%) — ${overheadLarge <= 0.15 ? "met" : "**not met**"}`,
    `- ks.encrypt at 64 B: ${formatNumber(smallOps)} ops/s (target ≥ 100,000) — ${smallOps >= 100_000 ? "met" : "**not met**"}`,
    `- ks.sync.encrypt at 64 B: ${formatNumber(smallSyncOps)} ops/s; the bare core in the same run: ${formatNumber(smallCoreOps)} ops/s`,
    `- ks.encrypt at 64 B with the default policy and audit: ${formatNumber(smallDefaultOps)} ops/s`,
    `- ks.encrypt AES-256-GCM at 1 MiB vs bare WebCrypto: ${percent(overheadLargeGcm)} slower`,
  ];

  const markdown = [
    "Each case encrypts one message per call with a fresh random nonce. The client cases include everything",
    "`ks.encrypt` does: argument and context checks, the key cache, the policy check, the header, the AEAD, the audit",
    "event and the usage counter. Unless named otherwise they use the minimal OpeningPrincipalAuthorizer and",
    "MemoryAuditRecorder. The \"default policy and audit\" case opens the client without either, and runs in a second",
    "group against the bare core alone, because the default audit log works in the background. Ops/s and MB/s are",
    "medians of interleaved rounds, timed with the process CPU clock (bench/machine.ts), which other processes on a",
    "loaded machine disturb less than wall time; for WebCrypto it also counts the work of Node's thread pool.",
    "",
    markdownTable(
      ["implementation", ...SIZES.flatMap((bytes) => [`${formatBytes(bytes)} ops/s`, `${formatBytes(bytes)} MB/s`])],
      rows,
    ),
    "",
    "### Targets",
    "",
    ...targets,
    "",
    `Per-round ratio of bare core time to ks.encrypt time at 1 MiB: ${formatRatio(speedRatio(find(large, CLIENT_X), find(large, CORE)))}.`,
    "",
    "Why the gaps: WebCrypto returns AES-256-GCM ciphertext in a new ArrayBuffer, so the client copies it once more",
    "to put the header in front, and at 1 MiB that copy and its allocation are most of the difference. The core",
    "instead seals large messages straight into the client's buffer. With the default policy and audit, every",
    "encryption appends an entry to the hash-chained audit log (canonical encoding and SHA-256), which costs several",
    "times a 64-byte encryption; the audit suite measures that entry alone. On a machine shared with other work the",
    "figures move between runs, so compare cases of the same run.",
  ].join("\n");

  return {
    name,
    title,
    date: new Date().toISOString(),
    markdown,
    charts: [
      {
        file: "benchmarks-client-64b.svg",
        title: "Encrypt 64 B: calls per second",
        unit: "thousand ops/s (higher is better)",
        categories: ["64 B"],
        series: implementations.map((implementation) => ({ name: implementation, values: [find(small, implementation).opsPerSecond / 1000] })),
      },
    ],
    data: groups,
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
