import { KeyStateError } from "../errors.js";
import { matchesPattern } from "./pattern.js";
import type { AccessDecision, AccessRequest, PolicyRule, RuleConditions } from "./types.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function conditionsHold(conditions: RuleConditions | undefined, request: AccessRequest): boolean {
  if (conditions === undefined) return true;

  if (conditions.notBefore !== undefined && request.now < conditions.notBefore) return false;
  if (conditions.notAfter !== undefined && request.now >= conditions.notAfter) return false;

  if (conditions.hoursUtc !== undefined) {
    const { from, to } = conditions.hoursUtc;
    const hour = (((request.now % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
    const inside = from < to ? hour >= from && hour < to : hour >= from || hour < to;
    if (!inside) return false;
  }

  if (conditions.context !== undefined) {
    for (const [name, expected] of Object.entries(conditions.context)) {
      const actual = request.context?.[name];
      if (actual === undefined) return false;
      if (typeof expected === "string" ? actual !== expected : !expected.includes(actual)) return false;
    }
  }

  return true;
}

/** Returns true when every part of `rule` (principal, key, operation, conditions) applies to `request`. */
export function ruleApplies(rule: PolicyRule, request: AccessRequest): boolean {
  return (
    (rule.operations.includes("*") || rule.operations.includes(request.operation)) &&
    matchesPattern(rule.principal, request.principal) &&
    matchesPattern(rule.keys, request.keyName) &&
    conditionsHold(rule.conditions, request)
  );
}

/**
 * Decides a request against a list of rules: denied unless some rule allows
 * it, and denied whenever a deny rule applies, whatever the order of rules.
 */
export function evaluatePolicy(rules: readonly PolicyRule[], request: AccessRequest): AccessDecision {
  let allowedBy: string | undefined;

  for (const rule of rules) {
    if (!ruleApplies(rule, request)) continue;
    if (rule.effect === "deny") return { allowed: false, ruleId: rule.id };
    allowedBy ??= rule.id;
  }

  return allowedBy === undefined ? { allowed: false } : { allowed: true, ruleId: allowedBy };
}

/** Builds the POLICY_DENIED error for a denied request: who, what, which key and which rule. */
export function denialError(request: AccessRequest, decision: AccessDecision): KeyStateError {
  const because = decision.ruleId === undefined ? "no rule allows it" : `rule ${JSON.stringify(decision.ruleId)} denies it`;

  return new KeyStateError(
    "POLICY_DENIED",
    `principal ${JSON.stringify(request.principal)} may not ${request.operation} key ${JSON.stringify(request.keyName)}: ${because}; ask an administrator to change the policy`,
  );
}
