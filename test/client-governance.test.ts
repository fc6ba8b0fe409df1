import { describe, expect, it } from "vitest";
import { KeyState } from "../src/client/keystate.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { memorySink } from "../src/audit/sinks.js";
import type { AuditAlert } from "../src/audit/detectors.js";
import type { AuditEntry, AuditSink } from "../src/audit/types.js";
import { parseEnvelopeHeader } from "../src/format/header.js";
import { rejection, text } from "./helpers/client.js";
import { toHex } from "./helpers/audit-support.js";

const DAY = 86_400_000;

async function open(options: { store?: MemoryStore; now?: () => number; sinks?: AuditSink[]; detectors?: never[]; onAlert?: (alert: AuditAlert) => void } = {}) {
  const store = options.store ?? new MemoryStore();
  const sink = memorySink();
  const ks = await KeyState.open({
    store,
    principal: "alice",
    ...(options.now && { clock: options.now }),
    auditLog: { sinks: options.sinks ?? [sink], aggregateWindowMs: 0, ...(options.detectors && { detectors: options.detectors }), ...(options.onAlert && { onAlert: options.onAlert }) },
  });
  return { ks, store, sink };
}

describe("client policy", () => {
  it("new store allows only its creator", async () => {
    const { ks } = await open();
    await ks.createKey("app-db", { purpose: "encrypt" });

    const error = await rejection(ks.as("bob").encrypt("app-db", "x"));
    expect(error.code).toBe("POLICY_DENIED");
    expect(error.message).toContain('"bob"');
    expect(error.message).toContain("no policy rule allows it");
  });

  it("setPolicy lets another principal in", async () => {
    const { ks } = await open();
    await ks.createKey("app-db", { purpose: "encrypt" });
    await ks.createKey("app-legacy", { purpose: "encrypt" });

    const version = await ks.setPolicy([
      { id: "alice", effect: "allow", principal: "alice", keys: "**", operations: ["*"] },
      { id: "bob-app", effect: "allow", principal: "bob", keys: "app-*", operations: ["encrypt", "decrypt"] },
      { id: "no-legacy", effect: "deny", principal: "bob", keys: "app-legacy", operations: ["*"] },
    ]);
    expect(version).toBe(2);

    const bob = ks.as("bob");
    const ciphertext = await bob.encrypt("app-db", "hello");
    expect(text(await bob.decrypt(ciphertext))).toBe("hello");

    const denied = await rejection(bob.encrypt("app-legacy", "x"));
    expect(denied.code).toBe("POLICY_DENIED");
    expect(denied.message).toContain('"no-legacy"');
  });

  it("setPolicy needs admin", async () => {
    const { ks } = await open();
    const error = await rejection(ks.as("bob").setPolicy([{ id: "x", effect: "allow", principal: "bob", keys: "**", operations: ["*"] }]));
    expect(error.code).toBe("POLICY_DENIED");
  });

  it("getPolicy returns the rules", async () => {
    const { ks } = await open();
    const policy = await ks.getPolicy();
    expect(policy.version).toBe(1);
    expect(policy.rules[0]).toMatchObject({ id: "creator", principal: "alice" });
    expect((await rejection(ks.as("bob").getPolicy())).code).toBe("POLICY_DENIED");
  });

  it("closing a view keeps the parent open", async () => {
    const { ks } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    await ks.as("bob").close();
    await expect(ks.encrypt("k", "x")).resolves.toBeInstanceOf(Uint8Array);
  });

  it("audit key is hidden from listKeys", async () => {
    const { ks } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    expect((await ks.listKeys()).map((key) => key.name)).toEqual(["k"]);
  });
});

describe("client audit", () => {
  it("records and verifies operations", async () => {
    const { ks } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("k", "hello", { context: { tenant: "acme" } });
    await ks.decrypt(ciphertext, { context: { tenant: "acme" } });
    await rejection(ks.as("eve").decrypt(ciphertext, { context: { tenant: "acme" } }));

    const operations = (await ks.audit.tail(10)).map((entry) => [entry.operation, entry.principal, entry.outcome]);
    expect(operations).toContainEqual(["create", "alice", "success"]);
    expect(operations).toContainEqual(["encrypt", "alice", "success"]);
    expect(operations).toContainEqual(["decrypt", "alice", "success"]);
    expect(operations).toContainEqual(["decrypt", "eve", "denied"]);
    expect(await ks.audit.verify()).toMatchObject({ ok: true });
  });

  it("changed entry fails verify", async () => {
    const { ks, sink } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    await ks.encrypt("k", "hello");

    sink.entries[1]!.principal = "mallory";
    expect(await ks.audit.verify()).toMatchObject({ ok: false, index: 1 });
  });

  it("events hold no plaintext or key material", async () => {
    const { ks, store, sink } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    await ks.createKey("w", { purpose: "wrap" });
    const plaintext = "plaintext-that-must-not-appear-0123456789";
    const ciphertext = await ks.encrypt("k", plaintext, { context: { tenant: "context-value-that-must-not-appear" } });
    await ks.decrypt(ciphertext, { context: { tenant: "context-value-that-must-not-appear" } });
    await ks.seal("w", plaintext);
    await ks.flush();
    await ks.audit.flush();

    const log = JSON.stringify(sink.entries);
    const forbidden = [plaintext, toHex(new TextEncoder().encode(plaintext)), "context-value-that-must-not-appear"];

    for (const name of ["k", "w", "__audit"]) {
      for (const material of (await store.getKey(name))!.value.material.values()) {
        if (material.type !== "raw") continue;
        forbidden.push(toHex(material.bytes), btoa(String.fromCharCode(...material.bytes)));
      }
    }

    for (const value of forbidden) expect(log).not.toContain(value);
    expect(forbidden.length).toBeGreaterThan(3);
  });

  it("failing sink fails the operation", async () => {
    const broken: AuditSink = {
      async write() {
        throw new Error("disk full");
      },
    };
    const store = new MemoryStore();
    const { ks } = await open({ store });
    await ks.createKey("k", { purpose: "encrypt" });
    await ks.close();

    const failing = await KeyState.open({ store, principal: "alice", auditLog: { sinks: [memorySink(), broken] } });
    expect((await rejection(failing.encrypt("k", "x"))).code).toBe("AUDIT_FAILED");
    expect((await rejection(failing.rotate("k"))).code).toBe("AUDIT_FAILED");
  });

  it("subscribe sees client events", async () => {
    const { ks } = await open();
    const seen: AuditEntry[] = [];
    ks.audit.subscribe((entry) => seen.push(entry));
    await ks.createKey("k", { purpose: "mac" });
    expect(seen.map((entry) => entry.operation)).toEqual(["create"]);
  });

  it("revoked version use raises an alert", async () => {
    const alerts: AuditAlert[] = [];
    const { ks } = await open({ detectors: [{ kind: "revoked-use", threshold: 2, windowMs: 60_000 }] as never[], onAlert: (alert) => alerts.push(alert) });
    await ks.createKey("k", { purpose: "encrypt" });
    const old = await ks.encrypt("k", "x");
    await ks.rotate("k");
    await ks.revoke("k", { version: 1 });

    await rejection(ks.decrypt(old));
    await rejection(ks.decrypt(old));

    expect(alerts).toHaveLength(1);
    expect((await ks.audit.tail(5)).some((entry) => entry.operation === "alert")).toBe(true);
  });
});

describe("client rotation", () => {
  it("rotateDue rotates keys whose policy is due", async () => {
    let now = Date.UTC(2026, 0, 1);
    const { ks } = await open({ now: () => now });
    await ks.createKey("k", { purpose: "encrypt", rotation: { every: "30d" } });
    const old = await ks.encrypt("k", "before");

    expect((await ks.rotateDue()).results).toEqual([{ key: "k", action: "none" }]);

    now += 30 * DAY;
    const { results, errors } = await ks.rotateDue();
    expect(errors).toEqual([]);
    expect(results).toEqual([{ key: "k", action: "rotated", version: 2, reason: "age" }]);
    expect(text(await ks.decrypt(old))).toBe("before");
    expect((await ks.getKey("k")).versions.map((version) => version.status)).toEqual(["active", "primary"]);
  });

  it("createKey rejects a bad rotation policy", async () => {
    const { ks } = await open();
    expect((await rejection(ks.createKey("k", { purpose: "encrypt", rotation: { every: "soon" } }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.getKey("k"))).code).toBe("KEY_NOT_FOUND");
  });

  it("reencrypt moves ciphertext to the primary", async () => {
    const { ks } = await open();
    await ks.createKey("k", { purpose: "encrypt" });
    const old = await ks.encryptToString("k", "payload", { context: { a: "b" } });
    await ks.rotate("k");

    const moved = await ks.reencrypt(old, { context: { a: "b" } });
    expect(moved).not.toBe(old);
    expect(text(await ks.decrypt(moved, { context: { a: "b" } }))).toBe("payload");

    await ks.setMinDecryptionVersion("k", 2);
    expect((await rejection(ks.decrypt(old, { context: { a: "b" } }))).code).toBe("DECRYPT_FAILED");
    expect(text(await ks.decrypt(moved, { context: { a: "b" } }))).toBe("payload");
  });

  it("rewrap keeps the payload bytes", async () => {
    const { ks } = await open();
    await ks.createKey("w", { purpose: "wrap" });
    const envelope = await ks.seal("w", "large payload", { context: { a: "b" } });
    const before = (await ks.getKey("w")).versions[0]!.id;
    await ks.rotate("w");

    const rewrapped = await ks.rewrap(envelope, { context: { a: "b" } });
    const oldHeader = parseEnvelopeHeader(envelope)!;
    const newHeader = parseEnvelopeHeader(rewrapped)!;

    expect(oldHeader.kek.id).toBe(before);
    expect(newHeader.kek.id).toBe((await ks.getKey("w")).versions[1]!.id);
    expect(toHex(rewrapped.subarray(newHeader.length))).toBe(toHex(envelope.subarray(oldHeader.length)));
    expect(text(await ks.open(rewrapped, { context: { a: "b" } }))).toBe("large payload");

    await ks.setMinDecryptionVersion("w", 2);
    expect(text(await ks.open(rewrapped, { context: { a: "b" } }))).toBe("large payload");
    expect((await rejection(ks.open(envelope, { context: { a: "b" } }))).code).toBe("DECRYPT_FAILED");
  });

  it("rewrap with wrong context fails", async () => {
    const { ks } = await open();
    await ks.createKey("w", { purpose: "wrap", algorithm: "XCHACHA20-POLY1305" });
    const envelope = await ks.seal("w", "x", { context: { a: "b" } });
    await ks.rotate("w");
    expect((await rejection(ks.rewrap(envelope, { context: { a: "c" } }))).code).toBe("DECRYPT_FAILED");
  });

  it("AES-KW rewrap keeps the context binding", async () => {
    const { ks } = await open();
    await ks.createKey("w", { purpose: "wrap" });
    const envelope = await ks.seal("w", "x", { context: { a: "b" } });
    await ks.rotate("w");

    // AES-KW authenticates no associated data, so only opening checks the context.
    const rewrapped = await ks.rewrap(envelope, { context: { a: "c" } });
    expect((await rejection(ks.open(rewrapped, { context: { a: "c" } }))).code).toBe("DECRYPT_FAILED");
    expect(text(await ks.open(rewrapped, { context: { a: "b" } }))).toBe("x");
  });
});
