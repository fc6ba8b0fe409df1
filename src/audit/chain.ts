import { hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalJson, quoteJson } from "./canonical.js";
import { sha256Hex } from "./digest.js";
import type { Ed25519 } from "./ed25519.js";
import type { AuditEntry, AuditVerifyResult } from "./types.js";

/** The `prev` of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** Prefix of the message a checkpoint signs, so the signature means nothing elsewhere. */
const CHECKPOINT_DOMAIN = "keystate-audit-checkpoint-v1:";

// Names of the fields an entry may have besides `hash` and `signature`.
const KNOWN_FIELDS = new Set<string>([
  "bytes", "contextHmac", "count", "detail", "errorCode", "firstTime", "key", "operation",
  "outcome", "prev", "principal", "requestId", "seq", "time", "version", "hash", "signature",
]);

function text(value: unknown): string {
  return typeof value === "string" ? quoteJson(value) : canonicalJson(value);
}

/**
 * The JSON encoding of the string last given, for fields that repeat from
 * entry to entry (operation, principal, key), so that a repeat skips the
 * escape check and the new string.
 */
class RepeatedText {
  #value = "";
  #encoded = '""';

  encode(value: unknown): string {
    if (value === this.#value) return this.#encoded;
    if (typeof value !== "string") return canonicalJson(value);

    this.#encoded = quoteJson(value);
    this.#value = value;
    return this.#encoded;
  }
}

const errorCodeText = new RepeatedText();
const keyText = new RepeatedText();
const operationText = new RepeatedText();
const outcomeText = new RepeatedText();
const principalText = new RepeatedText();

function integer(value: unknown): string {
  return typeof value === "number" && Number.isSafeInteger(value) ? String(value) : canonicalJson(value);
}

/**
 * Returns the canonical encoding of an entry without `hash` and
 * `signature`. Equal to canonicalJson of those fields, written out field by
 * field in sorted order because it runs once per audited operation. An
 * entry with fields of its own (a changed log) takes the generic path.
 */
export function encodeEntry(entry: Omit<AuditEntry, "hash" | "signature">): string {
  const record = entry as unknown as Record<string, unknown>;
  for (const name in record) {
    if (!KNOWN_FIELDS.has(name)) return canonicalJson(withoutSignature(record));
  }

  return encodeKnownFields(entry);
}

// The body of encodeEntry for an entry whose fields are all in KNOWN_FIELDS.
function encodeKnownFields(entry: Omit<AuditEntry, "hash" | "signature">): string {
  const e = entry as Partial<AuditEntry>;
  let out = "";
  if (e.bytes !== undefined) out += `,"bytes":${integer(e.bytes)}`;
  if (e.contextHmac !== undefined) out += `,"contextHmac":${text(e.contextHmac)}`;
  if (e.count !== undefined) out += `,"count":${integer(e.count)}`;
  if (e.detail !== undefined) out += `,"detail":${canonicalJson(e.detail)}`;
  if (e.errorCode !== undefined) out += `,"errorCode":${errorCodeText.encode(e.errorCode)}`;
  if (e.firstTime !== undefined) out += `,"firstTime":${integer(e.firstTime)}`;
  if (e.key !== undefined) out += `,"key":${keyText.encode(e.key)}`;
  if (e.operation !== undefined) out += `,"operation":${operationText.encode(e.operation)}`;
  if (e.outcome !== undefined) out += `,"outcome":${outcomeText.encode(e.outcome)}`;
  if (e.prev !== undefined) out += `,"prev":${text(e.prev)}`;
  if (e.principal !== undefined) out += `,"principal":${principalText.encode(e.principal)}`;
  if (e.requestId !== undefined) out += `,"requestId":${text(e.requestId)}`;
  if (e.seq !== undefined) out += `,"seq":${integer(e.seq)}`;
  if (e.time !== undefined) out += `,"time":${integer(e.time)}`;
  if (e.version !== undefined) out += `,"version":${integer(e.version)}`;

  return `{${out.slice(1)}}`;
}

function withoutSignature(record: Record<string, unknown>): Record<string, unknown> {
  const { hash: _hash, signature: _signature, ...body } = record;
  return body;
}

/** Returns the SHA-256 (hex) of the canonical encoding of `entry` without `hash` and `signature`. */
export function hashEntry(entry: Omit<AuditEntry, "hash" | "signature"> & { hash?: string; signature?: string }): string {
  return sha256Hex(encodeEntry(entry));
}

/**
 * Returns hashEntry(entry) for an entry the log built itself, which has no
 * fields outside AuditEntry, so the check for unknown fields is skipped.
 */
export function hashOwnEntry(entry: Omit<AuditEntry, "hash" | "signature">): string {
  return sha256Hex(encodeKnownFields(entry));
}

/** Returns the bytes a checkpoint signature covers: a fixed prefix and the checkpoint entry's hash. */
export function checkpointMessage(hash: string): Uint8Array {
  return utf8ToBytes(CHECKPOINT_DOMAIN + hash);
}

/** A checkpoint recorded outside the log (in the store's audit document). */
export interface CheckpointReference {
  seq: number;
  hash: string;
}

export interface VerifyOptions {
  /** The audit key's public key; every checkpoint must carry a valid signature under it. */
  publicKey?: Uint8Array;
  ed25519?: Ed25519;
  /** The latest checkpoint the store recorded: the log must reach it, so a cut-off tail is detected. */
  checkpoint?: CheckpointReference;
  /** The last entry the writer appended, when it is known (a running log). */
  head?: CheckpointReference;
}

function brokenAt(index: number, reason: string): AuditVerifyResult {
  return { ok: false, index, reason };
}

function verifySignature(entry: AuditEntry, options: VerifyOptions): boolean {
  if (options.publicKey === undefined || options.ed25519 === undefined) return true;
  if (typeof entry.signature !== "string" || !/^[0-9a-f]{128}$/.test(entry.signature)) return false;
  return options.ed25519.verify(options.publicKey, checkpointMessage(entry.hash), hexToBytes(entry.signature));
}

function reaches(entries: readonly AuditEntry[], reference: CheckpointReference): boolean {
  return entries.length > reference.seq && entries[reference.seq]?.hash === reference.hash;
}

/**
 * Checks a whole log: positions without gaps, each `prev` equal to the hash
 * before it, each hash equal to the entry's contents, each checkpoint signed
 * by the audit key, and the log reaching the recorded checkpoint and head.
 * Returns the first broken entry; an entry cut off the end is reported at
 * the index where it is missing.
 */
export function verifyEntries(entries: readonly AuditEntry[], options: VerifyOptions = {}): AuditVerifyResult {
  let prev = GENESIS_HASH;

  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];

    if (typeof entry !== "object" || entry === null) {
      return brokenAt(index, "entry is not a JSON object: the line was changed or cut");
    }

    if (entry.seq !== index) {
      return brokenAt(index, `entry has seq ${String(entry.seq)} at position ${index}: an entry was deleted, inserted or moved`);
    }

    if (entry.prev !== prev) {
      return brokenAt(index, "prev does not match the hash of the entry before it: an entry was deleted or moved");
    }

    let hash: string;
    try {
      hash = hashEntry(entry);
    } catch {
      return brokenAt(index, "entry is not valid audit JSON: it was changed");
    }

    if (hash !== entry.hash) return brokenAt(index, "hash does not match the entry's contents: the entry was changed");

    if (entry.operation === "checkpoint" && !verifySignature(entry, options)) {
      return brokenAt(index, "checkpoint signature is missing or invalid under the store's audit key");
    }

    if (entry.operation !== "checkpoint" && entry.signature !== undefined) {
      return brokenAt(index, "entry carries a signature but is not a checkpoint: the entry was changed");
    }

    prev = hash;
  }

  for (const [reference, what] of [
    [options.checkpoint, "the store's latest checkpoint"],
    [options.head, "the last entry this process appended"],
  ] as const) {
    if (reference !== undefined && !reaches(entries, reference)) {
      const index = Math.min(entries.length, reference.seq);
      return brokenAt(index, `the log does not contain ${what} (seq ${reference.seq}): entries were cut off or replaced`);
    }
  }

  return { ok: true, count: entries.length };
}
