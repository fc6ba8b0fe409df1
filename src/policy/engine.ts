import type { AuditRecorder } from "../audit/types.js";
import type { KeyStore } from "../backends/key-store.js";
import { KeyStateError, isKeyStateError } from "../errors.js";
import { denialError, evaluatePolicy } from "./evaluate.js";
import type { AccessDecision, AccessRequest, Authorizer, PolicyDocument, PolicyRule } from "./types.js";
import { validateRules } from "./validate.js";

/** Name of the store document that contains the policy. */
export const POLICY_DOCUMENT = "policy";

/**
 * Key name that policy changes are checked against: changing the policy
 * needs `admin` on a rule whose key pattern matches `*` (such as `*` or `**`).
 */
export const POLICY_ADMIN_KEY = "*";

const MAX_WRITE_ATTEMPTS = 5;

export interface PolicyEngineOptions {
  store: KeyStore;
  /** The principal opening the store. When the store has no policy yet, it gets every operation on every key. */
  principal: string;
  /** Clock in milliseconds since the Unix epoch; defaults to Date.now. */
  now?: () => number;
  /**
   * How long authorize() trusts its cached policy before it reads the store
   * again, in milliseconds. Default 1000, so a change written by another
   * process applies within a second; 0 reads the store on every call.
   * authorizeSync() never reads the store.
   */
  refreshIntervalMs?: number;
  /** Receives a "policy-change" event for every setPolicy call, allowed or not. */
  audit?: AuditRecorder;
}

export interface SetPolicyOptions {
  /** Who changes the policy; needs `admin` on key `*`. */
  principal: string;
  /** Fail with CONFLICT unless the stored policy still has this version. */
  expectedVersion?: number;
  /** Accept rules under which `principal` could no longer change the policy. */
  allowLockout?: boolean;
  /** Ties the audit event to the caller's request; random when absent. */
  requestId?: string;
}

/** Builds the rules of a new store: its creator may do everything. */
export function initialRules(creator: string): PolicyRule[] {
  return [{ id: "creator", effect: "allow", principal: checkPrincipalName(creator), keys: "**", operations: ["*"] }];
}

// The creator's name becomes a pattern, which must match only that name.
function checkPrincipalName(name: string): string {
  if (!name.includes("*")) return name;
  throw new KeyStateError("INVALID_ARGUMENT", `principal ${JSON.stringify(name)} contains "*", which policy patterns reserve; choose a name without "*"`);
}

function parseDocument(value: unknown): PolicyDocument {
  const document = value as Partial<PolicyDocument> | null;

  if (typeof document !== "object" || document === null || document.format !== "keystate-policy" || !Number.isSafeInteger(document.version)) {
    throw new KeyStateError("STORE_CORRUPT", 'the store document "policy" is not a KeyState policy; restore it from a backup or set the policy again');
  }

  try {
    return { ...(document as PolicyDocument), rules: validateRules(document.rules) };
  } catch (error) {
    throw new KeyStateError("STORE_CORRUPT", `the store document "policy" has an invalid rule: ${(error as Error).message}`, { cause: error });
  }
}

function randomRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The access policy of one store: loads the "policy" document, creates it on
 * first open, caches it for the synchronous checks and writes changes with
 * compare-and-swap.
 */
export class PolicyEngine implements Authorizer {
  readonly #store: KeyStore;
  readonly #now: () => number;
  readonly #refreshIntervalMs: number;
  #audit: AuditRecorder | undefined;

  #document: PolicyDocument;
  #revision: number;
  #loadedAt: number;
  #refreshing: Promise<void> | undefined;

  private constructor(options: PolicyEngineOptions, document: PolicyDocument, revision: number) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 1000;
    this.#audit = options.audit;
    this.#document = document;
    this.#revision = revision;
    this.#loadedAt = this.#now();
  }

  /**
   * Loads the policy of `options.store`, creating it with one rule for
   * `options.principal` when the store has none. Throws STORE_CORRUPT when
   * the stored policy is invalid.
   */
  static async open(options: PolicyEngineOptions): Promise<PolicyEngine> {
    if (typeof options.principal !== "string" || options.principal.length === 0) {
      throw new KeyStateError("INVALID_ARGUMENT", "principal must be a non-empty string naming who opens the store");
    }

    if (options.refreshIntervalMs !== undefined && !(options.refreshIntervalMs >= 0)) {
      throw new KeyStateError("INVALID_ARGUMENT", `refreshIntervalMs must be 0 or more milliseconds, got ${options.refreshIntervalMs}`);
    }

    const now = options.now ?? Date.now;

    for (;;) {
      const stored = await options.store.getDocument(POLICY_DOCUMENT);
      if (stored !== undefined) return new PolicyEngine(options, parseDocument(stored.value), stored.revision);

      const document: PolicyDocument = {
        format: "keystate-policy",
        version: 1,
        rules: initialRules(options.principal),
        updatedAt: now(),
        updatedBy: options.principal,
      };

      try {
        const revision = await options.store.putDocument(POLICY_DOCUMENT, document, null);
        return new PolicyEngine(options, document, revision);
      } catch (error) {
        // Another process created the policy first: read and use theirs.
        if (!isKeyStateError(error, "CONFLICT")) throw error;
      }
    }
  }

  /** The rules as last loaded, as a copy. */
  get rules(): PolicyRule[] {
    return structuredClone(this.#document.rules);
  }

  /** The policy version as last loaded; 1 for a new store. */
  get version(): number {
    return this.#document.version;
  }

  /** Sets where policy changes are audited, for clients that create the audit log after the engine. */
  attachAudit(audit: AuditRecorder): void {
    this.#audit = audit;
  }

  /** Decides on the cached policy; never reads the store. */
  authorizeSync(request: AccessRequest): AccessDecision {
    return evaluatePolicy(this.#document.rules, request);
  }

  /** Decides on the policy, reading the store first when the cache is older than refreshIntervalMs. */
  async authorize(request: AccessRequest): Promise<AccessDecision> {
    if (this.#now() - this.#loadedAt >= this.#refreshIntervalMs) await this.refresh();
    return evaluatePolicy(this.#document.rules, request);
  }

  /** Like authorize, but throws POLICY_DENIED naming the rule that denied the request. */
  async check(request: AccessRequest): Promise<AccessDecision> {
    const decision = await this.authorize(request);
    if (!decision.allowed) throw denialError(request, decision);
    return decision;
  }

  /** Reads the policy from the store now. Concurrent calls share one read. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    const stored = await this.#store.getDocument(POLICY_DOCUMENT);

    if (stored === undefined) {
      throw new KeyStateError("STORE_CORRUPT", 'the store document "policy" disappeared; restore it from a backup');
    }

    if (stored.revision !== this.#revision) {
      this.#document = parseDocument(stored.value);
      this.#revision = stored.revision;
    }

    this.#loadedAt = this.#now();
  }

  /**
   * Replaces the rules. Needs `admin` on key `*` under the stored policy.
   * Throws POLICY_DENIED, INVALID_ARGUMENT naming the bad field, or CONFLICT
   * when `expectedVersion` no longer holds. Without `expectedVersion`, a
   * concurrent change is re-read, the caller re-checked and the write retried.
   */
  async setPolicy(rules: readonly PolicyRule[], options: SetPolicyOptions): Promise<number> {
    const requestId = options.requestId ?? randomRequestId();
    const principal = options.principal;

    try {
      if (typeof principal !== "string" || principal.length === 0) {
        throw new KeyStateError("INVALID_ARGUMENT", "setPolicy needs options.principal, the principal changing the policy");
      }

      const clean = validateRules(rules);
      const version = await this.#write(clean, options);

      await this.#audit?.record({ operation: "policy-change", principal, outcome: "success", requestId, detail: { policyVersion: version } });
      return version;
    } catch (error) {
      if (isKeyStateError(error, "AUDIT_FAILED")) throw error;

      const code = isKeyStateError(error) ? error.code : "INTERNAL";
      await this.#audit?.record({
        operation: "policy-change",
        principal: String(principal),
        outcome: code === "POLICY_DENIED" ? "denied" : "failure",
        errorCode: code,
        requestId,
      });
      throw error;
    }
  }

  async #write(rules: PolicyRule[], options: SetPolicyOptions): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      await this.refresh();

      const request: AccessRequest = { principal: options.principal, operation: "admin", keyName: POLICY_ADMIN_KEY, now: this.#now() };
      const decision = evaluatePolicy(this.#document.rules, request);
      if (!decision.allowed) throw denialError(request, decision);

      if (options.expectedVersion !== undefined && options.expectedVersion !== this.#document.version) {
        throw new KeyStateError("CONFLICT", `the policy is at version ${this.#document.version}, not ${options.expectedVersion}; read it again and reapply the change`);
      }

      if (!options.allowLockout && !evaluatePolicy(rules, request).allowed) {
        throw new KeyStateError(
          "INVALID_ARGUMENT",
          `policy rules would stop ${JSON.stringify(options.principal)} from changing the policy again (admin on key "*"); add such a rule or pass allowLockout`,
        );
      }

      const document: PolicyDocument = {
        format: "keystate-policy",
        version: this.#document.version + 1,
        rules,
        updatedAt: this.#now(),
        updatedBy: options.principal,
      };

      try {
        this.#revision = await this.#store.putDocument(POLICY_DOCUMENT, document, this.#revision);
        this.#document = document;
        this.#loadedAt = this.#now();
        return document.version;
      } catch (error) {
        if (!isKeyStateError(error, "CONFLICT") || attempt >= MAX_WRITE_ATTEMPTS || options.expectedVersion !== undefined) throw error;
      }
    }
  }
}
