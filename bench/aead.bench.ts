// AEAD suite: seal and open of XChaCha20-Poly1305 and ChaCha20-Poly1305 by
// KeyState's WebAssembly core against @noble/ciphers, libsodium-wrappers and
// node:crypto, interleaved in one Node process; then, in headless Chromium,
// KeyState XChaCha20-Poly1305 against WebCrypto AES-256-GCM.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chacha20poly1305 as nobleChacha, xchacha20poly1305 as nobleXChacha } from "@noble/ciphers/chacha.js";
import sodium from "libsodium-wrappers";
import { chacha20poly1305, ready, xchacha20poly1305 } from "../src/core/index.js";
import type { AeadBrowserGroup } from "./aead.browser.js";
import { runInBrowser } from "./browser.js";
import { processCpuClock } from "./machine.js";
import {
  formatBytes,
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

export const name = "aead";
export const title = "AEAD: XChaCha20-Poly1305 and ChaCha20-Poly1305";

const SIZES = [64, 1024, 16 * 1024, 1024 * 1024];
const KEYSTATE_X = "KeyState XChaCha20-Poly1305";
const KEYSTATE = "KeyState ChaCha20-Poly1305";
const NOBLE_X = "@noble/ciphers XChaCha20-Poly1305";
const NOBLE = "@noble/ciphers ChaCha20-Poly1305";
const SODIUM_X = "libsodium-wrappers XChaCha20-Poly1305";
const SODIUM = "libsodium-wrappers ChaCha20-Poly1305";
const NODE = "node:crypto ChaCha20-Poly1305";

interface Group {
  operation: "seal" | "open";
  bytes: number;
  measurements: Measurement[];
}

function nodeSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function nodeOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

function sealCases(key: Uint8Array, nonce24: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array): BenchCase[] {
  return [
    { name: KEYSTATE_X, fn: () => xchacha20poly1305.seal(key, nonce24, plaintext) },
    { name: KEYSTATE, fn: () => chacha20poly1305.seal(key, nonce12, plaintext) },
    { name: NOBLE_X, fn: () => nobleXChacha(key, nonce24).encrypt(plaintext) },
    { name: NOBLE, fn: () => nobleChacha(key, nonce12).encrypt(plaintext) },
    { name: SODIUM_X, fn: () => sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, null, null, nonce24, key) },
    { name: SODIUM, fn: () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, null, null, nonce12, key) },
    { name: NODE, fn: () => nodeSeal(key, nonce12, plaintext) },
  ];
}

function openCases(key: Uint8Array, nonce24: Uint8Array, nonce12: Uint8Array, plaintext: Uint8Array): BenchCase[] {
  const sealedX = xchacha20poly1305.seal(key, nonce24, plaintext);
  const sealed = chacha20poly1305.seal(key, nonce12, plaintext);
  return [
    { name: KEYSTATE_X, fn: () => xchacha20poly1305.open(key, nonce24, sealedX) },
    { name: KEYSTATE, fn: () => chacha20poly1305.open(key, nonce12, sealed) },
    { name: NOBLE_X, fn: () => nobleXChacha(key, nonce24).decrypt(sealedX) },
    { name: NOBLE, fn: () => nobleChacha(key, nonce12).decrypt(sealed) },
    { name: SODIUM_X, fn: () => sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealedX, null, nonce24, key) },
    { name: SODIUM, fn: () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce12, key) },
    { name: NODE, fn: () => nodeOpen(key, nonce12, sealed) },
  ];
}

function find(group: Group | undefined, implementation: string): Measurement {
  const measurement = group?.measurements.find((candidate) => candidate.name === implementation);
  if (measurement === undefined) throw new Error(`no measurement of ${implementation}`);
  return measurement;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

// One table per operation: implementations down, sizes across, MB/s with
// the spread, and µs per call at 64 B.
function throughputTable(groups: Group[], operation: "seal" | "open", implementations: string[], sizes: number[]): string {
  const ofOperation = groups.filter((group) => group.operation === operation);
  const header = ["implementation", ...sizes.map((bytes) => `${formatBytes(bytes)} MB/s`), `${formatBytes(sizes[0]!)} µs/call`];
  const rows = implementations.map((implementation) => {
    const cells = sizes.map((bytes) => {
      const measurement = find(ofOperation.find((group) => group.bytes === bytes), implementation);
      return `${formatNumber(measurement.mbPerSecond!)} (${percent(measurement.spread)})`;
    });
    const smallest = find(ofOperation.find((group) => group.bytes === sizes[0]), implementation);
    return [implementation, ...cells, formatNumber(smallest.medianUs)];
  });
  return markdownTable(header, rows);
}

interface Target {
  label: string;
  measured: number;
  required: number;
}

function targetLines(targets: Target[]): string {
  return targets
    .map(({ label, measured, required }) => `- ${label}: ${formatRatio(measured)} (target ≥ ${formatRatio(required)}) — ${measured >= required ? "met" : "**not met**"}`)
    .join("\n");
}

export async function run(): Promise<SuiteResult> {
  await ready();
  await sodium.ready;

  const key = randomBytes(32);
  const nonce24 = randomBytes(24);
  const nonce12 = randomBytes(12);
  const groups: Group[] = [];

  for (const operation of ["seal", "open"] as const) {
    for (const bytes of SIZES) {
      const plaintext = randomBytes(bytes);
      const cases = operation === "seal" ? sealCases(key, nonce24, nonce12, plaintext) : openCases(key, nonce24, nonce12, plaintext);
      console.log(`bench: aead: ${operation} ${formatBytes(bytes)}`);
      groups.push({ operation, bytes, measurements: await measureInterleaved(cases, { bytes, clock: processCpuClock }) });
    }
  }

  console.log("bench: aead: Chromium");
  const browser = await runInBrowser<AeadBrowserGroup[]>("bench/aead.browser.ts");

  const implementations = [KEYSTATE_X, KEYSTATE, NOBLE_X, NOBLE, SODIUM_X, SODIUM, NODE];
  const group = (operation: string, bytes: number) => groups.find((candidate) => candidate.operation === operation && candidate.bytes === bytes);
  const browserGroup = (operation: string, bytes: number) => browser.result.find((candidate) => candidate.operation === operation && candidate.bytes === bytes);
  const MiB = 1024 * 1024;

  const ratioRows = [NOBLE_X, SODIUM_X, NODE].map((other) => [
    other,
    ...SIZES.map((bytes) => formatRatio(speedRatio(find(group("seal", bytes), KEYSTATE_X), find(group("seal", bytes), other)))),
    ...SIZES.map((bytes) => formatRatio(speedRatio(find(group("open", bytes), KEYSTATE_X), find(group("open", bytes), other)))),
  ]);

  const targets: Target[] = [
    { label: "XChaCha20-Poly1305 seal at 1 MiB vs libsodium-wrappers", measured: speedRatio(find(group("seal", MiB), KEYSTATE_X), find(group("seal", MiB), SODIUM_X)), required: 2 },
    { label: "XChaCha20-Poly1305 seal at 1 MiB vs @noble/ciphers", measured: speedRatio(find(group("seal", MiB), KEYSTATE_X), find(group("seal", MiB), NOBLE_X)), required: 6 },
    { label: "XChaCha20-Poly1305 seal at 64 B vs libsodium-wrappers (time per call)", measured: speedRatio(find(group("seal", 64), KEYSTATE_X), find(group("seal", 64), SODIUM_X)), required: 1 },
    { label: "Chromium: XChaCha20-Poly1305 seal vs WebCrypto AES-256-GCM encrypt at 1 MiB", measured: speedRatio(find(browserGroup("seal", MiB), KEYSTATE_X), find(browserGroup("seal", MiB), "WebCrypto AES-256-GCM")), required: 1 },
  ];

  const browserImplementations = [KEYSTATE_X, "WebCrypto AES-256-GCM", NOBLE_X];
  const browserRows = browserImplementations.map((implementation) => [
    implementation,
    ...browser.result.map((entry) => {
      const measurement = find(entry, implementation);
      return `${formatNumber(measurement.mbPerSecond!)} (${percent(measurement.spread)})`;
    }),
  ]);

  const markdown = [
    "No associated data; a fresh random key and nonce per run; seal returns ciphertext || tag as a new array in every library.",
    "KeyState's numbers include everything its public API does per call: argument checks, copying into and out of the",
    "WebAssembly memory, and wiping it. Cells show the median and, in parentheses, the spread. In Node every",
    "operation here is synchronous on the main thread, so times are the process's CPU time (process.cpuUsage), which",
    "other processes loading the machine disturb less than wall time; in Chromium they are wall time.",
    "",
    "### Node: seal",
    "",
    throughputTable(groups, "seal", implementations, SIZES),
    "",
    "### Node: open",
    "",
    throughputTable(groups, "open", implementations, SIZES),
    "",
    "### How many times faster KeyState XChaCha20-Poly1305 is",
    "",
    "Median over rounds of the per-round ratio (the other implementation's time / KeyState's time).",
    "",
    markdownTable(
      ["compared with", ...SIZES.map((bytes) => `seal ${formatBytes(bytes)}`), ...SIZES.map((bytes) => `open ${formatBytes(bytes)}`)],
      ratioRows,
    ),
    "",
    `### Chromium (${browser.chromium})`,
    "",
    "KeyState and WebCrypto measured in the same page, interleaved. WebCrypto calls are awaited one at a time.",
    "",
    markdownTable(["implementation", ...browser.result.map((entry) => `${entry.operation} ${formatBytes(entry.bytes)} MB/s`)], browserRows),
    "",
    "### Targets",
    "",
    targetLines(targets),
    "",
    "### What limits the throughput",
    "",
    "ChaCha20 runs four blocks per pass in 128-bit WebAssembly SIMD, where native code (OpenSSL behind node:crypto)",
    "uses 256-bit AVX2 for eight. Poly1305 runs in scalar code with 26-bit limbs, 25 64-bit multiplications per",
    "16-byte block, because WebAssembly has no 64 × 64 → 128-bit multiplication; a variant that absorbs two blocks",
    "per step with r² measured no faster in V8. The bulk loop interleaves the two (ChaCha20 on the SIMD unit,",
    "Poly1305 on the scalar multiplier), which measured about 10% faster than running them one after the other.",
    "In the core alone, without copying, ChaCha20 and Poly1305 each ran at about 1 GB/s of CPU time on the",
    "development machine. WebCrypto AES-256-GCM in Chromium runs BoringSSL with the AES and carry-less multiply",
    "instructions on a thread of its own, so it keeps its speed while the page's thread is busy; the comparison",
    "above is one awaited call at a time. At 64 B most of KeyState's time is fixed cost: the XChaCha subkey",
    "(one HChaCha20), the Poly1305 key block, copying into and out of WebAssembly memory, and allocating the",
    "result array. The ratios move by 20% or more between runs on a loaded machine: read them as a range.",
  ].join("\n");

  const charts: ChartSpec[] = [
    {
      file: "benchmarks-aead-1mib.svg",
      title: "AEAD throughput at 1 MiB in Node",
      unit: "MB/s (higher is better)",
      categories: ["seal", "open"],
      series: implementations.map((implementation) => ({
        name: implementation,
        values: ["seal", "open"].map((operation) => find(group(operation, MiB), implementation).mbPerSecond!),
      })),
    },
    {
      file: "benchmarks-aead-64b.svg",
      title: "AEAD time per call at 64 B in Node",
      unit: "µs per call (lower is better)",
      categories: ["seal", "open"],
      series: implementations.map((implementation) => ({
        name: implementation,
        values: ["seal", "open"].map((operation) => find(group(operation, 64), implementation).medianUs),
      })),
    },
    {
      file: "benchmarks-aead-chromium.svg",
      title: "AEAD throughput in Chromium",
      unit: "MB/s (higher is better)",
      categories: browser.result.map((entry) => `${entry.operation} ${formatBytes(entry.bytes)}`),
      series: browserImplementations.map((implementation) => ({
        name: implementation,
        values: browser.result.map((entry) => find(entry, implementation).mbPerSecond!),
      })),
    },
  ];

  return {
    name,
    title,
    date: new Date().toISOString(),
    markdown,
    charts,
    data: { node: groups, chromium: { version: browser.chromium, groups: browser.result }, targets },
  };
}
