import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/backends/memory-store.js";
import { isKeyStateError, KeyStateError } from "../src/errors.js";
import type { AuditEventInput, AuditRecorder } from "../src/audit/types.js";
import { PolicyEngine, evaluatePolicy, matchesPattern, validateRules, denialError } from "../src/policy/index.js";
import type { AccessRequest, Operation, PolicyRule } from "../src/policy/types.js";

// Tuesday 2026-03-10 14:30 UTC: inside office hours, outside the night window.
const TUESDAY_AFTERNOON = Date.UTC(2026, 2, 10, 14, 30);

function request(principal: string, operation: Operation, keyName: string, extra: Partial<AccessRequest> = {}): AccessRequest {
  return { principal, operation, keyName, now: TUESDAY_AFTERNOON, ...extra };
}

function rule(id: string, effect: "allow" | "deny", principal: string, keys: string, operations: PolicyRule["operations"], conditions?: PolicyRule["conditions"]): PolicyRule {
  return conditions === undefined ? { id, effect, principal, keys, operations } : { id, effect, principal, keys, operations, conditions };
}

const RULES: PolicyRule[] = [
  rule("admins", "allow", "admin/*", "**", ["*"]),
  rule("app-encrypt", "allow", "service/app", "app/*", ["encrypt", "decrypt"]),
  rule("app-no-legacy", "deny", "service/app", "app/legacy", ["*"]),
  rule("signers", "allow", "service/**", "signing/**", ["sign", "verify"]),
  rule("tenant", "allow", "service/billing", "billing/*", ["decrypt"], { context: { tenant: ["acme", "globex"], region: "eu" } }),
  rule("office-hours", "allow", "ops/*", "ops/*", ["rotate"], { hoursUtc: { from: 9, to: 17 } }),
  rule("night-shift", "allow", "night/*", "ops/*", ["rotate"], { hoursUtc: { from: 22, to: 6 } }),
  rule("campaign", "allow", "temp/*", "promo/*", ["mac"], { notBefore: Date.UTC(2026, 2, 1), notAfter: Date.UTC(2026, 3, 1) }),
  rule("no-destroy", "deny", "**", "**", ["destroy"]),
];

// [case, request, expected allowed, expected rule id]
const CASES: [string, AccessRequest, boolean, string | undefined][] = [
  ["admin may encrypt anything", request("admin/ann", "encrypt", "x/y/z"), true, "admins"],
  ["admin may not destroy (deny wins)", request("admin/ann", "destroy", "x"), false, "no-destroy"],
  ["app encrypts its key", request("service/app", "encrypt", "app/db"), true, "app-encrypt"],
  ["app may not sign its key", request("service/app", "sign", "app/db"), false, undefined],
  ["app single star stays in segment", request("service/app", "encrypt", "app/db/old"), false, undefined],
  ["app denied legacy key", request("service/app", "decrypt", "app/legacy"), false, "app-no-legacy"],
  ["double star crosses segments", request("service/a/b", "sign", "signing/x/y"), true, "signers"],
  ["double star principal needs prefix", request("servicex", "sign", "signing/x"), false, undefined],
  ["unknown principal default deny", request("mallory", "encrypt", "app/db"), false, undefined],
  ["context matches", request("service/billing", "decrypt", "billing/inv", { context: { tenant: "acme", region: "eu", extra: "1" } }), true, "tenant"],
  ["context second list value", request("service/billing", "decrypt", "billing/inv", { context: { tenant: "globex", region: "eu" } }), true, "tenant"],
  ["context wrong value", request("service/billing", "decrypt", "billing/inv", { context: { tenant: "initech", region: "eu" } }), false, undefined],
  ["context missing key", request("service/billing", "decrypt", "billing/inv", { context: { tenant: "acme" } }), false, undefined],
  ["context absent", request("service/billing", "decrypt", "billing/inv"), false, undefined],
  ["inside office hours", request("ops/bob", "rotate", "ops/db"), true, "office-hours"],
  ["office hours end exclusive", request("ops/bob", "rotate", "ops/db", { now: Date.UTC(2026, 2, 10, 17, 0) }), false, undefined],
  ["office hours start inclusive", request("ops/bob", "rotate", "ops/db", { now: Date.UTC(2026, 2, 10, 9, 0) }), true, "office-hours"],
  ["night window before midnight", request("night/eve", "rotate", "ops/db", { now: Date.UTC(2026, 2, 10, 23, 15) }), true, "night-shift"],
  ["night window after midnight", request("night/eve", "rotate", "ops/db", { now: Date.UTC(2026, 2, 11, 5, 59) }), true, "night-shift"],
  ["night window closed by day", request("night/eve", "rotate", "ops/db"), false, undefined],
  ["campaign inside dates", request("temp/x", "mac", "promo/1"), true, "campaign"],
  ["campaign before notBefore", request("temp/x", "mac", "promo/1", { now: Date.UTC(2026, 1, 28) }), false, undefined],
  ["campaign at notAfter", request("temp/x", "mac", "promo/1", { now: Date.UTC(2026, 3, 1) }), false, undefined],
];

describe("policy evaluation", () => {
  for (const [name, input, allowed, ruleId] of CASES) {
    it(name, () => {
      const decision = evaluatePolicy(RULES, input);
      expect(decision.allowed).toBe(allowed);
      expect(decision.ruleId).toBe(ruleId);
    });
  }

  it("empty policy denies everything", () => {
    expect(evaluatePolicy([], request("anyone", "encrypt", "k"))).toEqual({ allowed: false });
  });

  it("deny wins regardless of order", () => {
    const allow = rule("allow-all", "allow", "**", "**", ["*"]);
    const deny = rule("deny-k", "deny", "alice", "k", ["decrypt"]);
    expect(evaluatePolicy([allow, deny], request("alice", "decrypt", "k")).ruleId).toBe("deny-k");
    expect(evaluatePolicy([deny, allow], request("alice", "decrypt", "k")).ruleId).toBe("deny-k");
  });

  it("deny with unmet condition does not apply", () => {
    const rules = [rule("allow", "allow", "alice", "k", ["*"]), rule("deny-eu", "deny", "alice", "k", ["*"], { context: { region: "eu" } })];
    expect(evaluatePolicy(rules, request("alice", "encrypt", "k", { context: { region: "us" } })).allowed).toBe(true);
    expect(evaluatePolicy(rules, request("alice", "encrypt", "k", { context: { region: "eu" } })).allowed).toBe(false);
  });
});

describe("policy patterns", () => {
  const table: [string, string, boolean][] = [
    ["app/*", "app/db", true],
    ["app/*", "app/", true],
    ["app/*", "app/db/x", false],
    ["app/*", "app", false],
    ["app/**", "app/db/x", true],
    ["app/**", "app", false],
    ["**", "", true],
    ["*", "a/b", false],
    ["a.b", "axb", false],
    ["a.b", "a.b", true],
    ["(x)+", "(x)+", true],
    ["*-prod", "db-prod", true],
    ["*-prod", "db-staging", false],
    ["a/**/z", "a/b/c/z", true],
    ["a/**/z", "a//z", true],
  ];

  for (const [pattern, name, expected] of table) {
    it(`pattern ${pattern} vs ${JSON.stringify(name)}`, () => {
      expect(matchesPattern(pattern, name)).toBe(expected);
    });
  }
});

describe("policy rule validation", () => {
  const good = { id: "r", effect: "allow", principal: "p", keys: "k", operations: ["encrypt"] };
  const bad: [string, unknown, string][] = [
    ["not a list", { rules: 1 }, "rules"],
    ["missing id", [{ ...good, id: "" }], "rules[0].id"],
    ["bad effect", [{ ...good, effect: "permit" }], "rules[0].effect"],
    ["empty principal", [{ ...good, principal: "" }], "rules[0].principal"],
    ["triple star", [{ ...good, keys: "a/***" }], "rules[0].keys"],
    ["unknown operation", [good, { ...good, id: "s", operations: ["encrypt", "launch"] }], "rules[1].operations[1]"],
    ["empty operations", [{ ...good, operations: [] }], "rules[0].operations"],
    ["duplicate id", [good, good], "rules[1].id"],
    ["unknown field", [{ ...good, effects: "allow" }], "rules[0].effects"],
    ["unknown condition", [{ ...good, conditions: { ip: "1.2.3.4" } }], "rules[0].conditions.ip"],
    ["context number", [{ ...good, conditions: { context: { tenant: 5 } } }], "rules[0].conditions.context.tenant"],
    ["hour out of range", [{ ...good, conditions: { hoursUtc: { from: 9, to: 25 } } }], "rules[0].conditions.hoursUtc.to"],
    ["empty hour window", [{ ...good, conditions: { hoursUtc: { from: 9, to: 9 } } }], "rules[0].conditions.hoursUtc"],
    ["notAfter before notBefore", [{ ...good, conditions: { notBefore: 10, notAfter: 5 } }], "rules[0].conditions.notAfter"],
    ["fractional time", [{ ...good, conditions: { notBefore: 1.5 } }], "rules[0].conditions.notBefore"],
  ];

  for (const [name, rules, field] of bad) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        validateRules((rules as { rules?: unknown }).rules ?? rules);
      } catch (error) {
        caught = error;
      }
      expect(isKeyStateError(caught, "INVALID_ARGUMENT")).toBe(true);
      expect((caught as Error).message).toContain(`policy ${field} `);
    });
  }

  it("accepts a full rule", () => {
    const rules = validateRules([{ ...good, operations: ["*"], conditions: { context: { a: "b" }, notBefore: 1, notAfter: 2, hoursUtc: { from: 22, to: 6 } } }]);
    expect(rules).toHaveLength(1);
  });
});

describe("policy denial error", () => {
  it("names principal, operation, key and rule", () => {
    const error = denialError(request("bob", "decrypt", "app/db"), { allowed: false, ruleId: "no-bob" });
    expect(error).toBeInstanceOf(KeyStateError);
    expect(error.code).toBe("POLICY_DENIED");
    expect(error.message).toContain('"bob"');
    expect(error.message).toContain("decrypt");
    expect(error.message).toContain('"app/db"');
    expect(error.message).toContain('"no-bob"');
  });

  it("says no rule allows it", () => {
    const error = denialError(request("bob", "decrypt", "app/db"), { allowed: false });
    expect(error.message).toContain("no rule allows it");
  });
});

class RecordingAudit implements AuditRecorder {
  events: AuditEventInput[] = [];
  async record(event: AuditEventInput): Promise<void> {
    this.events.push(event);
  }
  recordSync(event: AuditEventInput): void {
    this.events.push(event);
  }
}

describe("PolicyEngine", () => {
  it("new store lets its creator do everything", async () => {
    const store = new MemoryStore();
    const engine = await PolicyEngine.open({ store, principal: "alice" });

    expect(engine.version).toBe(1);
    expect(engine.authorizeSync(request("alice", "destroy", "any/key/at/all")).allowed).toBe(true);
    expect(engine.authorizeSync(request("bob", "encrypt", "k")).allowed).toBe(false);

    const stored = await store.getDocument("policy");
    expect((stored?.value as { rules: PolicyRule[] }).rules).toEqual([{ id: "creator", effect: "allow", principal: "alice", keys: "**", operations: ["*"] }]);
  });

  it("second open keeps the first creator", async () => {
    const store = new MemoryStore();
    await PolicyEngine.open({ store, principal: "alice" });
    const engine = await PolicyEngine.open({ store, principal: "bob" });
    expect(engine.authorizeSync(request("bob", "encrypt", "k")).allowed).toBe(false);
  });

  it("concurrent first opens agree", async () => {
    const store = new MemoryStore();
    const engines = await Promise.all(["a", "b", "c"].map((principal) => PolicyEngine.open({ store, principal })));
    const creators = engines.map((engine) => engine.rules[0]!.principal);
    expect(new Set(creators).size).toBe(1);
  });

  it("setPolicy writes and audits", async () => {
    const store = new MemoryStore();
    const audit = new RecordingAudit();
    const engine = await PolicyEngine.open({ store, principal: "alice", audit });
    const rules = [rule("alice-admin", "allow", "alice", "**", ["*"]), rule("bob", "allow", "bob", "app/*", ["encrypt"])];

    const version = await engine.setPolicy(rules, { principal: "alice" });

    expect(version).toBe(2);
    expect(engine.authorizeSync(request("bob", "encrypt", "app/x")).allowed).toBe(true);
    expect(((await store.getDocument("policy"))?.value as { version: number }).version).toBe(2);
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ operation: "policy-change", principal: "alice", outcome: "success", detail: { policyVersion: 2 } });
  });

  it("setPolicy needs admin", async () => {
    const audit = new RecordingAudit();
    const engine = await PolicyEngine.open({ store: new MemoryStore(), principal: "alice", audit });

    await expect(engine.setPolicy([rule("x", "allow", "bob", "**", ["*"])], { principal: "bob" })).rejects.toMatchObject({ code: "POLICY_DENIED" });
    expect(audit.events[0]).toMatchObject({ operation: "policy-change", principal: "bob", outcome: "denied", errorCode: "POLICY_DENIED" });
    expect(engine.version).toBe(1);
  });

  it("setPolicy rejects admin on a narrower scope", async () => {
    const store = new MemoryStore();
    const engine = await PolicyEngine.open({ store, principal: "alice" });
    await engine.setPolicy([rule("a", "allow", "alice", "**", ["*"]), rule("b", "allow", "bob", "app/*", ["admin"])], { principal: "alice" });

    await expect(engine.setPolicy([rule("x", "allow", "bob", "**", ["*"])], { principal: "bob" })).rejects.toMatchObject({ code: "POLICY_DENIED" });
  });

  it("setPolicy rejects bad rules naming the field", async () => {
    const audit = new RecordingAudit();
    const engine = await PolicyEngine.open({ store: new MemoryStore(), principal: "alice", audit });
    const bad = [{ id: "x", effect: "allow", principal: "alice", keys: "**", operations: ["explode"] }] as unknown as PolicyRule[];

    await expect(engine.setPolicy(bad, { principal: "alice" })).rejects.toThrow("rules[0].operations[0]");
    expect(audit.events[0]).toMatchObject({ outcome: "failure", errorCode: "INVALID_ARGUMENT" });
  });

  it("setPolicy rejects self lockout", async () => {
    const engine = await PolicyEngine.open({ store: new MemoryStore(), principal: "alice" });
    const rules = [rule("bob", "allow", "bob", "**", ["*"])];

    await expect(engine.setPolicy(rules, { principal: "alice" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(engine.setPolicy(rules, { principal: "alice", allowLockout: true })).resolves.toBe(2);
  });

  it("setPolicy expectedVersion conflict", async () => {
    const store = new MemoryStore();
    const first = await PolicyEngine.open({ store, principal: "alice" });
    const second = await PolicyEngine.open({ store, principal: "alice" });
    const rules = [rule("a", "allow", "alice", "**", ["*"])];

    await first.setPolicy(rules, { principal: "alice" });
    await expect(second.setPolicy(rules, { principal: "alice", expectedVersion: 1 })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(second.setPolicy(rules, { principal: "alice" })).resolves.toBe(3);
  });

  it("stale writer re-checks after conflict", async () => {
    const store = new MemoryStore();
    const alice = await PolicyEngine.open({ store, principal: "alice" });
    await alice.setPolicy([rule("a", "allow", "alice", "**", ["*"]), rule("b", "allow", "bob", "**", ["*"])], { principal: "alice" });
    const bobsView = await PolicyEngine.open({ store, principal: "bob", refreshIntervalMs: 60_000 });

    await alice.setPolicy([rule("a", "allow", "alice", "**", ["*"])], { principal: "alice" });

    await expect(bobsView.setPolicy([rule("b", "allow", "bob", "**", ["*"])], { principal: "bob" })).rejects.toMatchObject({ code: "POLICY_DENIED" });
  });

  it("authorize refreshes after the interval", async () => {
    const store = new MemoryStore();
    let now = TUESDAY_AFTERNOON;
    const writer = await PolicyEngine.open({ store, principal: "alice" });
    const reader = await PolicyEngine.open({ store, principal: "alice", now: () => now, refreshIntervalMs: 1000 });

    await writer.setPolicy([rule("a", "allow", "alice", "**", ["*"]), rule("b", "allow", "bob", "k", ["encrypt"])], { principal: "alice" });

    expect((await reader.authorize(request("bob", "encrypt", "k"))).allowed).toBe(false);
    now += 1000;
    expect(reader.authorizeSync(request("bob", "encrypt", "k")).allowed).toBe(false);
    expect((await reader.authorize(request("bob", "encrypt", "k"))).allowed).toBe(true);
    expect(reader.authorizeSync(request("bob", "encrypt", "k")).allowed).toBe(true);
  });

  it("check throws POLICY_DENIED", async () => {
    const engine = await PolicyEngine.open({ store: new MemoryStore(), principal: "alice" });
    await expect(engine.check(request("eve", "decrypt", "k"))).rejects.toThrow(/"eve" may not decrypt key "k": no rule allows it/);
  });

  it("corrupt policy document", async () => {
    const store = new MemoryStore();
    await store.putDocument("policy", { format: "keystate-policy", version: 1, rules: [{ id: "x" }] }, null);
    await expect(PolicyEngine.open({ store, principal: "alice" })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("rejects a principal containing star", async () => {
    await expect(PolicyEngine.open({ store: new MemoryStore(), principal: "a*" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
