import { KeyStateError, isKeyStateError, type KeyStateErrorCode } from "../errors.js";
import type { AuditEventInput, AuditRecorder } from "../audit/types.js";
import type { KeyStore } from "../backends/key-store.js";
import type { EncryptionContext } from "../format/context.js";
import type { KeyPurpose } from "../keys/types.js";
import type { Authorizer, Operation } from "../policy/types.js";
import type { CachedKey, KeyCache } from "./key-cache.js";
import type { RemoteWrapping } from "./remote-wrap.js";
import type { UsageCounter } from "./usage-counter.js";

/**
 * The part of a worker pool (keystate/pool) the client uses: the core's
 * XChaCha20-Poly1305, asynchronous. The client sends it direct encryptions
 * and envelope payloads; a pool decides by size whether a call leaves the thread.
 */
export interface ClientPool {
  readonly xchacha20poly1305: {
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  };
}

/** State that every operation of one client shares. */
export interface Runtime {
  readonly principal: string;
  readonly store: KeyStore;
  readonly authorizer: Authorizer;
  readonly audit: AuditRecorder;
  readonly clock: () => number;
  readonly pool: ClientPool | undefined;
  readonly cache: KeyCache;
  readonly usage: UsageCounter;
  /** Master keys held by a remote service (a KMS proxy) for seal and open. */
  readonly kms?: RemoteWrapping;
  closed: boolean;
}

/** Facts an operation gathers for its audit event while it runs. */
export interface AuditNote {
  keyName?: string;
  keyVersion?: number;
  bytes?: number;
  context?: EncryptionContext;
  /** Set by verify and verifyMac when the result is false: the event is then a failure with this code. */
  failedWith?: KeyStateErrorCode;
}

// Codes a decryption passes on unchanged: they describe the caller, the store
// or the runtime, never the ciphertext. Every other failure becomes
// DECRYPT_FAILED, so the caller's error is no oracle.
const DECRYPT_PASS_THROUGH = new Set<KeyStateErrorCode>([
  "POLICY_DENIED",
  "AUDIT_FAILED",
  "NOT_READY",
  "STORE_CORRUPT",
  "STORE_LOCKED",
  "CONFLICT",
  "WORKER_TERMINATED",
  "ABORTED",
  // A remote KMS that is down, rate-limits or rejects the credentials reveals nothing about the ciphertext.
  "KMS_UNAVAILABLE",
  "RATE_LIMITED",
  "UNAUTHENTICATED",
]);

// Request ids are a random per-realm prefix and a counter: unique without a
// getRandomValues call per operation. The prefix is drawn on first use,
// because Cloudflare Workers reject random values at module load.
let requestPrefix: string | undefined;
let requestCounter = 0;

/** Returns a fresh id for one call's audit events. */
export function newRequestId(): string {
  requestPrefix ??= Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  requestCounter += 1;
  return `${requestPrefix}-${requestCounter.toString(36)}`;
}

/** Throws NOT_READY after close(). */
export function assertOpen(runtime: Runtime): void {
  if (runtime.closed) throw new KeyStateError("NOT_READY", "this KeyState client is closed; open a new one with KeyState.open");
}

/**
 * Runs `body` and records one audit event with its outcome: success,
 * failure (with the error code) or denied. With `hideFailure` (decryption)
 * the caller sees DECRYPT_FAILED for every failure that concerns the input,
 * while the audit event keeps the real code.
 */
export async function audited<T>(
  runtime: Runtime,
  operation: string,
  note: AuditNote,
  body: (note: AuditNote) => Promise<T>,
  hideFailure = false,
): Promise<T> {
  const requestId = newRequestId();
  let result: T;

  try {
    assertOpen(runtime);
    result = await body(note);
  } catch (error) {
    throw await recordFailure(runtime, operation, note, requestId, error, hideFailure);
  }

  await recordSuccess(runtime, operation, note, requestId);
  return result;
}

/** Records the event of a completed operation: success, or failure when `note.failedWith` is set. */
export function recordSuccess(runtime: Runtime, operation: string, note: AuditNote, requestId: string): Promise<void> {
  const outcome = note.failedWith === undefined ? "success" : "failure";
  return runtime.audit.record(event(runtime, operation, note, requestId, outcome, note.failedWith));
}

/**
 * Records the event of a failed or denied operation and returns the error
 * for the caller: `error` itself, or DECRYPT_FAILED with `hideFailure`. An
 * audit sink that also fails does not replace the operation's own error.
 */
export async function recordFailure(
  runtime: Runtime,
  operation: string,
  note: AuditNote,
  requestId: string,
  error: unknown,
  hideFailure: boolean,
): Promise<unknown> {
  const code = isKeyStateError(error) ? error.code : "INTERNAL";
  try {
    await runtime.audit.record(event(runtime, operation, note, requestId, code === "POLICY_DENIED" ? "denied" : "failure", code));
  } catch {
    // Deliberately empty: see above.
  }
  return hideFailure && !DECRYPT_PASS_THROUGH.has(code) ? decryptFailed() : error;
}

/** Runs `body` like audited(), for ks.sync, and records through recordSync. */
export function auditedSync<T>(
  runtime: Runtime,
  operation: string,
  note: AuditNote,
  body: (note: AuditNote) => T,
  hideFailure = false,
): T {
  const requestId = newRequestId();
  let result: T;

  try {
    assertOpen(runtime);
    result = body(note);
  } catch (error) {
    const code = isKeyStateError(error) ? error.code : "INTERNAL";
    try {
      runtime.audit.recordSync(event(runtime, operation, note, requestId, code === "POLICY_DENIED" ? "denied" : "failure", code));
    } catch {
      // The operation's own error is the one to report.
    }
    if (hideFailure && !DECRYPT_PASS_THROUGH.has(code)) throw decryptFailed();
    throw error;
  }

  const outcome = note.failedWith === undefined ? "success" : "failure";
  runtime.audit.recordSync(event(runtime, operation, note, requestId, outcome, note.failedWith));
  return result;
}

/** Asks the authorizer; throws POLICY_DENIED naming the principal, the operation and the key. */
export async function authorize(runtime: Runtime, operation: Operation, keyName: string, context?: EncryptionContext): Promise<void> {
  const request = { principal: runtime.principal, operation, keyName, now: runtime.clock(), ...(context && { context }) };
  const decision = await runtime.authorizer.authorize(request);
  if (!decision.allowed) throw denied(runtime.principal, operation, keyName, decision.ruleId);
}

/** Checks the policy like authorize(), through authorizeSync. */
export function authorizeSync(runtime: Runtime, operation: Operation, keyName: string, context?: EncryptionContext): void {
  const request = { principal: runtime.principal, operation, keyName, now: runtime.clock(), ...(context && { context }) };
  const decision = runtime.authorizer.authorizeSync(request);
  if (!decision.allowed) throw denied(runtime.principal, operation, keyName, decision.ruleId);
}

/** Returns key `name` with one of `purposes`. Throws KEY_NOT_FOUND, WRONG_PURPOSE. */
export async function keyFor(runtime: Runtime, name: string, purposes: readonly KeyPurpose[]): Promise<CachedKey> {
  const key = runtime.cache.peekFresh(name) ?? (await runtime.cache.get(name));
  if (key === undefined) throw keyNotFound(name);
  assertPurpose(key, purposes);
  return key;
}

/** Like keyFor, but reads the store whatever the cache's age. */
export async function freshKeyFor(runtime: Runtime, name: string, purposes: readonly KeyPurpose[]): Promise<CachedKey> {
  const key = await runtime.cache.get(name, { fresh: true });
  if (key === undefined) throw keyNotFound(name);
  assertPurpose(key, purposes);
  return key;
}

/** Returns loaded key `name` for the synchronous forms. Throws NOT_READY, WRONG_PURPOSE. */
export function loadedKeyFor(runtime: Runtime, name: string, purposes: readonly KeyPurpose[]): CachedKey {
  const key = runtime.cache.peek(name);
  if (key === undefined) {
    throw new KeyStateError("NOT_READY", `key "${name}" is not loaded; await ks.load("${name}") before the synchronous forms use it`);
  }
  assertPurpose(key, purposes);
  return key;
}

export function keyNotFound(name: string): KeyStateError {
  return new KeyStateError("KEY_NOT_FOUND", `key "${name}" does not exist; create it with createKey or check the name`);
}

export function decryptFailed(): KeyStateError {
  return new KeyStateError("DECRYPT_FAILED", "decryption failed");
}

function assertPurpose(key: CachedKey, purposes: readonly KeyPurpose[]): void {
  if (purposes.includes(key.info.purpose)) return;
  throw new KeyStateError(
    "WRONG_PURPOSE",
    `key "${key.info.name}" has purpose "${key.info.purpose}"; this operation needs a key with purpose "${purposes.join('" or "')}"`,
  );
}

function denied(principal: string, operation: Operation, keyName: string, ruleId: string | undefined): KeyStateError {
  const reason = ruleId === undefined ? "no policy rule allows it" : `policy rule "${ruleId}" denies it`;
  return new KeyStateError(
    "POLICY_DENIED",
    `principal "${principal}" may not ${operation} with key "${keyName}": ${reason}`,
  );
}

function event(
  runtime: Runtime,
  operation: string,
  note: AuditNote,
  requestId: string,
  outcome: AuditEventInput["outcome"],
  errorCode: KeyStateErrorCode | undefined,
): AuditEventInput {
  const result: AuditEventInput = { operation, principal: runtime.principal, outcome, requestId };
  if (note.keyName !== undefined) result.keyName = note.keyName;
  if (note.keyVersion !== undefined) result.keyVersion = note.keyVersion;
  if (note.bytes !== undefined) result.bytes = note.bytes;
  if (note.context !== undefined) result.context = note.context;
  if (errorCode !== undefined) result.errorCode = errorCode;
  return result;
}
