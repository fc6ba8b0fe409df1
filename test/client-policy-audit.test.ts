import { describe, expect, it } from "vitest";
import { MemoryAuditRecorder } from "../src/client/defaults/memory-audit-recorder.js";
import { OpeningPrincipalAuthorizer } from "../src/client/defaults/opening-principal-authorizer.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { AccessRequest, Authorizer, Operation } from "../src/policy/types.js";
import type { AuditEventInput, AuditRecorder } from "../src/audit/types.js";
import { KeyStateError } from "../src/errors.js";
import { openClient, rejection, thrown } from "./helpers/client.js";

/** Allows the listed operations and records every request it receives. */
class ListAuthorizer implements Authorizer {
  readonly requests: AccessRequest[] = [];
  constructor(readonly allowed: Set<Operation>) {}

  async authorize(request: AccessRequest) {
    return this.authorizeSync(request);
  }

  authorizeSync(request: AccessRequest) {
    this.requests.push(request);
    return this.allowed.has(request.operation) ? { allowed: true, ruleId: "test-allow" } : { allowed: false };
  }
}

async function setUp(allowed: Operation[]) {
  const store = new MemoryStore();
  const audit = new MemoryAuditRecorder();
  const admin = await openClient({ store });
  await admin.ks.createKey("data", { purpose: "encrypt" });
  await admin.ks.createKey("signer", { purpose: "sign" });
  const ciphertext = await admin.ks.encrypt("data", "x", { context: { tenant: "acme" } });
  await admin.ks.flush();

  const authorizer = new ListAuthorizer(new Set(allowed));
  const { ks } = await openClient({ store, principal: "bob", authorizer, audit });
  return { ks, audit, authorizer, ciphertext, store };
}

describe("policy checks", () => {
  it("denied encrypt gives POLICY_DENIED naming principal, operation and key", async () => {
    const { ks } = await setUp(["decrypt"]);
    const error = await rejection(ks.encrypt("data", "x"));
    expect(error).toBeInstanceOf(KeyStateError);
    expect(error.code).toBe("POLICY_DENIED");
    expect(error.message).toContain('"bob"');
    expect(error.message).toContain("encrypt");
    expect(error.message).toContain('"data"');
  });

  it("denied decrypt gives POLICY_DENIED, not DECRYPT_FAILED", async () => {
    const { ks, ciphertext } = await setUp(["encrypt"]);
    expect((await rejection(ks.decrypt(ciphertext, { context: { tenant: "acme" } }))).code).toBe("POLICY_DENIED");
  });

  it("authorizer receives principal, key, operation, context and time", async () => {
    const { ks, authorizer, ciphertext } = await setUp(["decrypt"]);
    await ks.decrypt(ciphertext, { context: { tenant: "acme" } });

    const request = authorizer.requests.at(-1)!;
    expect(request.principal).toBe("bob");
    expect(request.operation).toBe("decrypt");
    expect(request.keyName).toBe("data");
    expect(request.context).toEqual({ tenant: "acme" });
    expect(typeof request.now).toBe("number");
  });

  it("each operation asks for its policy operation", async () => {
    const cases: [Operation, (ks: Awaited<ReturnType<typeof setUp>>["ks"]) => Promise<unknown>][] = [
      ["encrypt", (ks) => ks.encrypt("data", "x")],
      ["sign", (ks) => ks.sign("signer", "x")],
      ["verify", (ks) => ks.verify("signer", "x", new Uint8Array(64))],
      ["verify", (ks) => ks.exportPublicKey("signer")],
      ["rotate", (ks) => ks.rotate("data")],
      ["revoke", (ks) => ks.revoke("data", { version: 1 })],
      ["destroy", (ks) => ks.destroy("data", { version: 1, confirm: true })],
      ["admin", (ks) => ks.createKey("fresh", { purpose: "mac" })],
    ];

    for (const [operation, run] of cases) {
      const { ks, authorizer } = await setUp([]);
      expect((await rejection(run(ks))).code).toBe("POLICY_DENIED");
      expect(authorizer.requests.at(-1)!.operation).toBe(operation);
    }
  });

  it("denied operations change nothing", async () => {
    const { ks, store } = await setUp([]);
    await rejection(ks.rotate("data"));
    await rejection(ks.encrypt("data", "x"));
    await ks.flush();

    const stored = await store.getKey("data");
    expect(stored!.value.info.versions).toHaveLength(1);
    expect(stored!.value.info.versions[0]!.usage.operations).toBe(1);
  });

  it("listKeys shows only keys with an allowed operation", async () => {
    const store = new MemoryStore();
    const admin = await openClient({ store });
    await admin.ks.createKey("mine", { purpose: "encrypt" });
    await admin.ks.createKey("theirs", { purpose: "encrypt" });

    const authorizer: Authorizer = {
      authorize: async (request) => ({ allowed: request.keyName === "mine" }),
      authorizeSync: (request) => ({ allowed: request.keyName === "mine" }),
    };
    const { ks } = await openClient({ store, principal: "bob", authorizer });
    expect((await ks.listKeys()).map((key) => key.name)).toEqual(["mine"]);
    expect((await rejection(ks.getKey("theirs"))).code).toBe("POLICY_DENIED");
  });

  it("denial hides whether names exist", async () => {
    const { ks } = await setUp([]);

    for (const name of ["data", "missing"]) {
      expect((await rejection(ks.createKey(name, { purpose: "encrypt" }))).code, `createKey ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.getKey(name))).code, `getKey ${name}`).toBe("POLICY_DENIED");
    }
  });

  it("denial precedes every key lookup", async () => {
    const { ks } = await setUp([]);
    const bytes = new TextEncoder().encode("hello");

    for (const name of ["data", "missing"]) {
      expect((await rejection(ks.encrypt(name, bytes))).code, `encrypt ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.sign(name, bytes))).code, `sign ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.mac(name, bytes))).code, `mac ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.seal(name, bytes))).code, `seal ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.rotate(name))).code, `rotate ${name}`).toBe("POLICY_DENIED");
      expect((await rejection(ks.load(name))).code, `load ${name}`).toBe("POLICY_DENIED");
    }
  });

  it("sync forms ask authorizeSync", async () => {
    const { ks, authorizer } = await setUp(["encrypt"]);
    await ks.load("data");
    ks.sync.encrypt("data", "x");
    expect(authorizer.requests.at(-1)!.operation).toBe("encrypt");
    expect(thrown(() => ks.sync.decrypt(ks.sync.encrypt("data", "x"))).code).toBe("POLICY_DENIED");
  });

  it("default authorizer allows only the opening principal", () => {
    const authorizer = new OpeningPrincipalAuthorizer("alice");
    expect(authorizer.authorizeSync({ principal: "alice", operation: "encrypt", keyName: "k", now: 0 }).allowed).toBe(true);
    expect(authorizer.authorizeSync({ principal: "bob", operation: "encrypt", keyName: "k", now: 0 }).allowed).toBe(false);
  });
});

describe("audit events", () => {
  it("success, failure and denial are recorded", async () => {
    const { ks, audit, ciphertext } = await setUp(["decrypt"]);
    await ks.decrypt(ciphertext, { context: { tenant: "acme" } });
    await rejection(ks.decrypt(ciphertext, { context: { tenant: "other" } }));
    await rejection(ks.encrypt("data", "x"));

    const [success, failure, denial] = audit.events().slice(-3);
    expect(success).toMatchObject({ operation: "decrypt", principal: "bob", outcome: "success", keyName: "data", keyVersion: 1, bytes: 1 });
    expect(failure).toMatchObject({ operation: "decrypt", outcome: "failure", errorCode: "DECRYPT_FAILED", keyName: "data" });
    expect(denial).toMatchObject({ operation: "encrypt", outcome: "denied", errorCode: "POLICY_DENIED", keyName: "data" });
    expect(new Set([success!.requestId, failure!.requestId, denial!.requestId]).size).toBe(3);
  });

  it("audit keeps the reason the caller does not see", async () => {
    const store = new MemoryStore();
    const audit = new MemoryAuditRecorder();
    const { ks } = await openClient({ store, audit });
    await ks.createKey("data", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("data", "x");
    await ks.rotate("data");
    await ks.revoke("data", { version: 1 });

    expect((await rejection(ks.decrypt(ciphertext))).code).toBe("DECRYPT_FAILED");
    expect(audit.events().at(-1)).toMatchObject({ operation: "decrypt", outcome: "failure", errorCode: "KEY_DISABLED" });
  });

  it("verify false is recorded as VERIFY_FAILED", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await openClient({ audit });
    await ks.createKey("signer", { purpose: "sign" });
    expect(await ks.verify("signer", "m", new Uint8Array(64))).toBe(false);
    expect(audit.events().at(-1)).toMatchObject({ operation: "verify", outcome: "failure", errorCode: "VERIFY_FAILED" });
  });

  it("a failing recorder fails the operation", async () => {
    const failing: AuditRecorder = {
      record: async () => {
        throw new KeyStateError("AUDIT_FAILED", "sink unavailable");
      },
      recordSync: () => {
        throw new KeyStateError("AUDIT_FAILED", "sink unavailable");
      },
    };
    const store = new MemoryStore();
    const admin = await openClient({ store });
    await admin.ks.createKey("data", { purpose: "encrypt" });
    const ciphertext = await admin.ks.encrypt("data", "x");

    const { ks } = await openClient({ store, audit: failing });
    expect((await rejection(ks.encrypt("data", "x"))).code).toBe("AUDIT_FAILED");
    expect((await rejection(ks.decrypt(ciphertext))).code).toBe("AUDIT_FAILED");
  });

  it("events carry the context but never plaintext", async () => {
    const events: AuditEventInput[] = [];
    const recorder: AuditRecorder = { record: async (event) => void events.push(event), recordSync: (event) => void events.push(event) };
    const { ks } = await openClient({ audit: recorder });
    await ks.createKey("data", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("data", "top secret plaintext", { context: { tenant: "acme" } });
    await ks.decrypt(ciphertext, { context: { tenant: "acme" } });

    const serialised = JSON.stringify(events);
    expect(serialised).not.toContain("top secret plaintext");
    expect(events.at(-1)!.context).toEqual({ tenant: "acme" });
    expect(events.map((event) => event.operation)).toEqual(["create", "encrypt", "decrypt"]);
  });
});

describe("MemoryAuditRecorder", () => {
  it("keeps the latest events up to capacity", async () => {
    let now = 0;
    const recorder = new MemoryAuditRecorder({ capacity: 3, clock: () => ++now });
    for (let i = 0; i < 5; i++) {
      await recorder.record({ operation: "encrypt", principal: "p", outcome: "success", requestId: `r${i}` });
    }

    const events = recorder.events();
    expect(events.map((event) => event.requestId)).toEqual(["r2", "r3", "r4"]);
    expect(events.map((event) => event.time)).toEqual([3, 4, 5]);
  });

  it("returns copies of its events", () => {
    const recorder = new MemoryAuditRecorder();
    recorder.recordSync({ operation: "encrypt", principal: "p", outcome: "success", requestId: "r" });
    recorder.events()[0]!.principal = "changed";
    expect(recorder.events()[0]!.principal).toBe("p");
  });
});
