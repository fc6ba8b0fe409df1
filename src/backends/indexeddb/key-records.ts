import { KeyStateError } from "../../errors.js";
import type { StoredKey, StoredMaterial } from "../key-store.js";
import type { Connection } from "./connection.js";
import { probeCryptoKey } from "./probe.js";
import type { KeyRecord, MaterialRecord, WrappingKeyRecord } from "./schema.js";
import { openMaterial, sealMaterial } from "./wrapping.js";

/** A key record with the wrapping keys its sealed material names, read in one transaction. */
export interface KeySnapshot {
  readonly record: KeyRecord;
  readonly wrappingKeys: ReadonlyMap<string, WrappingKeyRecord | undefined>;
}

/** Reads a key record and its wrapping keys in one readonly transaction. Throws STORE_CORRUPT. */
export async function readKeySnapshot(connection: Connection, name: string): Promise<KeySnapshot | undefined> {
  return connection.run(["keys", "wrapping-keys"], "readonly", async (transaction) => {
    const record: unknown = await transaction.objectStore("keys").get(name);
    if (record === undefined) return undefined;
    assertKeyRecord(connection.name, name, record);

    const wrappingKeys = new Map<string, WrappingKeyRecord | undefined>();
    for (const entry of record.material) {
      if (entry.kind !== "wrapped" || wrappingKeys.has(entry.wrappingKeyId)) continue;
      wrappingKeys.set(entry.wrappingKeyId, await transaction.objectStore("wrapping-keys").get(entry.wrappingKeyId));
    }
    return { record, wrappingKeys };
  });
}

/**
 * Seals raw material under the wrapping key and passes CryptoKeys through.
 * Runs before the write transaction, because crypto.subtle calls cannot run
 * inside one.
 */
export async function toMaterialRecords(
  key: StoredKey,
  wrapping: () => Promise<{ id: string; key: CryptoKey }>,
): Promise<MaterialRecord[]> {
  const records: MaterialRecord[] = [];
  let wrappingKey: { id: string; key: CryptoKey } | undefined;

  for (const [version, material] of [...key.material].sort(([left], [right]) => left - right)) {
    if (material.type === "cryptoKey") {
      const record: MaterialRecord = material.publicKey === undefined
        ? { version, kind: "cryptoKey", key: material.key }
        : { version, kind: "cryptoKey", key: material.key, publicKey: material.publicKey };
      records.push(record);
      continue;
    }

    wrappingKey ??= await wrapping();
    const { iv, sealed } = await sealMaterial(wrappingKey.key, key.info.name, version, material.bytes);
    records.push({ version, kind: "wrapped", wrappingKeyId: wrappingKey.id, iv, sealed });
  }
  return records;
}

/**
 * Turns a snapshot into the StoredKey callers receive: CryptoKeys as read,
 * sealed material opened in memory. Runs after the read transaction ended.
 * Throws STORE_CORRUPT when material is missing or does not open.
 */
export async function toStoredKey(database: string, snapshot: KeySnapshot): Promise<StoredKey> {
  const { record } = snapshot;
  const material = new Map<number, StoredMaterial>();

  for (const entry of record.material) {
    if (entry.kind === "cryptoKey") {
      if (!isCryptoKey(entry.key)) throw missingMaterial(database, record.name, entry.version);

      material.set(
        entry.version,
        entry.publicKey === undefined
          ? { type: "cryptoKey", key: entry.key }
          : { type: "cryptoKey", key: entry.key, publicKey: entry.publicKey },
      );
      continue;
    }

    const wrappingKey = snapshot.wrappingKeys.get(entry.wrappingKeyId);
    if (wrappingKey === undefined || !isCryptoKey(wrappingKey.key)) throw missingMaterial(database, record.name, entry.version);

    const bytes = await openMaterial(wrappingKey.key, record.name, entry.version, entry.iv, entry.sealed);
    material.set(entry.version, { type: "raw", bytes });
  }

  return { info: record.info, material };
}

/**
 * Uses every CryptoKey of a snapshot once and opens every sealed entry, then
 * wipes the opened bytes. Returns the version that failed, or undefined when
 * all material works.
 */
export async function findUnusableMaterial(snapshot: KeySnapshot): Promise<number | undefined> {
  const { record } = snapshot;
  const workingWrappingKeys = new Set<string>();

  for (const entry of record.material) {
    if (entry.kind === "cryptoKey") {
      if (!(await probeCryptoKey(entry.key, entry.publicKey))) return entry.version;
      continue;
    }

    const wrappingKey = snapshot.wrappingKeys.get(entry.wrappingKeyId);
    if (wrappingKey === undefined) return entry.version;
    if (!workingWrappingKeys.has(wrappingKey.id)) {
      if (!(await probeCryptoKey(wrappingKey.key))) return entry.version;
      workingWrappingKeys.add(wrappingKey.id);
    }

    try {
      const bytes = await openMaterial(wrappingKey.key, record.name, entry.version, entry.iv, entry.sealed);
      bytes.fill(0);
    } catch {
      return entry.version;
    }
  }
  return undefined;
}

function assertKeyRecord(database: string, name: string, record: unknown): asserts record is KeyRecord {
  const candidate = record as Partial<KeyRecord> | null;
  const wellFormed =
    typeof candidate === "object" &&
    candidate !== null &&
    candidate.name === name &&
    Number.isSafeInteger(candidate.revision) &&
    typeof candidate.info === "object" &&
    candidate.info !== null &&
    Array.isArray(candidate.material);
  if (wellFormed) return;

  throw new KeyStateError(
    "STORE_CORRUPT",
    `The record of key "${name}" in IndexedDB database "${database}" is malformed; it was changed outside KeyState. ` +
      "Restore the key from a backup.",
  );
}

function missingMaterial(database: string, name: string, version: number): KeyStateError {
  return new KeyStateError(
    "STORE_CORRUPT",
    `The material of key "${name}" version ${version} in IndexedDB database "${database}" is missing or unusable ` +
      "(the browser dropped a stored CryptoKey, or a wrapping key was deleted). Restore the key from a backup.",
  );
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}
