import { KeyStateError } from "../errors.js";
import type { KeyAlgorithm } from "../keys/types.js";
import { parseDuration } from "./duration.js";

/**
 * When a key gets a new version. Any limit reached triggers a rotation; a
 * policy with no limit never rotates on its own (AES-256-GCM keys still get
 * the operation limit below).
 */
export interface RotationPolicy {
  /** Maximum age of the primary version: milliseconds or a duration string such as "90d". */
  every?: number | string;
  /** Maximum operations (encryptions, signatures, MACs, wraps) of the primary version. */
  maxOperations?: number;
  /** Maximum plaintext or message bytes the primary version processes. */
  maxBytes?: number;
  /**
   * Time between adding a new version as active and promoting it to primary,
   * so that every process has read the new version before ciphertext under
   * it appears. Milliseconds or a duration string; default 0, which adds the
   * new version as primary at once. Set it to at least the longest time any
   * process caches key metadata.
   */
  propagationDelay?: number | string;
}

/** A RotationPolicy with durations in milliseconds and defaults applied. */
export interface ResolvedRotationPolicy {
  everyMs?: number;
  maxOperations?: number;
  maxBytes?: number;
  propagationDelayMs: number;
}

/**
 * Default and maximum operations per AES-256-GCM version. NIST SP 800-38D
 * limits a key with random 96-bit nonces to 2^32 encryptions. The chance of
 * a repeated nonce after q messages is about q^2 / 2^97, so 2^30 messages
 * keep it near 2^-37. Usage counters are written in batches and may lag
 * across processes, so the default stays four times below the limit, and
 * no policy may go above 2^31.
 */
export const AES_GCM_DEFAULT_MAX_OPERATIONS = 2 ** 30;
export const AES_GCM_MAX_OPERATIONS_LIMIT = 2 ** 31;

function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new KeyStateError("INVALID_ARGUMENT", `rotation ${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a policy and applies the defaults for `algorithm`. Throws
 * INVALID_ARGUMENT naming the bad field.
 */
export function resolveRotationPolicy(policy: RotationPolicy | undefined, algorithm: KeyAlgorithm): ResolvedRotationPolicy {
  const input = policy ?? {};

  if (typeof input !== "object" || input === null) {
    throw new KeyStateError("INVALID_ARGUMENT", "rotation policy must be an object such as { every: \"90d\" }");
  }

  for (const name of Object.keys(input)) {
    if (!["every", "maxOperations", "maxBytes", "propagationDelay"].includes(name)) {
      throw new KeyStateError("INVALID_ARGUMENT", `rotation ${name} is not a rotation setting; use every, maxOperations, maxBytes or propagationDelay`);
    }
  }

  const resolved: ResolvedRotationPolicy = {
    propagationDelayMs: input.propagationDelay === undefined ? 0 : parseDuration(input.propagationDelay, "rotation propagationDelay", true),
  };

  if (input.every !== undefined) resolved.everyMs = parseDuration(input.every, "rotation every");
  if (input.maxOperations !== undefined) resolved.maxOperations = checkCount(input.maxOperations, "maxOperations");
  if (input.maxBytes !== undefined) resolved.maxBytes = checkCount(input.maxBytes, "maxBytes");

  if (algorithm === "AES-256-GCM") {
    if ((resolved.maxOperations ?? 0) > AES_GCM_MAX_OPERATIONS_LIMIT) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `rotation maxOperations ${resolved.maxOperations} is above 2^31, too close to the 2^32 limit of AES-256-GCM with random nonces; choose a lower value`,
      );
    }
    resolved.maxOperations ??= AES_GCM_DEFAULT_MAX_OPERATIONS;
  }

  return resolved;
}
