import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { StoredMaterial } from "../src/backends/key-store.js";
import type { AuditEventInput, AuditRecorder } from "../src/audit/types.js";
import type { KeyAlgorithm, KeyInfo } from "../src/keys/types.js";
import type { Authorizer } from "../src/policy/types.js";
import {
  RotationScheduler,
  parseDuration,
  readRotationPolicies,
  resolveRotationPolicy,
  rotateDue,
  rotateIfDue,
  rotationDue,
  setMinDecryptionVersion,
  writeRotationPolicy,
  type RotatorOptions,
} from "../src/rotation/index.js";
import { FakeTime, settle } from "./helpers/audit-support.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

function keyInfo(name: string, algorithm: KeyAlgorithm = "XCHACHA20-POLY1305", createdAt = START): KeyInfo {
  return {
    name,
    purpose: "encrypt",
    algorithm,
    createdAt,
    versions: [{ version: 1, id: 11, status: "primary", createdAt, updatedAt: createdAt, usage: { operations: 0, bytes: 0 } }],
  };
}

async function storeWithKey(name = "k", algorithm: KeyAlgorithm = "XCHACHA20-POLY1305"): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.putKey({ info: keyInfo(name, algorithm), material: new Map([[1, { type: "raw", bytes: new Uint8Array(32).fill(1) }]]) }, null);
  return store;
}

/** Returns a generator that keeps every material it made, to check which were wiped. */
function recordingGenerator() {
  const made: Uint8Array[] = [];
  const generate = async (): Promise<StoredMaterial> => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    made.push(bytes);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    return { type: "raw", bytes };
  };
  return { made, generate };
}

class RecordingAudit implements AuditRecorder {
  events: AuditEventInput[] = [];
  async record(event: AuditEventInput): Promise<void> {
    this.events.push(event);
  }
  recordSync(event: AuditEventInput): void {
    this.events.push(event);
  }
}

function options(store: MemoryStore, time: FakeTime, extra: Partial<RotatorOptions> = {}): RotatorOptions {
  return { store, generate: recordingGenerator().generate, now: time.clock, clockToleranceMs: 0, ...extra };
}

describe("parseDuration", () => {
  const good: [number | string, number][] = [
    ["90d", 90 * DAY],
    ["12h", 12 * HOUR],
    ["30s", 30_000],
    ["15m", 900_000],
    ["500ms", 500],
    ["2w", 14 * DAY],
    [1234, 1234],
  ];
  for (const [input, expected] of good) {
    it(`parses ${JSON.stringify(input)}`, () => {
      expect(parseDuration(input, "every")).toBe(expected);
    });
  }

  for (const input of ["90", "d", "1.5h", "-1s", "10y", "", 0, -5, 1.5]) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      expect(() => parseDuration(input, "every")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    });
  }

  it("allows zero when asked", () => {
    expect(parseDuration("0s", "delay", true)).toBe(0);
  });
});

describe("resolveRotationPolicy", () => {
  it("AES-GCM gets the operation limit", () => {
    expect(resolveRotationPolicy(undefined, "AES-256-GCM").maxOperations).toBe(2 ** 30);
  });

  it("XChaCha20 gets no operation limit", () => {
    expect(resolveRotationPolicy(undefined, "XCHACHA20-POLY1305").maxOperations).toBeUndefined();
  });

  it("rejects AES-GCM limit above 2^31", () => {
    expect(() => resolveRotationPolicy({ maxOperations: 2 ** 31 + 1 }, "AES-256-GCM")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("keeps a lower AES-GCM limit", () => {
    expect(resolveRotationPolicy({ maxOperations: 1000 }, "AES-256-GCM").maxOperations).toBe(1000);
  });

  it("rejects an unknown field", () => {
    expect(() => resolveRotationPolicy({ everyy: "1d" } as never, "ED25519")).toThrow(/everyy/);
  });

  it("converts durations", () => {
    expect(resolveRotationPolicy({ every: "90d", propagationDelay: "10m" }, "ED25519")).toEqual({ everyMs: 90 * DAY, propagationDelayMs: 600_000 });
  });
});

describe("rotationDue", () => {
  const policy = resolveRotationPolicy({ every: "90d", maxOperations: 100, maxBytes: 1000, propagationDelay: "1h" }, "XCHACHA20-POLY1305");

  it("not due before the age", () => {
    expect(rotationDue(keyInfo("k"), policy, START + 90 * DAY - 1)).toEqual({ kind: "none" });
  });

  it("due at the age", () => {
    expect(rotationDue(keyInfo("k"), policy, START + 90 * DAY)).toEqual({ kind: "rotate", reason: "age" });
  });

  it("due at the operation count", () => {
    const info = keyInfo("k");
    info.versions[0]!.usage.operations = 100;
    expect(rotationDue(info, policy, START)).toEqual({ kind: "rotate", reason: "operations" });
  });

  it("due at the byte count", () => {
    const info = keyInfo("k");
    info.versions[0]!.usage.bytes = 1000;
    expect(rotationDue(info, policy, START)).toEqual({ kind: "rotate", reason: "bytes" });
  });

  it("pending version waits for delay plus tolerance", () => {
    const info = keyInfo("k");
    info.versions.push({ version: 2, id: 22, status: "active", createdAt: START + DAY, updatedAt: START + DAY, usage: { operations: 0, bytes: 0 } });

    expect(rotationDue(info, policy, START + DAY + HOUR + 29_999, 30_000)).toMatchObject({ kind: "pending", version: 2 });
    expect(rotationDue(info, policy, START + DAY + HOUR + 30_000, 30_000)).toEqual({ kind: "promote", version: 2 });
  });

  it("operator rollback is not undone", () => {
    const info = keyInfo("k");
    info.versions[0]!.updatedAt = START + 2 * DAY;
    info.versions.push({ version: 2, id: 22, status: "active", createdAt: START + DAY, updatedAt: START + DAY, usage: { operations: 0, bytes: 0 } });

    expect(rotationDue(info, policy, START + 3 * DAY)).toEqual({ kind: "none" });
  });
});

describe("rotateIfDue", () => {
  it("does nothing before due", async () => {
    const time = new FakeTime(START);
    const store = await storeWithKey();
    expect(await rotateIfDue(options(store, time), "k", { every: "30d" })).toEqual({ key: "k", action: "none" });
    expect((await store.getKey("k"))!.value.info.versions).toHaveLength(1);
  });

  it("adds a primary version when due", async () => {
    const time = new FakeTime(START + 30 * DAY);
    const store = await storeWithKey();

    expect(await rotateIfDue(options(store, time), "k", { every: "30d" })).toEqual({ key: "k", action: "rotated", version: 2, reason: "age" });

    const stored = (await store.getKey("k"))!.value;
    expect(stored.info.versions.map((version) => version.status)).toEqual(["active", "primary"]);
    expect(stored.info.versions[1]!.createdAt).toBe(START + 30 * DAY);
    expect(stored.material.has(2)).toBe(true);
  });

  it("two-phase rotation promotes after the delay", async () => {
    const time = new FakeTime(START + 30 * DAY);
    const store = await storeWithKey();
    const policy = { every: "30d", propagationDelay: "10m" };
    const rotator = options(store, time, { clockToleranceMs: 60_000 });

    expect(await rotateIfDue(rotator, "k", policy)).toMatchObject({ action: "rotated", version: 2 });
    expect((await store.getKey("k"))!.value.info.versions.map((version) => version.status)).toEqual(["primary", "active"]);

    time.advance(10 * 60_000);
    expect(await rotateIfDue(rotator, "k", policy)).toEqual({ key: "k", action: "pending", version: 2 });

    time.advance(60_000);
    expect(await rotateIfDue(rotator, "k", policy)).toEqual({ key: "k", action: "promoted", version: 2 });
    expect((await store.getKey("k"))!.value.info.versions.map((version) => version.status)).toEqual(["active", "primary"]);

    expect(await rotateIfDue(rotator, "k", policy)).toEqual({ key: "k", action: "none" });
  });

  it("racing rotators add exactly one version", async () => {
    const time = new FakeTime(START + 31 * DAY);
    const store = await storeWithKey();
    const { made, generate } = recordingGenerator();

    const results = await Promise.all(Array.from({ length: 8 }, () => rotateIfDue({ store, generate, now: time.clock }, "k", { every: "30d" })));

    expect(results.filter((result) => result.action === "rotated")).toHaveLength(1);
    expect(results.filter((result) => result.action === "none")).toHaveLength(7);

    const stored = (await store.getKey("k"))!.value;
    expect(stored.info.versions).toHaveLength(2);

    const kept = stored.material.get(2) as { bytes: Uint8Array };
    const losers = made.filter((bytes) => !bytes.every((byte, index) => byte === kept.bytes[index]));
    expect(losers.every((bytes) => bytes.every((byte) => byte === 0))).toBe(true);
  });

  it("racing promoters promote once", async () => {
    const time = new FakeTime(START + 30 * DAY);
    const store = await storeWithKey();
    const audit = new RecordingAudit();
    const policy = { every: "30d", propagationDelay: "1m" };
    await rotateIfDue(options(store, time), "k", policy);
    time.advance(60_000);

    const results = await Promise.all(Array.from({ length: 6 }, () => rotateIfDue(options(store, time, { audit }), "k", policy)));

    expect(results.filter((result) => result.action === "promoted")).toHaveLength(1);
    expect(audit.events.filter((event) => event.detail?.phase === "promote")).toHaveLength(1);
  });

  it("reads the policy from the store", async () => {
    const time = new FakeTime(START + DAY);
    const store = await storeWithKey();
    await writeRotationPolicy(store, "k", { every: "1d" });

    expect(await readRotationPolicies(store)).toEqual({ k: { every: "1d" } });
    expect(await rotateIfDue(options(store, time), "k")).toMatchObject({ action: "rotated" });
  });

  it("audits the rotation", async () => {
    const time = new FakeTime(START + DAY);
    const store = await storeWithKey();
    const audit = new RecordingAudit();
    await rotateIfDue(options(store, time, { audit, principal: "ops" }), "k", { every: "1d" });

    expect(audit.events).toEqual([
      expect.objectContaining({ operation: "rotate", principal: "ops", keyName: "k", keyVersion: 2, outcome: "success", detail: { phase: "add", reason: "age" } }),
    ]);
  });

  it("denied rotation writes nothing", async () => {
    const time = new FakeTime(START + DAY);
    const store = await storeWithKey();
    const audit = new RecordingAudit();
    const denyAll: Authorizer = { authorize: async () => ({ allowed: false }), authorizeSync: () => ({ allowed: false }) };

    await expect(rotateIfDue(options(store, time, { audit, authorizer: denyAll }), "k", { every: "1d" })).rejects.toMatchObject({ code: "POLICY_DENIED" });
    expect((await store.getKey("k"))!.value.info.versions).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ outcome: "denied", operation: "rotate" });
  });

  it("missing key", async () => {
    await expect(rotateIfDue(options(new MemoryStore(), new FakeTime()), "nope", { every: "1d" })).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
  });
});

describe("setMinDecryptionVersion", () => {
  async function threeVersions() {
    const time = new FakeTime(START);
    const store = await storeWithKey();
    for (let i = 0; i < 2; i++) {
      time.advance(DAY);
      await rotateIfDue(options(store, time), "k", { every: "1d" });
    }
    return { store, time };
  }

  it("disables versions below the minimum", async () => {
    const { store, time } = await threeVersions();
    expect(await setMinDecryptionVersion(options(store, time), "k", 3)).toEqual([1, 2]);
    expect((await store.getKey("k"))!.value.info.versions.map((version) => version.status)).toEqual(["disabled", "disabled", "primary"]);
    expect((await store.getKey("k"))!.value.material.has(1)).toBe(true);
  });

  it("rejects a minimum above the primary", async () => {
    const { store, time } = await threeVersions();
    await expect(setMinDecryptionVersion(options(store, time), "k", 4)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("rotateDue and scheduler", () => {
  it("AES-GCM key rotates at the default limit", async () => {
    const time = new FakeTime(START);
    const store = await storeWithKey("gcm", "AES-256-GCM");
    const stored = (await store.getKey("gcm"))!;
    stored.value.info.versions[0]!.usage.operations = 2 ** 30;
    await store.putKey(stored.value, stored.revision);

    const { results, errors } = await rotateDue(options(store, time));
    expect(errors).toEqual([]);
    expect(results).toEqual([{ key: "gcm", action: "rotated", version: 2, reason: "operations" }]);
  });

  it("scheduler rotates on its interval", async () => {
    const time = new FakeTime(START);
    const store = await storeWithKey();
    await writeRotationPolicy(store, "k", { every: "1d" });
    const rotated: number[] = [];
    const scheduler = new RotationScheduler({ ...options(store, time), timers: time, intervalMs: HOUR, onRotation: (result) => rotated.push(result.version!) });

    scheduler.start();
    time.advance(23 * HOUR);
    await settle();
    expect(rotated).toEqual([]);

    time.advance(HOUR);
    await settle();
    expect(rotated).toEqual([2]);

    await scheduler.stop();
    time.advance(2 * DAY);
    await settle();
    expect(rotated).toEqual([2]);
  });

  it("scheduler reports errors and continues", async () => {
    const time = new FakeTime(START);
    const store = await storeWithKey();
    await writeRotationPolicy(store, "missing", { every: "1d" });
    await writeRotationPolicy(store, "k", { every: "1d" });
    const failed: string[] = [];
    const scheduler = new RotationScheduler({ ...options(store, time), timers: time, intervalMs: DAY, onError: (key) => failed.push(key) });

    time.advance(DAY);
    const changed = await scheduler.tick();

    expect(failed).toEqual(["missing"]);
    expect(changed.map((result) => result.key)).toEqual(["k"]);
  });
});
