import { KeyStateError } from "../errors.js";
import type { AuditEventInput } from "./types.js";

/** The kind of event a detector counts. */
export type DetectorKind = "decrypt-failures" | "denials" | "revoked-use";

/**
 * A burst detector: raises an alert when `threshold` matching events arrive
 * within `windowMs` milliseconds (a sliding window), counted over all events
 * or separately per principal or per key.
 */
export interface DetectorOptions {
  kind: DetectorKind;
  /** Events within the window that raise an alert; at least 1. */
  threshold: number;
  /** Length of the sliding window in milliseconds. */
  windowMs: number;
  /** Grouping of events before counting; default "any" (one count over all events). */
  by?: "any" | "principal" | "key";
  /** Name in alerts and audit events; defaults to the kind. */
  name?: string;
}

/** An alert raised by a detector. */
export interface AuditAlert {
  detector: string;
  kind: DetectorKind;
  /** Matching events within the window when the alert was raised. */
  count: number;
  windowMs: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
  /** The group the count covers, when the detector groups by principal or key. */
  principal?: string;
  key?: string;
}

// Operations that decrypt or verify authenticated data and can fail on a
// wrong key or changed ciphertext. "open" is envelope decryption.
const DECRYPTING_OPERATIONS = new Set(["decrypt", "open", "unwrap", "rewrap"]);

// The client reports a use of a revoked (disabled) or destroyed version
// with one of these codes.
const REVOKED_CODES = new Set(["KEY_DISABLED", "KEY_DESTROYED"]);

function matches(kind: DetectorKind, event: AuditEventInput): boolean {
  switch (kind) {
    case "decrypt-failures":
      return event.outcome === "failure" && DECRYPTING_OPERATIONS.has(event.operation);
    case "denials":
      return event.outcome === "denied";
    case "revoked-use":
      return event.errorCode !== undefined && REVOKED_CODES.has(event.errorCode);
  }
}

/** Counts matching events per group over a sliding window. */
export class BurstDetector {
  readonly options: Required<DetectorOptions>;
  readonly #times = new Map<string, number[]>();

  constructor(options: DetectorOptions) {
    if (!["decrypt-failures", "denials", "revoked-use"].includes(options.kind)) {
      throw new KeyStateError("INVALID_ARGUMENT", `detector kind ${JSON.stringify(options.kind)} is unknown; use decrypt-failures, denials or revoked-use`);
    }

    if (!Number.isSafeInteger(options.threshold) || options.threshold < 1) {
      throw new KeyStateError("INVALID_ARGUMENT", `detector threshold must be an integer of at least 1, got ${options.threshold}`);
    }

    if (!(options.windowMs > 0)) {
      throw new KeyStateError("INVALID_ARGUMENT", `detector windowMs must be a positive number of milliseconds, got ${options.windowMs}`);
    }

    this.options = { by: "any", name: options.kind, ...options };
  }

  /** Counts `event` when it matches and returns an alert when the threshold is reached; the group then starts counting afresh. */
  observe(event: AuditEventInput, now: number): AuditAlert | undefined {
    if (!matches(this.options.kind, event)) return undefined;

    const { by, threshold, windowMs } = this.options;
    let group = "";
    if (by === "principal") group = event.principal;
    if (by === "key") group = event.keyName ?? "";

    const times = (this.#times.get(group) ?? []).filter((time) => time > now - windowMs);
    times.push(now);

    if (times.length < threshold) {
      this.#times.set(group, times);
      return undefined;
    }

    this.#times.delete(group);

    const alert: AuditAlert = { detector: this.options.name, kind: this.options.kind, count: times.length, windowMs, time: now };
    if (by === "principal") alert.principal = event.principal;
    if (by === "key" && event.keyName !== undefined) alert.key = event.keyName;
    return alert;
  }
}
