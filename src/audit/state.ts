import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type { KeyStore, StoredKey } from "../backends/key-store.js";
import { KeyStateError, isKeyStateError } from "../errors.js";
import type { CheckpointReference } from "./chain.js";
import type { Ed25519 } from "./ed25519.js";

/** Name of the store document with the audit salt, public key and latest checkpoints. */
export const AUDIT_DOCUMENT = "audit";

/**
 * Name of the store key whose seed signs checkpoints. It is an ordinary
 * Ed25519 sign key, so each store seals its material like any other key's.
 */
export const AUDIT_KEY_NAME = "__audit";

/** The audit document as the store keeps it. Contains no secret. */
export interface AuditDocument {
  format: "keystate-audit";
  /** 32 random bytes (hex) keying the HMAC of encryption contexts in events. */
  salt: string;
  /** The audit key's Ed25519 public key (hex). */
  publicKey: string;
  /** The latest checkpoint written, by the id of the log (see AuditSink.id). */
  checkpoints?: Record<string, CheckpointReference>;
}

/** The audit log's state from its store. The seed stays in memory only. */
export interface AuditState {
  document: AuditDocument;
  revision: number;
  seed: Uint8Array;
  salt: Uint8Array;
  publicKey: Uint8Array;
}

function newAuditKey(seed: Uint8Array, now: number): StoredKey {
  const id = crypto.getRandomValues(new Uint32Array(1))[0]!;

  return {
    info: {
      name: AUDIT_KEY_NAME,
      purpose: "sign",
      algorithm: "ED25519",
      createdAt: now,
      versions: [{ version: 1, id, status: "primary", createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } }],
    },
    material: new Map([[1, { type: "raw", bytes: seed }]]),
  };
}

async function loadSeed(store: KeyStore, now: number): Promise<Uint8Array> {
  for (;;) {
    const stored = await store.getKey(AUDIT_KEY_NAME);

    if (stored !== undefined) {
      const primary = stored.value.info.versions.find((version) => version.status === "primary");
      const material = primary === undefined ? undefined : stored.value.material.get(primary.version);

      if (material?.type !== "raw" || material.bytes.length !== 32) {
        throw new KeyStateError("STORE_CORRUPT", `store key ${AUDIT_KEY_NAME} has no 32-byte Ed25519 seed in its primary version; restore the store from a backup`);
      }

      return material.bytes;
    }

    try {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      await store.putKey(newAuditKey(seed, now), null);
      return seed;
    } catch (error) {
      if (!isKeyStateError(error, "CONFLICT")) throw error;
    }
  }
}

function parseDocument(value: unknown): AuditDocument {
  const document = value as Partial<AuditDocument> | null;
  const isHex = (text: unknown, length: number) => typeof text === "string" && new RegExp(`^[0-9a-f]{${length}}$`).test(text);

  if (document?.format !== "keystate-audit" || !isHex(document.salt, 64) || !isHex(document.publicKey, 64)) {
    throw new KeyStateError("STORE_CORRUPT", 'the store document "audit" is not a KeyState audit document; restore it from a backup');
  }

  return document as AuditDocument;
}

/**
 * Reads the store's audit key and document, creating both on first use.
 * Throws STORE_CORRUPT when they exist but do not belong together.
 */
export async function loadAuditState(store: KeyStore, ed25519: Ed25519, now: number): Promise<AuditState> {
  const seed = await loadSeed(store, now);
  const publicKey = ed25519.getPublicKey(seed);

  for (;;) {
    const stored = await store.getDocument(AUDIT_DOCUMENT);

    if (stored !== undefined) {
      const document = parseDocument(stored.value);

      if (document.publicKey !== bytesToHex(publicKey)) {
        throw new KeyStateError("STORE_CORRUPT", `the audit document's public key does not belong to store key ${AUDIT_KEY_NAME}; restore both from the same backup`);
      }

      return { document, revision: stored.revision, seed, salt: hexToBytes(document.salt), publicKey };
    }

    const salt = crypto.getRandomValues(new Uint8Array(32));
    const document: AuditDocument = { format: "keystate-audit", salt: bytesToHex(salt), publicKey: bytesToHex(publicKey) };

    try {
      const revision = await store.putDocument(AUDIT_DOCUMENT, document, null);
      return { document, revision, seed, salt, publicKey };
    } catch (error) {
      if (!isKeyStateError(error, "CONFLICT")) throw error;
    }
  }
}

/**
 * Records `checkpoint` as the latest of log `logId` in the audit document,
 * unless the document already names a later one. Re-reads the document and
 * retries on CONFLICT.
 */
export async function saveCheckpoint(store: KeyStore, state: AuditState, logId: string, checkpoint: CheckpointReference): Promise<void> {
  for (;;) {
    const current = state.document.checkpoints?.[logId];
    if (current !== undefined && current.seq >= checkpoint.seq) return;

    const document: AuditDocument = { ...state.document, checkpoints: { ...state.document.checkpoints, [logId]: checkpoint } };

    try {
      state.revision = await store.putDocument(AUDIT_DOCUMENT, document, state.revision);
      state.document = document;
      return;
    } catch (error) {
      if (!isKeyStateError(error, "CONFLICT")) throw error;

      const stored = await store.getDocument(AUDIT_DOCUMENT);
      if (stored === undefined) throw new KeyStateError("STORE_CORRUPT", 'the store document "audit" disappeared; restore it from a backup');
      state.document = parseDocument(stored.value);
      state.revision = stored.revision;
    }
  }
}

/** Re-reads the audit document, e.g. before a verify in another process. */
export async function readAuditDocument(store: KeyStore): Promise<AuditDocument | undefined> {
  const stored = await store.getDocument(AUDIT_DOCUMENT);
  return stored === undefined ? undefined : parseDocument(stored.value);
}
