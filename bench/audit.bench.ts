// Audit suite: the cost of one audit event on the memory sink, and what
// fail-closed auditing to a JSON Lines file costs ks.encrypt at 64 B against
// a client that audits nothing, with durability "fsync" (one fdatasync per
// batch) and "write" (one write(2) per batch). Node only.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../src/audit/log.js";
import { fileSink } from "../src/audit/file-sink.js";
import { hashEntry } from "../src/audit/chain.js";
import { memorySink } from "../src/audit/sinks.js";
import type { AuditEventInput, AuditRecorder } from "../src/audit/types.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { KeyState } from "../src/client/keystate.js";
import { ready } from "../src/core/index.js";
import { formatNumber, formatRatio, markdownTable, measureInterleaved, speedRatio, type BenchCase, type Measurement, type SuiteResult } from "./harness.js";
import { processCpuClock } from "./machine.js";

export const name = "audit";
export const title = "Audit log: event cost and fail-closed file auditing";

const EVENT: AuditEventInput = {
  operation: "encrypt",
  principal: "bench",
  keyName: "bench-key",
  keyVersion: 1,
  outcome: "success",
  requestId: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8",
  context: { tenant: "acme" },
  bytes: 64,
};

// Requests in flight in the concurrent cases, as a server handling many
// requests at once would have.
const IN_FLIGHT = 64;

/** A recorder that records nothing: the baseline of "without auditing". */
const NO_AUDIT: AuditRecorder = { record: async () => undefined, recordSync: () => undefined };

function find(measurements: Measurement[], implementation: string): Measurement {
  const measurement = measurements.find((candidate) => candidate.name === implementation);
  if (measurement === undefined) throw new Error(`no measurement of ${implementation}`);
  return measurement;
}

function percent(value: number): string {
  return `${formatNumber(value * 100)}%`;
}

async function eventCost(): Promise<Measurement[]> {
  const sink = memorySink();
  const log = await AuditLog.open({ store: new MemoryStore(), sinks: [sink] });
  let calls = 0;

  // The memory sink keeps every entry; emptying it now and then keeps the
  // heap small without changing the per-event work.
  const trim = () => {
    if (++calls % 10_000 === 0) sink.entries.length = 0;
  };

  const entry = { seq: 1, time: Date.now(), principal: "bench", operation: "encrypt", outcome: "success" as const, requestId: EVENT.requestId, key: "bench-key", version: 1, bytes: 64, prev: "0".repeat(64) };
  const cases: BenchCase[] = [
    { name: "await audit.record(event), memory sink", fn: () => log.record(EVENT).then(trim) },
    { name: "audit.recordSync(event), memory sink", fn: () => (log.recordSync(EVENT), trim()) },
    { name: "hashEntry alone (canonical encoding + SHA-256)", fn: () => hashEntry(entry) },
    // A yardstick of the machine's speed during the run, independent of KeyState.
    { name: "JSON.stringify of the same entry, for scale", fn: () => JSON.stringify(entry) },
  ];

  console.log("bench: audit: one event on the memory sink");
  const measurements = await measureInterleaved(cases, { clock: processCpuClock });
  await log.close();
  return measurements;
}

async function encryptCost(directory: string): Promise<Measurement[]> {
  await ready();
  const store = new MemoryStore();
  const plain = await KeyState.open({ store, principal: "bench", audit: NO_AUDIT });
  await plain.createKey("bench-key", { purpose: "encrypt" });

  const audited = await KeyState.open({ store, principal: "bench", auditLog: { sinks: [fileSink(join(directory, "strict.jsonl"))] } });
  const written = await KeyState.open({ store, principal: "bench", auditLog: { sinks: [fileSink(join(directory, "written.jsonl"), { durability: "write" })] } });
  const aggregated = await KeyState.open({
    store,
    principal: "bench",
    auditLog: { sinks: [fileSink(join(directory, "aggregated.jsonl"))], aggregateWindowMs: 1000 },
  });

  const plaintext = new Uint8Array(randomBytes(64));
  const many = (ks: KeyState) => () => Promise.all(Array.from({ length: IN_FLIGHT }, () => ks.encrypt("bench-key", plaintext)));

  const cases: BenchCase[] = [
    { name: "no auditing, one at a time", fn: () => plain.encrypt("bench-key", plaintext) },
    { name: "fail-closed file sink, one at a time", fn: () => audited.encrypt("bench-key", plaintext) },
    { name: 'fail-closed file sink, durability "write", one at a time', fn: () => written.encrypt("bench-key", plaintext) },
    { name: "fail-closed file sink + aggregation, one at a time", fn: () => aggregated.encrypt("bench-key", plaintext) },
    { name: `no auditing, ${IN_FLIGHT} in flight`, fn: many(plain) },
    { name: `fail-closed file sink, ${IN_FLIGHT} in flight`, fn: many(audited) },
    { name: `fail-closed file sink, durability "write", ${IN_FLIGHT} in flight`, fn: many(written) },
  ];

  console.log("bench: audit: ks.encrypt 64 B with and without file auditing");
  // Wall time: the file cases wait for fsync, which the CPU clock would not count.
  const measurements = await measureInterleaved(cases, { bytes: 64, rounds: 7, sampleMs: 200 });

  for (const ks of [plain, audited, written, aggregated]) await ks.close();
  return measurements;
}

export async function run(): Promise<SuiteResult> {
  const directory = await mkdtemp(join(tmpdir(), "keystate-audit-bench-"));

  try {
    const loadBefore = loadavg()[0]!;
    const events = await eventCost();
    const encrypts = await encryptCost(directory);

    const record = find(events, "await audit.record(event), memory sink");
    const recordSync = find(events, "audit.recordSync(event), memory sink");
    const opsPerCall = (measurement: Measurement) => (measurement.name.includes("in flight") ? IN_FLIGHT : 1);
    const slowdown = (audited: string, baseline: string) => 1 / speedRatio(find(encrypts, audited), find(encrypts, baseline)) - 1;

    const sequential = slowdown("fail-closed file sink, one at a time", "no auditing, one at a time");
    const aggregated = slowdown("fail-closed file sink + aggregation, one at a time", "no auditing, one at a time");
    const concurrent = slowdown(`fail-closed file sink, ${IN_FLIGHT} in flight`, `no auditing, ${IN_FLIGHT} in flight`);
    const writtenSequential = slowdown('fail-closed file sink, durability "write", one at a time', "no auditing, one at a time");
    const writtenConcurrent = slowdown(`fail-closed file sink, durability "write", ${IN_FLIGHT} in flight`, `no auditing, ${IN_FLIGHT} in flight`);

    const verdict = (met: boolean) => (met ? "met" : "**not met**");
    const markdown = [
      `Load average when the suite started: ${loadBefore.toFixed(1)} on ${cpus().length} cores shared with other processes, so every`,
      "figure here is slower than on an idle machine; compare cases within one table rather than across pages.",
      "",
      "One audit event: the time per call of recording an `encrypt` event with a context (so it includes the",
      "canonical context and its HMAC, cached after the first event of a context, the canonical encoding of the entry,",
      "SHA-256 of the chain and the write to the memory sink), timed with the process CPU clock. Both record and",
      "recordSync append to the memory sink before they return.",
      "",
      markdownTable(["case", "µs per event (median)", "min", "max"], events.map((m) => [m.name, formatNumber(m.medianUs), formatNumber(m.minUs), formatNumber(m.maxUs)])),
      "",
      "ks.encrypt of 64 B, timed with the wall clock because the file cases wait for fsync. \"In flight\" cases start",
      `${IN_FLIGHT} encryptions and await them together, so concurrent events share one write and one fsync.`,
      "Aggregation (1000 ms window) turns repeated successful encryptions into one counted entry per window; it is",
      "off by default because those encryptions return before their entry is on disk.",
      "",
      markdownTable(
        ["case", "encryptions/s (median)", "µs per call"],
        encrypts.map((m) => [m.name, formatNumber(m.opsPerSecond * opsPerCall(m)), formatNumber(m.medianUs)]),
      ),
      "",
      "### Targets",
      "",
      `- one event on the memory sink (await record): ${formatNumber(record.medianUs)} µs (target < 3 µs) — ${verdict(record.medianUs < 3)}`,
      `- recordSync: ${formatNumber(recordSync.medianUs)} µs`,
      `- fail-closed file auditing, one encryption at a time: ${percent(sequential)} slower than no auditing (target ≤ 10%) — ${verdict(sequential <= 0.1)}`,
      `- with ${IN_FLIGHT} in flight: ${percent(concurrent)} slower — ${verdict(concurrent <= 0.1)}`,
      `- durability "write", one at a time: ${percent(writtenSequential)} slower — ${verdict(writtenSequential <= 0.1)}`,
      `- durability "write", ${IN_FLIGHT} in flight: ${percent(writtenConcurrent)} slower — ${verdict(writtenConcurrent <= 0.1)}`,
      `- with aggregation, one at a time: ${percent(aggregated)} slower — ${verdict(aggregated <= 0.1)}`,
      "",
      "One encryption at a time waits for one fsync per call with durability \"fsync\", so its cost is the disk's",
      "fsync latency. Durability \"write\" waits for one lock and one write(2) per batch instead, and flushes once a second.",
      `Per-round time ratio of the fail-closed file sink to no auditing, ${IN_FLIGHT} in flight: ${formatRatio(speedRatio(find(encrypts, `no auditing, ${IN_FLIGHT} in flight`), find(encrypts, `fail-closed file sink, ${IN_FLIGHT} in flight`)))}.`,
    ].join("\n");

    return { name, title, date: new Date().toISOString(), markdown, charts: [], data: { events, encrypts } };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
