import { afterEach, describe, expect, it } from "vitest";
import { deleteDB } from "idb";
import { AuditLog, memorySink, type AuditLogOptions } from "../src/audit/index.js";
import type { AuditEntry, AuditEventInput, AuditSink } from "../src/audit/types.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { IndexedDBStore, indexedDBAuditSink } from "../src/backends/indexeddb/index.js";
import { checkChainIndependently } from "./helpers/audit-support.js";

// Node has no IndexedDB: use fake-indexeddb there. Chromium runs these same
// tests against its real IndexedDB.
if (typeof indexedDB === "undefined") await import("fake-indexeddb/auto");

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function event(writer: string, index: number): AuditEventInput {
  return { operation: index % 3 === 0 ? "rotate" : "decrypt", principal: writer, keyName: "k", outcome: "success", requestId: `${writer}-${index}`, context: { n: String(index) } };
}

/** Records `count` events from each log, interleaved, with up to four in flight per log. */
async function recordInterleaved(logs: Record<string, AuditLog>, count: number): Promise<void> {
  for (let start = 0; start < count; start += 4) {
    const calls: Promise<void>[] = [];
    for (const [writer, log] of Object.entries(logs)) {
      for (let index = start; index < Math.min(start + 4, count); index++) calls.push(log.record(event(writer, index)));
    }
    await Promise.all(calls);
  }
}

function requestIdsOf(entries: readonly AuditEntry[]): string[] {
  return entries.filter((entry) => entry.operation !== "checkpoint").map((entry) => entry.requestId).sort();
}

function expectedRequestIds(writers: string[], count: number): string[] {
  return writers.flatMap((writer) => Array.from({ length: count }, (_, index) => `${writer}-${index}`)).sort();
}

async function openLog(store: AuditLogOptions["store"], sink: AuditSink): Promise<AuditLog> {
  return AuditLog.open({ store, sinks: [sink], checkpointEvery: 5 });
}

describe("audit chain with several writers", () => {
  it("two logs on one memory sink", async () => {
    const store = new MemoryStore();
    const sink = memorySink({ id: "shared" });
    const first = await openLog(store, sink);
    const second = await openLog(store, sink);

    await recordInterleaved({ a: first, b: second }, 20);
    await first.close();
    await second.close();

    const entries = await sink.read();
    expect(await checkChainIndependently(entries, first.publicKey)).toBe("ok");
    expect(requestIdsOf(entries)).toEqual(expectedRequestIds(["a", "b"], 20));
    expect(entries.filter((entry) => entry.operation === "checkpoint").length).toBeGreaterThanOrEqual(8);

    const reader = await openLog(store, sink);
    expect(await reader.verify()).toEqual({ ok: true, count: entries.length });
  });

  it("sink without append forks the chain", async () => {
    // The check above can fail: the same writers on a sink that only offers
    // write() produce two chains, as every sink did before append().
    const store = new MemoryStore();
    const shared = memorySink({ id: "shared" });
    const writeOnly: AuditSink = { id: "shared", write: (batch) => shared.write(batch), read: () => shared.read() };
    const first = await openLog(store, writeOnly);
    const second = await openLog(store, writeOnly);

    await recordInterleaved({ a: first, b: second }, 5);

    expect(await checkChainIndependently(await shared.read(), first.publicKey)).not.toBe("ok");
    expect(await first.verify()).toMatchObject({ ok: false });
  });

  it("recordSync from two logs on one sink", async () => {
    const store = new MemoryStore();
    const sink = memorySink({ id: "shared" });
    const first = await openLog(store, sink);
    const second = await openLog(store, sink);

    for (let index = 0; index < 12; index++) {
      first.recordSync(event("a", index));
      second.recordSync(event("b", index));
    }
    await first.flush();
    await second.flush();

    expect(await first.verify()).toEqual({ ok: true, count: sink.entries.length });
    expect(await second.verify()).toEqual({ ok: true, count: sink.entries.length });
    expect(requestIdsOf(sink.entries)).toEqual(expectedRequestIds(["a", "b"], 12));
  });

  it("two tabs on one IndexedDB database", async () => {
    const name = `keystate-audit-test-${crypto.randomUUID()}`;
    cleanups.push(() => deleteDB(name));

    // Each "tab" has its own store and sink connection to the same database.
    const tabs = await Promise.all(
      ["a", "b"].map(async () => {
        const store = await IndexedDBStore.open({ name });
        const sink = indexedDBAuditSink({ name });
        cleanups.push(() => store.close(), () => sink.close());
        return { store, sink };
      }),
    );

    // The first open creates the audit key and salt, so both tabs share them.
    const first = await openLog(tabs[0]!.store, tabs[0]!.sink);
    const second = await openLog(tabs[1]!.store, tabs[1]!.sink);

    await recordInterleaved({ a: first, b: second }, 15);
    await first.close();
    await second.close();

    // close() closed the tabs' sinks.
    const readerSink = indexedDBAuditSink({ name });
    cleanups.push(() => readerSink.close());
    const entries = await readerSink.read();
    expect(await checkChainIndependently(entries, first.publicKey)).toBe("ok");
    expect(requestIdsOf(entries)).toEqual(expectedRequestIds(["a", "b"], 15));

    const reader = await openLog(tabs[1]!.store, readerSink);
    expect(await reader.verify()).toEqual({ ok: true, count: entries.length });
  });
});
