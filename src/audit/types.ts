import type { KeyStateErrorCode } from "../errors.js";

export type AuditOutcome = "success" | "failure" | "denied";

/**
 * What the client reports about one operation. It never carries key
 * material or plaintext; the audit log turns `context` into a salted HMAC
 * before anything is written.
 */
export interface AuditEventInput {
  /** A policy operation, or "create", "policy-change", "alert" ... */
  operation: string;
  principal: string;
  keyName?: string;
  keyVersion?: number;
  outcome: AuditOutcome;
  errorCode?: KeyStateErrorCode;
  /** Random id the client gives each call; ties related events together. */
  requestId: string;
  context?: Readonly<Record<string, string>>;
  /** Bytes of plaintext or message processed, for rotation by bytes. */
  bytes?: number;
}

/**
 * Where the client sends its events. `record` resolves once the event is
 * durable in its sink, or rejects with AUDIT_FAILED in fail-closed mode.
 * `recordSync` serves the synchronous operations: it appends to the chain at
 * once and writes to the sink in the background.
 */
export interface AuditRecorder {
  record(event: AuditEventInput): Promise<void>;
  recordSync(event: AuditEventInput): void;
}
