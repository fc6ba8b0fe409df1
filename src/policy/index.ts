// The access policy: default deny, rules per principal and key pattern, an
// explicit deny beats any allow.
export { PolicyEngine, POLICY_DOCUMENT, POLICY_ADMIN_KEY, initialRules } from "./engine.js";
export type { PolicyEngineOptions, SetPolicyOptions } from "./engine.js";
export { evaluatePolicy, ruleApplies, denialError } from "./evaluate.js";
export { matchesPattern } from "./pattern.js";
export { validateRules } from "./validate.js";
export { OPERATIONS } from "./types.js";
export type { AccessDecision, AccessRequest, Authorizer, Operation, PolicyDocument, PolicyRule, RuleConditions } from "./types.js";
