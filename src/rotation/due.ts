import type { KeyInfo, KeyVersionInfo } from "../keys/types.js";
import type { ResolvedRotationPolicy } from "./policy.js";

/** The step a key needs now under its rotation policy. */
export type RotationAction =
  | { kind: "none" }
  | { kind: "rotate"; reason: "age" | "operations" | "bytes" }
  | { kind: "promote"; version: number }
  /** A new version waits for its propagation delay to pass. */
  | { kind: "pending"; version: number; promoteAt: number };

/**
 * The version a two-phase rotation added and has not promoted yet: the
 * newest version, still active as created, newer than the primary, and
 * added after the primary last changed. A version an operator demoted on
 * purpose (by promoting an older one) fails the last test and stays active.
 */
export function pendingVersion(info: KeyInfo): KeyVersionInfo | undefined {
  const primary = info.versions.find((version) => version.status === "primary");
  const newest = info.versions.reduce<KeyVersionInfo | undefined>((best, version) => (best === undefined || version.version > best.version ? version : best), undefined);

  if (primary === undefined || newest === undefined || newest === primary) return undefined;
  if (newest.status !== "active" || newest.updatedAt !== newest.createdAt) return undefined;
  if (primary.updatedAt > newest.createdAt) return undefined;

  return newest;
}

/**
 * Decides what `info` needs at time `now` (milliseconds since the Unix
 * epoch). A pending version is promoted once `propagationDelayMs` plus
 * `clockToleranceMs` have passed since it was added, so a process whose
 * clock runs ahead by up to the tolerance still promotes no earlier than the
 * delay. While a version is pending, no further rotation starts.
 */
export function rotationDue(info: KeyInfo, policy: ResolvedRotationPolicy, now: number, clockToleranceMs = 0): RotationAction {
  const primary = info.versions.find((version) => version.status === "primary");
  if (primary === undefined) return { kind: "none" };

  const pending = pendingVersion(info);
  if (pending !== undefined) {
    const promoteAt = pending.createdAt + policy.propagationDelayMs + clockToleranceMs;
    return now >= promoteAt ? { kind: "promote", version: pending.version } : { kind: "pending", version: pending.version, promoteAt };
  }

  if (policy.everyMs !== undefined && now - primary.createdAt >= policy.everyMs) return { kind: "rotate", reason: "age" };
  if (policy.maxOperations !== undefined && primary.usage.operations >= policy.maxOperations) return { kind: "rotate", reason: "operations" };
  if (policy.maxBytes !== undefined && primary.usage.bytes >= policy.maxBytes) return { kind: "rotate", reason: "bytes" };

  return { kind: "none" };
}
