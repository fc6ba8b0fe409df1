import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../src/audit/index.js";
import { fileSink } from "../src/audit/file-sink.js";
import { FileStore } from "../src/backends/file-store.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { AuditEventInput } from "../src/audit/types.js";
import { referenceCanonical } from "./helpers/audit-support.js";

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "keystate-audit-"));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function event(operation = "rotate"): AuditEventInput {
  return { operation, principal: "ops", keyName: "k", outcome: "success", requestId: "r", context: { tenant: "distinct-tenant-value" } };
}

async function open(store: MemoryStore | FileStore, path: string): Promise<AuditLog> {
  return AuditLog.open({ store, sinks: [fileSink(path)], aggregateWindowMs: 0 });
}

describe("audit file sink", () => {
  it("writes one JSON line per entry", async () => {
    const path = join(directory, "audit.jsonl");
    const log = await open(new MemoryStore(), path);
    await log.record(event());
    await log.record(event("revoke"));
    await log.close();

    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(3);

    let prev = "0".repeat(64);
    for (const line of lines) {
      const { hash, signature: _signature, ...body } = JSON.parse(line);
      expect(body.prev).toBe(prev);
      expect(hash).toBe(createHash("sha256").update(referenceCanonical(body)).digest("hex"));
      prev = hash;
    }
  });

  it("reopen appends and keeps old lines", async () => {
    const store = new MemoryStore();
    const path = join(directory, "audit.jsonl");
    const first = await open(store, path);
    await first.record(event());
    await first.close();
    const before = await readFile(path, "utf8");

    const second = await open(store, path);
    await second.record(event());
    await second.close();
    const after = await readFile(path, "utf8");

    expect(after.startsWith(before)).toBe(true);
    expect(after.trimEnd().split("\n")).toHaveLength(4);

    const third = await open(store, path);
    expect(await third.verify()).toEqual({ ok: true, count: 4 });
  });

  it("edited line fails verify", async () => {
    const store = new MemoryStore();
    const path = join(directory, "audit.jsonl");
    const log = await open(store, path);
    for (let i = 0; i < 5; i++) await log.record(event());
    await log.close();

    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    lines[2] = lines[2]!.replace('"principal":"ops"', '"principal":"root"');
    await writeFile(path, `${lines.join("\n")}\n`);

    const reopened = await open(store, path);
    expect(await reopened.verify()).toMatchObject({ ok: false, index: 2 });
  });

  it("cut tail fails verify", async () => {
    const store = new MemoryStore();
    const path = join(directory, "audit.jsonl");
    const log = await open(store, path);
    for (let i = 0; i < 5; i++) await log.record(event());
    await log.close();

    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    await writeFile(path, `${lines.slice(0, 4).join("\n")}\n`);

    const reopened = await AuditLog.open({ store, sinks: [fileSink(path)] });
    expect(await reopened.verify()).toMatchObject({ ok: false, index: 4 });
  });

  it("garbled line fails verify at its index", async () => {
    const store = new MemoryStore();
    const path = join(directory, "audit.jsonl");
    const log = await open(store, path);
    for (let i = 0; i < 4; i++) await log.record(event());
    await log.close();

    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    lines[1] = lines[1]!.slice(0, 40);
    await writeFile(path, `${lines.join("\n")}\n`);

    const reopened = await open(store, path);
    expect(await reopened.verify()).toMatchObject({ ok: false, index: 1, reason: expect.stringContaining("not a JSON object") });
  });

  it("unwritable file fails closed", async () => {
    const path = join(directory, "missing-folder", "audit.jsonl");
    const log = await open(new MemoryStore(), path);
    await expect(log.record(event())).rejects.toMatchObject({ code: "AUDIT_FAILED" });
  });

  it("write durability appends before resolving", async () => {
    const store = new MemoryStore();
    const path = join(directory, "audit.jsonl");
    const log = await AuditLog.open({ store, sinks: [fileSink(path, { durability: "write", fsyncIntervalMs: 60_000 })] });

    await log.record(event());
    await log.record(event("revoke"));
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!).operation).toBe("revoke");

    await log.close();
    const reopened = await open(store, path);
    expect(await reopened.verify()).toEqual({ ok: true, count: 3 });
  });

  it("rejects an unknown durability", () => {
    expect(() => fileSink(join(directory, "audit.jsonl"), { durability: "sometimes" as "write" })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => fileSink(join(directory, "audit.jsonl"), { fsyncIntervalMs: 0 })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("context value never reaches the file", async () => {
    const path = join(directory, "audit.jsonl");
    const log = await open(new MemoryStore(), path);
    await log.record(event());
    await log.close();
    expect(await readFile(path, "utf8")).not.toContain("distinct-tenant-value");
  });

  it("audit key sealed by the file store", async () => {
    const storeDirectory = join(directory, "store");
    const masterKey = new Uint8Array(32).fill(7);
    const store = await FileStore.open(storeDirectory, { masterKey }, { create: true });
    const log = await open(store, join(directory, "audit.jsonl"));
    await log.record(event());
    await log.close();

    const seed = (await store.getKey("__audit"))!.value.material.get(1) as { bytes: Uint8Array };
    const seedHex = Buffer.from(seed.bytes).toString("hex");
    const seedBase64 = Buffer.from(seed.bytes).toString("base64");
    const seedBase64Url = Buffer.from(seed.bytes).toString("base64url");

    for (const folder of ["keys", "documents"]) {
      for (const name of await readdir(join(storeDirectory, folder))) {
        const text = await readFile(join(storeDirectory, folder, name), "utf8");
        expect(text).not.toContain(seedHex);
        expect(text).not.toContain(seedBase64);
        expect(text).not.toContain(seedBase64Url);
      }
    }
    await store.close();
  });
});
