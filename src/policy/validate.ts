import { KeyStateError } from "../errors.js";
import { OPERATIONS, type PolicyRule, type RuleConditions } from "./types.js";

const MAX_RULES = 10_000;
const MAX_PATTERN_LENGTH = 1024;

function invalid(field: string, problem: string): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", `policy ${field} ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkPattern(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw invalid(field, `must be a non-empty glob string, got ${JSON.stringify(value) ?? typeof value}`);
  }

  if (value.length > MAX_PATTERN_LENGTH) {
    throw invalid(field, `is ${value.length} characters long; the maximum is ${MAX_PATTERN_LENGTH}`);
  }

  if (/\*{3,}/.test(value)) {
    throw invalid(field, `contains "***"; use "*" within a segment or "**" across "/"`);
  }

  return value;
}

function checkTime(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(field, `must be milliseconds since the Unix epoch (a non-negative integer), got ${String(value)}`);
  }

  return value;
}

function checkHour(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 24) {
    throw invalid(field, `must be an integer hour from 0 to 24 (UTC), got ${String(value)}`);
  }

  return value;
}

function checkConditions(value: unknown, field: string): RuleConditions {
  if (!isRecord(value)) throw invalid(field, "must be an object");

  const known = new Set(["context", "notBefore", "notAfter", "hoursUtc"]);
  for (const name of Object.keys(value)) {
    if (!known.has(name)) throw invalid(`${field}.${name}`, "is not a known condition (context, notBefore, notAfter, hoursUtc)");
  }

  const conditions: RuleConditions = {};

  if (value.context !== undefined) {
    if (!isRecord(value.context)) throw invalid(`${field}.context`, "must be an object of strings or string lists");

    const context: Record<string, string | string[]> = {};
    for (const [name, expected] of Object.entries(value.context)) {
      const isStringList = Array.isArray(expected) && expected.length > 0 && expected.every((item) => typeof item === "string");
      if (typeof expected !== "string" && !isStringList) {
        throw invalid(`${field}.context.${name}`, "must be a string or a non-empty list of strings");
      }
      context[name] = typeof expected === "string" ? expected : [...(expected as string[])];
    }
    conditions.context = context;
  }

  if (value.notBefore !== undefined) conditions.notBefore = checkTime(value.notBefore, `${field}.notBefore`);
  if (value.notAfter !== undefined) conditions.notAfter = checkTime(value.notAfter, `${field}.notAfter`);

  if (conditions.notBefore !== undefined && conditions.notAfter !== undefined && conditions.notAfter <= conditions.notBefore) {
    throw invalid(`${field}.notAfter`, "must be later than notBefore");
  }

  if (value.hoursUtc !== undefined) {
    if (!isRecord(value.hoursUtc)) throw invalid(`${field}.hoursUtc`, "must be an object { from, to } in UTC hours");

    const from = checkHour(value.hoursUtc.from, `${field}.hoursUtc.from`);
    const to = checkHour(value.hoursUtc.to, `${field}.hoursUtc.to`);
    if (from === to) throw invalid(`${field}.hoursUtc`, `has from equal to to (${from}), an empty window; omit hoursUtc for all day`);
    conditions.hoursUtc = { from, to };
  }

  return conditions;
}

function checkRule(value: unknown, field: string): PolicyRule {
  if (!isRecord(value)) throw invalid(field, "must be an object");

  const known = new Set(["id", "effect", "principal", "keys", "operations", "conditions"]);
  for (const name of Object.keys(value)) {
    if (!known.has(name)) throw invalid(`${field}.${name}`, "is not a rule field (id, effect, principal, keys, operations, conditions)");
  }

  if (typeof value.id !== "string" || value.id.length === 0 || value.id.length > 200) {
    throw invalid(`${field}.id`, "must be a string of 1 to 200 characters");
  }

  if (value.effect !== "allow" && value.effect !== "deny") {
    throw invalid(`${field}.effect`, `must be "allow" or "deny", got ${JSON.stringify(value.effect) ?? typeof value.effect}`);
  }

  const principal = checkPattern(value.principal, `${field}.principal`);
  const keys = checkPattern(value.keys, `${field}.keys`);

  if (!Array.isArray(value.operations) || value.operations.length === 0) {
    throw invalid(`${field}.operations`, 'must be a non-empty list of operations or ["*"]');
  }

  const operations = value.operations.map((operation: unknown, index: number) => {
    if (operation !== "*" && !OPERATIONS.includes(operation as never)) {
      throw invalid(`${field}.operations[${index}]`, `is ${JSON.stringify(operation) ?? typeof operation}; expected "*" or one of ${OPERATIONS.join(", ")}`);
    }
    return operation as PolicyRule["operations"][number];
  });

  const rule: PolicyRule = { id: value.id, effect: value.effect, principal, keys, operations };
  if (value.conditions !== undefined) rule.conditions = checkConditions(value.conditions, `${field}.conditions`);

  return rule;
}

/**
 * Checks a list of rules and returns a clean copy. Throws INVALID_ARGUMENT
 * naming the first bad field, e.g. `rules[2].operations[0]`.
 */
export function validateRules(rules: unknown): PolicyRule[] {
  if (!Array.isArray(rules)) throw invalid("rules", "must be a list of rules");
  if (rules.length > MAX_RULES) throw invalid("rules", `has ${rules.length} rules; the maximum is ${MAX_RULES}`);

  const seen = new Set<string>();

  return rules.map((value: unknown, index: number) => {
    const rule = checkRule(value, `rules[${index}]`);
    if (seen.has(rule.id)) throw invalid(`rules[${index}].id`, `repeats the id ${JSON.stringify(rule.id)}; rule ids must be unique`);
    seen.add(rule.id);
    return rule;
  });
}
