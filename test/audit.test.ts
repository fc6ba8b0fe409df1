import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/backends/memory-store.js";
import { AuditLog, callbackSink, memorySink, verifyEntries, type AuditLogOptions } from "../src/audit/index.js";
import type { AuditAlert } from "../src/audit/detectors.js";
import type { AuditEntry, AuditEventInput, AuditSink } from "../src/audit/types.js";
import { FakeTime, fromHex, referenceCanonical, settle, independentEd25519, toHex, webCryptoHmac, webCryptoSha256 } from "./helpers/audit-support.js";

let requestCounter = 0;

function event(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { operation: "encrypt", principal: "alice", keyName: "app/db", keyVersion: 1, outcome: "success", requestId: `r${requestCounter++}`, bytes: 64, ...overrides };
}

async function openLog(options: Partial<AuditLogOptions> = {}): Promise<{ log: AuditLog; store: MemoryStore; sink: ReturnType<typeof memorySink>; time: FakeTime }> {
  const time = new FakeTime();
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const sink = memorySink({ id: "test-log" });
  const log = await AuditLog.open({ store, sinks: [sink], now: time.clock, timers: time, aggregateWindowMs: 0, ...options });
  return { log, store, sink, time };
}

/** Builds a closed log of 50 entries of varied kinds, with a checkpoint after every 10 events and a final one. */
async function closedLogOf50() {
  const opened = await openLog({ checkpointEvery: 10 });
  const operations = ["encrypt", "decrypt", "sign", "rotate", "revoke"];

  for (let i = 0; opened.log.length < 49; i++) {
    opened.time.advance(1000);
    await opened.log.record(event({ operation: operations[i % operations.length]!, principal: `p${i % 3}`, keyVersion: (i % 4) + 1, outcome: i % 7 === 0 ? "denied" : "success" }));
  }

  await opened.log.close();
  const stored = (await opened.store.getDocument("audit"))!.value as { checkpoints: Record<string, { seq: number; hash: string }>; publicKey: string };
  const document = { publicKey: stored.publicKey, checkpoint: stored.checkpoints["test-log"]! };
  return { ...opened, document, entries: opened.sink.entries.map((entry) => structuredClone(entry)) };
}

describe("audit chain", () => {
  it("hashes match independent SHA-256", async () => {
    const { log, sink } = await openLog();
    await log.record(event());
    await log.record(event({ outcome: "failure", errorCode: "DECRYPT_FAILED", operation: "decrypt" }));
    await log.record(event({ detail: { rule: "x", n: 3 }, context: { tenant: "acme" } }));

    let prev = "0".repeat(64);
    for (const entry of sink.entries) {
      const { hash, signature: _signature, ...body } = entry;
      expect(body.prev).toBe(prev);
      expect(hash).toBe(await webCryptoSha256(referenceCanonical(body)));
      prev = hash;
    }
    expect(sink.entries).toHaveLength(3);
  });

  it("entries record the event fields", async () => {
    const { log, sink, time } = await openLog();
    await log.record(event({ operation: "decrypt", outcome: "failure", errorCode: "DECRYPT_FAILED", requestId: "req-1", keyVersion: 3 }));

    expect(sink.entries[0]).toMatchObject({
      seq: 0,
      time: time.now,
      principal: "alice",
      operation: "decrypt",
      key: "app/db",
      version: 3,
      outcome: "failure",
      errorCode: "DECRYPT_FAILED",
      requestId: "req-1",
    });
  });

  it("verify accepts an intact log", async () => {
    const { log, entries, document } = await closedLogOf50();
    expect(entries).toHaveLength(50);
    expect(entries[49]!.operation).toBe("checkpoint");
    expect(document.checkpoint.seq).toBe(49);
    expect(verifyEntries(entries, { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint })).toEqual({ ok: true, count: 50 });
    expect(toHex(log.publicKey)).toBe(document.publicKey);
  });

  it("detects a change to any entry", async () => {
    const { entries, document } = await closedLogOf50();
    const options = { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint };

    for (let index = 0; index < entries.length; index++) {
      const changed = structuredClone(entries);
      changed[index]!.principal += "x";
      expect(verifyEntries(changed, options), `change at ${index}`).toMatchObject({ ok: false, index });
    }
  });

  it("detects an added field", async () => {
    const { entries, document } = await closedLogOf50();
    const changed = structuredClone(entries);
    (changed[7] as unknown as Record<string, unknown>).note = "added later";

    const result = verifyEntries(changed, { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint });
    expect(result).toMatchObject({ ok: false, index: 7 });
  });

  it("detects deleting any entry", async () => {
    const { entries, document } = await closedLogOf50();
    const options = { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint };

    for (let index = 0; index < entries.length; index++) {
      const shorter = entries.filter((_, position) => position !== index);
      expect(verifyEntries(shorter, options), `delete at ${index}`).toMatchObject({ ok: false, index });
    }
  });

  it("detects swapping any neighbours", async () => {
    const { entries, document } = await closedLogOf50();
    const options = { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint };

    for (let index = 0; index < entries.length - 1; index++) {
      const swapped = [...entries];
      [swapped[index], swapped[index + 1]] = [swapped[index + 1]!, swapped[index]!];
      expect(verifyEntries(swapped, options), `swap at ${index}`).toMatchObject({ ok: false, index });
    }
  });

  it("detects cutting off any tail", async () => {
    const { entries, document } = await closedLogOf50();
    const options = { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint };

    for (let length = 0; length < entries.length; length++) {
      expect(verifyEntries(entries.slice(0, length), options), `cut to ${length}`).toMatchObject({ ok: false, index: length });
    }
  });

  it("detects a rewritten chain by its signatures", async () => {
    const { entries, document } = await closedLogOf50();
    const rewritten = structuredClone(entries);
    rewritten[5]!.principal = "mallory";

    // Recompute every hash after the change, as someone without the audit key could.
    let prev = rewritten[4]!.hash;
    for (let index = 5; index < rewritten.length; index++) {
      const entry = rewritten[index]!;
      entry.prev = prev;
      const { hash: _hash, signature: _signature, ...body } = entry;
      entry.hash = await webCryptoSha256(referenceCanonical(body));
      prev = entry.hash;
    }

    const result = verifyEntries(rewritten, { publicKey: fromHex(document.publicKey), ed25519: independentEd25519, checkpoint: document.checkpoint });
    const firstCheckpointAfter = entries.findIndex((entry, index) => index >= 5 && entry.operation === "checkpoint");
    expect(firstCheckpointAfter).toBe(10);
    expect(result).toMatchObject({ ok: false, index: firstCheckpointAfter });
    expect(verifyEntries(rewritten)).toEqual({ ok: true, count: 50 });
  });

  it("live verify detects a cut tail", async () => {
    const { log, sink } = await openLog({ checkpointEvery: 1000 });
    for (let i = 0; i < 5; i++) await log.record(event());
    expect(await log.verify()).toEqual({ ok: true, count: 5 });

    sink.entries.pop();
    expect(await log.verify()).toMatchObject({ ok: false, index: 4 });
  });

  it("live verify detects a change", async () => {
    const { log, sink } = await openLog();
    for (let i = 0; i < 5; i++) await log.record(event());

    sink.entries[2]!.outcome = "failure";
    expect(await log.verify()).toMatchObject({ ok: false, index: 2 });
  });

  it("reopen continues the chain", async () => {
    const store = new MemoryStore();
    const sink = memorySink();
    const first = await AuditLog.open({ store, sinks: [sink], aggregateWindowMs: 0 });
    await first.record(event());
    await first.close();

    const second = await AuditLog.open({ store, sinks: [sink], aggregateWindowMs: 0 });
    await second.record(event());
    expect(sink.entries.map((entry) => entry.seq)).toEqual([0, 1, 2]);
    expect(await second.verify()).toEqual({ ok: true, count: 3 });
  });

  it("log without id records no checkpoint", async () => {
    const store = new MemoryStore();
    const log = await AuditLog.open({ store, sinks: [memorySink()] });
    await log.record(event({ operation: "rotate" }));
    await log.close();

    expect(((await store.getDocument("audit"))!.value as { checkpoints?: unknown }).checkpoints).toBeUndefined();
    expect(await log.verify()).toEqual({ ok: true, count: 2 });
  });

  it("deleted log fails against store checkpoint", async () => {
    const store = new MemoryStore();
    const first = await AuditLog.open({ store, sinks: [memorySink({ id: "log" })] });
    await first.record(event({ operation: "rotate" }));
    await first.close();

    const second = await AuditLog.open({ store, sinks: [memorySink({ id: "log" })] });
    expect(await second.verify()).toMatchObject({ ok: false, index: 0 });
  });

  it("checkpoints every N entries", async () => {
    const { log, sink, store } = await openLog({ checkpointEvery: 4 });
    for (let i = 0; i < 10; i++) await log.record(event({ operation: "rotate" }));

    const checkpoints = sink.entries.filter((entry) => entry.operation === "checkpoint").map((entry) => entry.seq);
    expect(checkpoints).toEqual([4, 9]);
    expect(((await store.getDocument("audit"))!.value as { checkpoints: Record<string, { seq: number }> }).checkpoints["test-log"]!.seq).toBe(9);
  });

  it("checkpoints after the interval", async () => {
    const { log, sink, time } = await openLog({ checkpointIntervalMs: 30_000 });
    await log.record(event({ operation: "rotate" }));
    expect(sink.entries).toHaveLength(1);

    time.advance(30_000);
    await settle();

    expect(sink.entries).toHaveLength(2);
    expect(sink.entries[1]!.operation).toBe("checkpoint");
  });

  it("checkpoint signature verifies independently", async () => {
    const { entries, document } = await closedLogOf50();
    const checkpoint = entries.find((entry) => entry.operation === "checkpoint")!;
    const message = new TextEncoder().encode(`keystate-audit-checkpoint-v1:${checkpoint.hash}`);

    expect(independentEd25519.verify(fromHex(document.publicKey), message, fromHex(checkpoint.signature!))).toBe(true);
  });
});

describe("audit content", () => {
  it("context stored only as salted HMAC", async () => {
    const { log, sink, store } = await openLog();
    const context = { tenant: "acme-very-distinct-tenant", purpose: "invoice" };
    await log.record(event({ context }));

    const salt = ((await store.getDocument("audit"))!.value as { salt: string }).salt;
    const serialized = JSON.stringify(sink.entries);

    expect(serialized).not.toContain("acme-very-distinct-tenant");
    expect(serialized).not.toContain("invoice");
    expect(sink.entries[0]!.contextHmac).toBe(await webCryptoHmac(fromHex(salt), referenceCanonical(context)));
  });

  it("salt differs between stores", async () => {
    const first = await openLog();
    const second = await openLog();
    await first.log.record(event({ context: { a: "b" } }));
    await second.log.record(event({ context: { a: "b" } }));
    expect(first.sink.entries[0]!.contextHmac).not.toBe(second.sink.entries[0]!.contextHmac);
  });

  it("audit seed appears in no entry or document", async () => {
    const { log, sink, store } = await closedLogOf50();
    const seed = (await store.getKey("__audit"))!.value.material.get(1);
    expect(seed?.type).toBe("raw");
    const seedHex = toHex((seed as { bytes: Uint8Array }).bytes);

    const everything = JSON.stringify(sink.entries) + JSON.stringify((await store.getDocument("audit"))!.value);
    expect(everything).not.toContain(seedHex);
    expect(everything).not.toContain(btoa(String.fromCharCode(...(seed as { bytes: Uint8Array }).bytes)));
    expect(log.length).toBe(50);
  });

  it("rejects a malformed event", async () => {
    const { log } = await openLog();
    await expect(log.record({ ...event(), outcome: "maybe" as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(log.record({ ...event(), bytes: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("audit sinks", () => {
  it("callback sink receives batches in order", async () => {
    const received: AuditEntry[] = [];
    const { log } = await openLog({ sinks: [memorySink(), callbackSink((batch) => void received.push(...batch))] });

    for (let i = 0; i < 20; i++) log.recordSync(event({ operation: "rotate" }));
    await log.flush();

    expect(received.map((entry) => entry.seq)).toEqual([...Array(20).keys()]);
  });

  it("concurrent records share batches", async () => {
    const batches: number[] = [];
    const { log } = await openLog({ sinks: [memorySink(), callbackSink((batch) => void batches.push(batch.length))] });

    await Promise.all(Array.from({ length: 50 }, () => log.record(event({ operation: "rotate" }))));

    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(50);
    expect(batches.length).toBeLessThan(50);
  });

  it("subscribers see each entry", async () => {
    const { log } = await openLog();
    const seen: string[] = [];
    const unsubscribe = log.subscribe((entry) => seen.push(entry.operation));

    await log.record(event({ operation: "rotate" }));
    unsubscribe();
    await log.record(event({ operation: "revoke" }));

    expect(seen).toEqual(["rotate"]);
  });

  it("throwing subscriber does not fail record", async () => {
    const { log } = await openLog();
    log.subscribe(() => {
      throw new Error("monitor broke");
    });
    await expect(log.record(event())).resolves.toBeUndefined();
  });
});

/** Creates a sink that fails while `broken` is true. */
function flakySink(): AuditSink & { broken: boolean; entries: AuditEntry[] } {
  const sink = {
    broken: false,
    entries: [] as AuditEntry[],
    async write(batch: readonly AuditEntry[]) {
      if (sink.broken) throw new Error("disk full");
      sink.entries.push(...batch);
    },
    async read() {
      return sink.entries.map((entry) => structuredClone(entry));
    },
  };
  return sink;
}

describe("audit failure modes", () => {
  it("fail-closed record rejects with AUDIT_FAILED", async () => {
    const sink = flakySink();
    const { log } = await openLog({ sinks: [sink] });
    await log.record(event({ operation: "rotate" }));

    sink.broken = true;
    await expect(log.record(event({ operation: "rotate" }))).rejects.toMatchObject({ code: "AUDIT_FAILED" });
    await expect(log.record(event({ operation: "rotate" }))).rejects.toMatchObject({ code: "AUDIT_FAILED" });

    sink.broken = false;
    await log.record(event({ operation: "rotate" }));
    expect(sink.entries.map((entry) => entry.seq)).toEqual([0, 1, 2, 3]);
    expect(await log.verify()).toEqual({ ok: true, count: 4 });
  });

  it("fail-closed recordSync fails the next operation", async () => {
    const sink = flakySink();
    const { log } = await openLog({ sinks: [sink] });

    sink.broken = true;
    log.recordSync(event({ operation: "rotate" }));
    await settle();

    expect(() => log.recordSync(event({ operation: "rotate" }))).toThrow(expect.objectContaining({ code: "AUDIT_FAILED" }));

    sink.broken = false;
    await log.flush();
    expect(() => log.recordSync(event({ operation: "rotate" }))).not.toThrow();
  });

  it("fail-closed aggregated use still fails after a failure", async () => {
    const sink = flakySink();
    const { log } = await openLog({ sinks: [sink], aggregateWindowMs: 1000 });

    sink.broken = true;
    await expect(log.record(event({ operation: "rotate" }))).rejects.toMatchObject({ code: "AUDIT_FAILED" });
    await expect(log.record(event())).rejects.toMatchObject({ code: "AUDIT_FAILED" });
  });

  it("best-effort counts dropped events", async () => {
    const sink = flakySink();
    const { log } = await openLog({ sinks: [sink], mode: "best-effort" });

    sink.broken = true;
    await log.record(event({ operation: "rotate" }));
    await log.record(event({ operation: "rotate" }));
    expect(log.dropped).toBe(2);

    sink.broken = false;
    await log.record(event({ operation: "rotate" }));
    expect(sink.entries).toHaveLength(1);
    expect(await log.verify()).toMatchObject({ ok: false, index: 0 });
  });

  it("closed log rejects records", async () => {
    const { log } = await openLog();
    await log.close();
    await expect(log.record(event())).rejects.toMatchObject({ code: "AUDIT_FAILED" });
  });
});

describe("audit detectors", () => {
  it("decrypt failure burst raises one alert", async () => {
    const alerts: AuditAlert[] = [];
    const { log, sink, time } = await openLog({ detectors: [{ kind: "decrypt-failures", threshold: 3, windowMs: 10_000 }], onAlert: (alert) => alerts.push(alert) });
    const failure = () => event({ operation: "decrypt", outcome: "failure", errorCode: "DECRYPT_FAILED" });

    await log.record(failure());
    time.advance(4000);
    await log.record(failure());
    time.advance(4000);
    await log.record(failure());

    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ detector: "decrypt-failures", kind: "decrypt-failures", count: 3, windowMs: 10_000 });

    const alertEntries = sink.entries.filter((entry) => entry.operation === "alert");
    expect(alertEntries).toHaveLength(1);
    expect(alertEntries[0]!.detail).toMatchObject({ detector: "decrypt-failures", count: 3 });
  });

  it("failures outside the window do not alert", async () => {
    const alerts: AuditAlert[] = [];
    const { log, time } = await openLog({ detectors: [{ kind: "decrypt-failures", threshold: 3, windowMs: 10_000 }], onAlert: (alert) => alerts.push(alert) });

    for (let i = 0; i < 6; i++) {
      await log.record(event({ operation: "decrypt", outcome: "failure", errorCode: "DECRYPT_FAILED" }));
      time.advance(6000);
    }

    expect(alerts).toHaveLength(0);
  });

  it("denials grouped by principal", async () => {
    const alerts: AuditAlert[] = [];
    const { log } = await openLog({ detectors: [{ kind: "denials", threshold: 2, windowMs: 60_000, by: "principal" }], onAlert: (alert) => alerts.push(alert) });

    await log.record(event({ principal: "eve", outcome: "denied", errorCode: "POLICY_DENIED" }));
    await log.record(event({ principal: "mallory", outcome: "denied", errorCode: "POLICY_DENIED" }));
    expect(alerts).toHaveLength(0);

    await log.record(event({ principal: "eve", outcome: "denied", errorCode: "POLICY_DENIED" }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.principal).toBe("eve");
  });

  it("revoked version use alerts", async () => {
    const alerts: AuditAlert[] = [];
    const { log } = await openLog({ detectors: [{ kind: "revoked-use", threshold: 1, windowMs: 1000, by: "key" }], onAlert: (alert) => alerts.push(alert) });

    await log.record(event({ operation: "decrypt", outcome: "failure", errorCode: "KEY_DISABLED", keyName: "old" }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.key).toBe("old");
  });

  it("rejects a bad threshold", async () => {
    await expect(openLog({ detectors: [{ kind: "denials", threshold: 0, windowMs: 1000 }] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("audit aggregation", () => {
  it("repeated uses become one counted entry", async () => {
    const { log, sink } = await openLog({ aggregateWindowMs: 1000 });
    for (let i = 0; i < 100; i++) await log.record(event({ bytes: 10 }));
    expect(sink.entries).toHaveLength(0);

    await log.flush();

    expect(sink.entries).toHaveLength(1);
    expect(sink.entries[0]).toMatchObject({ operation: "encrypt", principal: "alice", key: "app/db", version: 1, count: 100, bytes: 1000 });
    expect(await log.verify()).toEqual({ ok: true, count: 1 });

    const { hash, ...body } = sink.entries[0]!;
    expect(hash).toBe(await webCryptoSha256(referenceCanonical(body)));
  });

  it("aggregates split by version and principal", async () => {
    const { log, sink } = await openLog({ aggregateWindowMs: 1000 });
    for (let i = 0; i < 3; i++) {
      await log.record(event({ keyVersion: 1 }));
      await log.record(event({ keyVersion: 2 }));
      await log.record(event({ principal: "bob" }));
    }
    await log.flush();

    expect(sink.entries.map((entry) => [entry.principal, entry.version, entry.count])).toEqual([
      ["alice", 1, 3],
      ["alice", 2, 3],
      ["bob", 1, 3],
    ]);
  });

  it("failures are never aggregated", async () => {
    const { log, sink } = await openLog({ aggregateWindowMs: 1000 });
    for (let i = 0; i < 3; i++) await log.record(event({ operation: "decrypt", outcome: "failure", errorCode: "DECRYPT_FAILED" }));
    expect(sink.entries).toHaveLength(3);
  });

  it("aggregate closes when the window ends", async () => {
    const { log, sink, time } = await openLog({ aggregateWindowMs: 1000 });
    const start = time.now;
    await log.record(event());
    time.advance(500);
    await log.record(event());
    time.advance(600);
    await settle();

    expect(sink.entries).toHaveLength(1);
    expect(sink.entries[0]).toMatchObject({ count: 2, firstTime: start, time: start + 500 });
  });

  it("single use stays a plain entry", async () => {
    const { log, sink } = await openLog({ aggregateWindowMs: 1000 });
    await log.record(event());
    await log.flush();
    expect(sink.entries[0]!.count).toBeUndefined();
    expect(sink.entries[0]!.firstTime).toBeUndefined();
  });
});
