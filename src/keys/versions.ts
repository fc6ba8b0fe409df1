import { KeyStateError } from "../errors.js";
import type { KeyAlgorithm, KeyInfo, KeyPurpose, KeyVersionInfo, KeyVersionStatus } from "./types.js";

// Pure transitions of a key's version list. Each returns a new KeyInfo and
// leaves its input unchanged, so the client can retry a compare-and-swap
// write from a fresh read. The rules, in one place:
//
//   - Exactly one version is primary; it encrypts, signs, MACs and wraps.
//   - rotate adds a version as primary; the old primary becomes active.
//   - promote makes an active version primary; the old primary becomes active.
//   - revoke makes a primary or active version disabled; enable makes a
//     disabled version active again.
//   - destroy (explicitly confirmed by the caller) removes the material;
//     a destroyed version never comes back.
//   - The primary cannot be revoked or destroyed on its own: the caller
//     names an active version to promote in the same step, or rotates first.

/** Returns true for the statuses whose material decrypts, verifies and unwraps. */
export function isUsable(status: KeyVersionStatus): boolean {
  return status === "primary" || status === "active";
}

/** Orders versions for trying them one by one: the primary first, then the newest. */
export function primaryThenNewest(a: KeyVersionInfo, b: KeyVersionInfo): number {
  if (a.status === "primary") return -1;
  if (b.status === "primary") return 1;
  return b.version - a.version;
}

/** Returns a random u32 that no version of `versions` has as its id. */
export function newVersionId(versions: readonly KeyVersionInfo[]): number {
  const word = new Uint32Array(1);

  for (;;) {
    crypto.getRandomValues(word);
    const id = word[0]!;
    if (!versions.some((version) => version.id === id)) return id;
  }
}

/** Builds the metadata of a new key with one primary version. */
export function createKeyInfo(name: string, purpose: KeyPurpose, algorithm: KeyAlgorithm, now: number): KeyInfo {
  return {
    name,
    purpose,
    algorithm,
    createdAt: now,
    versions: [newVersion(1, newVersionId([]), "primary", now)],
  };
}

/** Returns the primary version. Throws STORE_CORRUPT when the metadata has none, which no transition here produces. */
export function primaryVersion(info: KeyInfo): KeyVersionInfo {
  const primary = info.versions.find((version) => version.status === "primary");
  if (primary === undefined) {
    throw new KeyStateError("STORE_CORRUPT", `key "${info.name}" has no primary version; the store entry is damaged`);
  }
  return primary;
}

/** Returns the version with number `version`. Throws KEY_NOT_FOUND. */
export function versionByNumber(info: KeyInfo, version: number): KeyVersionInfo {
  const found = info.versions.find((entry) => entry.version === version);
  if (found === undefined) {
    throw new KeyStateError(
      "KEY_NOT_FOUND",
      `key "${info.name}" has no version ${version}; its versions are ${info.versions.map((entry) => entry.version).join(", ")}`,
    );
  }
  return found;
}

/** Adds a new primary version; the old primary becomes active. Returns the new metadata and the new version. */
export function rotateVersions(info: KeyInfo, now: number): { info: KeyInfo; version: KeyVersionInfo } {
  const next = Math.max(...info.versions.map((entry) => entry.version)) + 1;
  const added = newVersion(next, newVersionId(info.versions), "primary", now);
  const versions = info.versions.map((entry) => (entry.status === "primary" ? withStatus(entry, "active", now) : entry));

  return { info: { ...info, versions: [...versions, added] }, version: added };
}

/** Makes active version `version` primary; the old primary becomes active. Throws KEY_NOT_FOUND, INVALID_ARGUMENT. */
export function promoteVersion(info: KeyInfo, version: number, now: number): KeyInfo {
  const target = versionByNumber(info, version);
  if (target.status === "primary") return info;

  if (target.status !== "active") {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `version ${version} of key "${info.name}" is ${target.status}; only an active version can become primary`,
    );
  }

  return mapVersions(info, (entry) => {
    if (entry.version === version) return withStatus(entry, "primary", now);
    if (entry.status === "primary") return withStatus(entry, "active", now);
    return entry;
  });
}

/**
 * Disables version `version`; it stops decrypting and verifying until
 * enabled. A primary version needs `promote`, the number of an active version
 * to make primary first. Revoking a disabled version changes nothing.
 * Throws KEY_NOT_FOUND, KEY_DESTROYED, INVALID_ARGUMENT.
 */
export function revokeVersion(info: KeyInfo, version: number, promote: number | undefined, now: number): KeyInfo {
  const target = versionByNumber(info, version);
  if (target.status === "disabled") return info;
  if (target.status === "destroyed") {
    throw new KeyStateError("KEY_DESTROYED", `version ${version} of key "${info.name}" is destroyed and cannot be revoked`);
  }

  const promoted = replacePrimary(info, target, promote, "revoke", now);
  return mapVersions(promoted, (entry) => (entry.version === version ? withStatus(entry, "disabled", now) : entry));
}

/** Makes disabled version `version` active again. Throws KEY_NOT_FOUND, INVALID_ARGUMENT. */
export function enableVersion(info: KeyInfo, version: number, now: number): KeyInfo {
  const target = versionByNumber(info, version);
  if (target.status !== "disabled") {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `version ${version} of key "${info.name}" is ${target.status}; only a disabled version can be enabled`,
    );
  }

  return mapVersions(info, (entry) => (entry.version === version ? withStatus(entry, "active", now) : entry));
}

/**
 * Marks version `version` destroyed; the caller removes its material in the
 * same write. A primary version needs `promote` as for revokeVersion.
 * Destroying a destroyed version changes nothing. Throws KEY_NOT_FOUND, INVALID_ARGUMENT.
 */
export function destroyVersion(info: KeyInfo, version: number, promote: number | undefined, now: number): KeyInfo {
  const target = versionByNumber(info, version);
  if (target.status === "destroyed") return info;

  const promoted = replacePrimary(info, target, promote, "destroy", now);
  return mapVersions(promoted, (entry) => (entry.version === version ? withStatus(entry, "destroyed", now) : entry));
}

/** Adds usage to versions by number. Counts for versions that no longer exist are dropped. */
export function addUsage(info: KeyInfo, usage: ReadonlyMap<number, { operations: number; bytes: number }>, now: number): KeyInfo {
  return mapVersions(info, (entry) => {
    const delta = usage.get(entry.version);
    if (delta === undefined) return entry;
    return {
      ...entry,
      updatedAt: Math.max(entry.updatedAt, now),
      usage: { operations: entry.usage.operations + delta.operations, bytes: entry.usage.bytes + delta.bytes },
    };
  });
}

function replacePrimary(
  info: KeyInfo,
  target: KeyVersionInfo,
  promote: number | undefined,
  operation: "revoke" | "destroy",
  now: number,
): KeyInfo {
  if (target.status !== "primary") return info;

  if (promote === undefined) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `version ${target.version} is the primary version of key "${info.name}"; ` +
        `rotate first, or pass { promote: <an active version> } to ${operation} it`,
    );
  }

  if (promote === target.version) {
    throw new KeyStateError("INVALID_ARGUMENT", `promote must name a version other than the one to ${operation}`);
  }

  return promoteVersion(info, promote, now);
}

function newVersion(version: number, id: number, status: KeyVersionStatus, now: number): KeyVersionInfo {
  return { version, id, status, createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } };
}

function withStatus(entry: KeyVersionInfo, status: KeyVersionStatus, now: number): KeyVersionInfo {
  return { ...entry, status, updatedAt: now };
}

function mapVersions(info: KeyInfo, map: (entry: KeyVersionInfo) => KeyVersionInfo): KeyInfo {
  return { ...info, versions: info.versions.map(map) };
}
