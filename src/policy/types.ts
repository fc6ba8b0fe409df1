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
