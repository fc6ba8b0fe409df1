import { KeyStateError } from "../errors.js";
import type { StoredKey, StoredMaterial } from "../backends/key-store.js";
import { engineFor } from "../crypto/engines.js";
import { decodeBase64Url, encodeBase64Url } from "../format/base64url.js";
import { isKeyName } from "../keys/names.js";
import type { KeyInfo, KeyVersionInfo } from "../keys/types.js";

/** The `format` member of every keyset document. */
export const KEYSET_FORMAT = "keystate.keyset";

/** The keyset document version this release writes and reads. */
export const KEYSET_VERSION = 1;

/** One key of a keyset: its metadata and the raw material of each version, base64url. */
interface KeysetEntry {
  info: KeyInfo;
  material: Record<string, string>;
}

/** The plaintext inside a sealed keyset (see docs/keyset.md). */
interface KeysetDocument {
  format: typeof KEYSET_FORMAT;
  version: typeof KEYSET_VERSION;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  keys: KeysetEntry[];
}

/**
 * Encodes keys as a keyset document, JSON in UTF-8. Only primary and active
 * versions go in, because the edge copy is read-only and disabled versions
 * could never be enabled there. Throws UNSUPPORTED_FORMAT for material held
 * as a non-extractable CryptoKey.
 */
export function encodeKeyset(keys: readonly StoredKey[], createdAt: number): Uint8Array {
  const entries = keys.map((key): KeysetEntry => {
    const versions = key.info.versions.filter((version) => version.status === "primary" || version.status === "active");
    const material: Record<string, string> = {};

    for (const version of versions) {
      const stored = key.material.get(version.version);
      if (stored?.type !== "raw") {
        throw new KeyStateError(
          "UNSUPPORTED_FORMAT",
          `version ${version.version} of key "${key.info.name}" rests as a non-extractable CryptoKey (or has no material), ` +
            "so it cannot go into a keyset; export keys from a file store instead",
        );
      }
      material[String(version.version)] = encodeBase64Url(stored.bytes);
    }

    return { info: { ...key.info, versions }, material };
  });

  const document: KeysetDocument = { format: KEYSET_FORMAT, version: KEYSET_VERSION, createdAt, keys: entries };
  return new TextEncoder().encode(JSON.stringify(document));
}

/**
 * Decodes an authenticated keyset document into stored keys. Throws
 * UNSUPPORTED_FORMAT for another format or version, STORE_CORRUPT for a
 * document that does not have the documented shape.
 */
export function decodeKeyset(bytes: Uint8Array): StoredKey[] {
  let document: Partial<KeysetDocument>;
  try {
    document = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Partial<KeysetDocument>;
  } catch (error) {
    throw corrupt("it is not UTF-8 JSON", error);
  }

  if (document?.format !== KEYSET_FORMAT || document.version !== KEYSET_VERSION) {
    throw new KeyStateError(
      "UNSUPPORTED_FORMAT",
      `the keyset is not a "${KEYSET_FORMAT}" document of version ${KEYSET_VERSION}; export it again with this release's keystate CLI`,
    );
  }
  if (!Array.isArray(document.keys)) throw corrupt('"keys" is not an array');

  const names = new Set<string>();
  return document.keys.map((entry) => {
    const key = storedKeyOf(entry);
    if (names.has(key.info.name)) throw corrupt(`key "${key.info.name}" appears twice`);
    names.add(key.info.name);
    return key;
  });
}

function storedKeyOf(entry: unknown): StoredKey {
  const { info, material } = (entry ?? {}) as Partial<KeysetEntry>;
  if (info === undefined || !isKeyName(info.name)) throw corrupt("a key has no valid name");

  const engine = engineFor(info.algorithm);
  if (!engine.purposes.includes(info.purpose)) throw corrupt(`key "${info.name}" has an algorithm that does not fit its purpose`);
  if (!Array.isArray(info.versions) || !info.versions.every(isVersionInfo)) throw corrupt(`key "${info.name}" has invalid versions`);
  if (info.versions.filter((version) => version.status === "primary").length !== 1) {
    throw corrupt(`key "${info.name}" does not have exactly one primary version`);
  }
  if (material === null || typeof material !== "object") throw corrupt(`key "${info.name}" has no material`);

  const stored = new Map<number, StoredMaterial>();
  for (const version of info.versions) {
    const encoded = material[String(version.version)];
    if (typeof encoded !== "string") throw corrupt(`version ${version.version} of key "${info.name}" has no material`);
    stored.set(version.version, { type: "raw", bytes: decodeBase64Url(encoded, "keyset material") });
  }

  return { info, material: stored };
}

function isVersionInfo(value: unknown): value is KeyVersionInfo {
  const version = value as Partial<KeyVersionInfo> | null;
  return (
    version !== null &&
    typeof version === "object" &&
    Number.isSafeInteger(version.version) &&
    Number.isSafeInteger(version.id) &&
    (version.status === "primary" || version.status === "active") &&
    typeof version.usage === "object"
  );
}

function corrupt(reason: string, cause?: unknown): KeyStateError {
  return new KeyStateError("STORE_CORRUPT", `the keyset document is damaged: ${reason}`, cause === undefined ? undefined : { cause });
}
