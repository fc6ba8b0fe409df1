import type { KeyStateErrorCode } from "../errors.js";

export type AuditOutcome = "success" | "failure" | "denied";

/**
 * The client's report of one operation. It never carries key
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
  /**
   * Short non-secret facts about the event (a policy version, a rule id, a
   * detector name). Values are strings or integers; never material or plaintext.
   */
  detail?: Readonly<Record<string, string | number>>;
}

/**
 * The destination of the client's events. `record` resolves once the event is
 * durable in its sink, or rejects with AUDIT_FAILED in fail-closed mode.
 * `recordSync` serves the synchronous operations: it appends to the chain at
 * once and writes to the sink in the background.
 */
export interface AuditRecorder {
  record(event: AuditEventInput): Promise<void>;
  recordSync(event: AuditEventInput): void;
}

/**
 * One entry of the log as sinks receive and return it. `hash` is the
 * SHA-256 (lowercase hex) of the canonical encoding of every other field
 * except `signature`, and that encoding includes `prev`, the hash of the
 * entry before, so each entry commits to the whole log up to itself.
 */
export interface AuditEntry {
  /** Position in the log, from 0, without gaps. */
  seq: number;
  /** Milliseconds since the Unix epoch; for an aggregate, the last event's time. */
  time: number;
  principal: string;
  operation: string;
  outcome: AuditOutcome;
  requestId: string;
  key?: string;
  version?: number;
  errorCode?: string;
  /** HMAC-SHA256 (hex) of the canonical context under the store's audit salt. */
  contextHmac?: string;
  bytes?: number;
  /** For an aggregate of repeated successful uses: how many events it counts (2 or more). */
  count?: number;
  /** For an aggregate: the first event's time. */
  firstTime?: number;
  detail?: Record<string, string | number>;
  /** Hash of the previous entry, or 64 zeros for the first entry. */
  prev: string;
  hash: string;
  /** On "checkpoint" entries: Ed25519 signature (hex) over the checkpoint message of `hash`. */
  signature?: string;
}

/**
 * A destination for audit entries. `write` receives batches in log order and
 * must not resolve before the batch is as durable as the sink can make it.
 */
export interface AuditSink {
  /**
   * Stable name of a persistent log (a file path, a stream name). The store's
   * audit document records the latest checkpoint per id, so a cut-off tail is
   * detected by later processes too. Absent for logs that do not outlive the
   * process, such as the default memory sink.
   */
  readonly id?: string;
  write(entries: readonly AuditEntry[]): Promise<void>;
  /**
   * Appends one batch under exclusive access, for sinks that several writers
   * (processes, browser tabs, logs in one process) share. The sink takes its
   * lock, reads its last entry, calls `chain` with it (undefined when empty),
   * writes the entries `chain` returns and releases the lock. `chain` is
   * synchronous: it sets `seq`, `prev`, `hash` and a checkpoint's `signature`
   * so that the batch continues after that last entry. Resolves and rejects
   * like write(). With it, all writers form one chain. Optional.
   */
  append?(chain: (last: AuditEntry | undefined) => readonly AuditEntry[]): Promise<void>;
  /** Every entry written so far, for verify, tail and continuing the chain. Optional. */
  read?(): Promise<AuditEntry[]>;
  close?(): Promise<void>;
}

/** Outcome of verifying a log. `index` is the position of the first broken entry. */
export type AuditVerifyResult =
  | { ok: true; count: number }
  | { ok: false; index: number; reason: string };
