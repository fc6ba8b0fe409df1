/** Operations the access policy decides on. Metadata reads need any allowed operation on the key. */
export type Operation =
  | "encrypt"
  | "decrypt"
  | "sign"
  | "verify"
  | "mac"
  | "rotate"
  | "revoke"
  | "destroy"
  | "admin";

/** Every operation, in the order of the Operation union. */
export const OPERATIONS: readonly Operation[] = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "mac",
  "rotate",
  "revoke",
  "destroy",
  "admin",
];

/** One question to the policy: may this principal do this to this key now? */
export interface AccessRequest {
  principal: string;
  operation: Operation;
  keyName: string;
  /** The caller's encryption context, for rules with context conditions. */
  context?: Readonly<Record<string, string>>;
  /** Milliseconds since the Unix epoch, from the client's clock. */
  now: number;
}

export interface AccessDecision {
  allowed: boolean;
  /** The id of the rule that decided, absent when nothing matched (default deny). */
  ruleId?: string;
}

/**
 * What the client asks before every operation. The synchronous form serves
 * the synchronous encrypt, decrypt, sign and verify, and decides on the
 * policy as last loaded.
 */
export interface Authorizer {
  authorize(request: AccessRequest): Promise<AccessDecision>;
  authorizeSync(request: AccessRequest): AccessDecision;
}

/**
 * Conditions a rule adds to its patterns. A rule applies only when every
 * condition it lists holds.
 */
export interface RuleConditions {
  /**
   * Encryption-context values the request must carry, compared exactly. A
   * list means any one of its values. Keys the rule does not name are ignored.
   */
  context?: Readonly<Record<string, string | readonly string[]>>;
  /** Earliest time the rule applies, in milliseconds since the Unix epoch (inclusive). */
  notBefore?: number;
  /** Latest time the rule applies, in milliseconds since the Unix epoch (exclusive). */
  notAfter?: number;
  /**
   * Daily window in UTC hours, `from` inclusive and `to` exclusive, each 0 to 24.
   * `{ from: 22, to: 6 }` wraps past midnight.
   */
  hoursUtc?: { readonly from: number; readonly to: number };
}

/**
 * One rule of the access policy. Patterns are globs: `*` matches any run of
 * characters within one `/`-separated segment, `**` matches across `/`, and
 * every other character matches itself.
 */
export interface PolicyRule {
  /** Unique within the policy; named in denials and audit events. */
  id: string;
  effect: "allow" | "deny";
  /** Glob over principal names, e.g. `service/*` or `alice`. */
  principal: string;
  /** Glob over key names, e.g. `payments/**`. */
  keys: string;
  /** The operations the rule covers, or `["*"]` for all of them. */
  operations: readonly (Operation | "*")[];
  conditions?: RuleConditions;
}

/** The policy as the store keeps it in the document named "policy". */
export interface PolicyDocument {
  format: "keystate-policy";
  /** Increases by one on every change, starting at 1 when the store is created. */
  version: number;
  rules: PolicyRule[];
  /** Milliseconds since the Unix epoch. */
  updatedAt: number;
  updatedBy: string;
}
