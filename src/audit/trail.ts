import { KeyStateError } from "../errors.js";
import { AuditLog } from "./log.js";
import type { AuditEntry, AuditRecorder, AuditVerifyResult } from "./types.js";

/** The audit log as a client exposes it: recording plus verify, tail and subscribe. */
export interface AuditTrail extends AuditRecorder {
  /** Returns `{ ok: true, count }` or the first broken entry. */
  verify(): Promise<AuditVerifyResult>;
  /** Returns the last `count` entries (default 20). */
  tail(count?: number): Promise<AuditEntry[]>;
  /** Calls `listener` with every new entry; returns the function that unsubscribes. */
  subscribe(listener: (entry: AuditEntry) => void): () => void;
  /** Writes every pending entry. */
  flush(): Promise<void>;
  /** Events dropped in best-effort mode. */
  readonly dropped: number;
}

function unsupported(method: string): KeyStateError {
  return new KeyStateError(
    "INVALID_ARGUMENT",
    `the audit recorder passed to KeyState.open has no ${method}(); leave options.audit out to use the hash-chained AuditLog`,
  );
}

/**
 * Returns `recorder` as an AuditTrail: an AuditLog (or any recorder with the
 * same methods) as it is, and for other recorders a wrapper whose verify,
 * tail and subscribe throw INVALID_ARGUMENT.
 */
export function auditTrailOf(recorder: AuditRecorder): AuditTrail {
  if (recorder instanceof AuditLog) return recorder;

  const partial = recorder as Partial<AuditTrail>;
  if (typeof partial.verify === "function" && typeof partial.tail === "function" && typeof partial.subscribe === "function") {
    return recorder as AuditTrail;
  }

  return {
    record: (event) => recorder.record(event),
    recordSync: (event) => recorder.recordSync(event),
    verify: () => Promise.reject(unsupported("verify")),
    tail: () => Promise.reject(unsupported("tail")),
    subscribe: () => {
      throw unsupported("subscribe");
    },
    flush: () => (typeof partial.flush === "function" ? partial.flush.call(recorder) : Promise.resolve()),
    dropped: 0,
  };
}
