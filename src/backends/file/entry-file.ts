import { KeyStateError } from "../../errors.js";
import type { KeyInfo } from "../../keys/types.js";
import type { Revisioned, StoredKey, StoredMaterial } from "../key-store.js";
import { canonicalJson } from "./canonical-json.js";
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { hmac, seal, unseal, verifyHmac, type StoreKeys } from "./store-keys.js";

const ENTRY_FORMAT = "keystate-file-store-entry";
const ENTRY_VERSION = 1;

/** One version's material, sealed with AES-256-GCM; iv and ciphertext in base64url. */
interface SealedMaterialRecord {
  version: number;
  iv: string;
  ciphertext: string;
}

interface EntryCommon {
  format: typeof ENTRY_FORMAT;
  version: typeof ENTRY_VERSION;
  name: string;
  revision: number;
  /**
   * HMAC-SHA256 under the store's MAC key over the store id and every other
   * field (canonical JSON), base64url. It authenticates the metadata, so an
   * edited status, a swapped file or a file from another store fails to load.
   */
  mac: string;
}

interface KeyEntryFile extends EntryCommon {
  kind: "key";
  info: KeyInfo;
  material: SealedMaterialRecord[];
}

/** Everything an entry needs to find its keys and name itself in errors. */
export interface EntryContext {
  keys: StoreKeys;
  storeId: string;
  /** The file the entry is read from or written to, for error messages. */
  path: string;
}

/** Serializes a key with its material sealed. Throws INVALID_ARGUMENT for material the store cannot keep. */
export async function serializeKeyEntry(context: EntryContext, key: StoredKey, info: KeyInfo, revision: number): Promise<string> {
  const material: SealedMaterialRecord[] = [];

  for (const [version, stored] of [...key.material].sort(([a], [b]) => a - b)) {
    const bytes = rawBytesOf(stored, info.name, version);
    const sealed = await seal(context.keys.seal, bytes, materialAssociatedData(context.storeId, info.name, version));
    material.push({ version, iv: encodeBase64url(sealed.iv), ciphertext: encodeBase64url(sealed.ciphertext) });
  }

  const body = { format: ENTRY_FORMAT, version: ENTRY_VERSION, kind: "key", name: info.name, revision, info, material } as const;
  return finish(context, body);
}

/** Serializes a document; `value` must already be plain JSON. */
export async function serializeDocumentEntry(
  context: EntryContext,
  name: string,
  value: unknown,
  revision: number,
): Promise<string> {
  const body = { format: ENTRY_FORMAT, version: ENTRY_VERSION, kind: "document", name, revision, value } as const;
  return finish(context, body);
}

/**
 * Parses and authenticates a key entry written for `name`. Material is
 * unsealed only when `withMaterial` is set.
 * Throws STORE_CORRUPT naming the file when anything fails to check.
 */
export async function parseKeyEntry(
  context: EntryContext,
  text: string,
  name: string,
  withMaterial: boolean,
): Promise<Revisioned<StoredKey>> {
  const entry = await parseEntry(context, text, name, "key");
  if (!isKeyBody(entry)) throw corrupt(context.path, "its key metadata is missing or invalid");

  const material = new Map<number, StoredMaterial>();
  if (withMaterial) {
    for (const record of entry.material) {
      const sealed = { iv: decodeBase64url(record.iv), ciphertext: decodeBase64url(record.ciphertext) };
      const bytes = await unseal(context.keys.seal, sealed, materialAssociatedData(context.storeId, name, record.version));
      if (bytes === undefined) throw corrupt(context.path, `the material of version ${record.version} fails authentication`);
      material.set(record.version, { type: "raw", bytes });
    }
  }

  return { value: { info: entry.info, material }, revision: entry.revision };
}

/** Parses and authenticates a document entry. Throws STORE_CORRUPT naming the file. */
export async function parseDocumentEntry(context: EntryContext, text: string, name: string): Promise<Revisioned<unknown>> {
  const entry = await parseEntry(context, text, name, "document");
  if (!("value" in entry)) throw corrupt(context.path, "it has no value");
  return { value: entry.value, revision: entry.revision };
}

/** Returns the revision of an entry file after authenticating it; for the check before a write. */
export async function readEntryRevision(
  context: EntryContext,
  text: string,
  name: string,
  kind: "key" | "document",
): Promise<number> {
  const entry = await parseEntry(context, text, name, kind);
  return entry.revision;
}

async function parseEntry(
  context: EntryContext,
  text: string,
  name: string,
  kind: "key" | "document",
): Promise<Record<string, unknown> & EntryCommon> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(context.path, "it is not valid JSON (the file may be truncated)");
  }

  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw corrupt(context.path, "it is not a JSON object");
  }

  const { mac, ...body } = parsed as Record<string, unknown>;
  if (typeof mac !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(mac)) throw corrupt(context.path, "its MAC is missing");
  if (!(await verifyHmac(context.keys.mac, decodeBase64url(mac), macInput(context.storeId, body)))) {
    throw corrupt(context.path, "its MAC does not match its contents (the file was altered, or belongs to another store)");
  }

  // The MAC passed, so this store wrote the fields below. These checks catch
  // a file moved to another entry's name and an entry of a newer format.
  if (body.format !== ENTRY_FORMAT || body.version !== ENTRY_VERSION) {
    throw corrupt(context.path, `its format is not ${ENTRY_FORMAT} version ${ENTRY_VERSION}`);
  }
  if (body.kind !== kind || body.name !== name) {
    throw corrupt(context.path, `it contains the ${String(body.kind)} "${String(body.name)}", not the ${kind} "${name}"`);
  }
  if (typeof body.revision !== "number" || !Number.isSafeInteger(body.revision) || body.revision < 1) {
    throw corrupt(context.path, "its revision is invalid");
  }

  return { ...body, mac } as Record<string, unknown> & EntryCommon;
}

async function finish(context: EntryContext, body: Record<string, unknown>): Promise<string> {
  const mac = encodeBase64url(await hmac(context.keys.mac, macInput(context.storeId, body)));
  return `${JSON.stringify({ ...body, mac }, null, 2)}\n`;
}

function macInput(storeId: string, body: Record<string, unknown>): string {
  return canonicalJson([storeId, body]);
}

/** Binds sealed material to its store, key and version, so it cannot be moved to another. */
function materialAssociatedData(storeId: string, name: string, version: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(["keystate file-store v1 material", storeId, name, version]));
}

function rawBytesOf(stored: StoredMaterial, name: string, version: number): Uint8Array {
  if (stored.type !== "raw") {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `Version ${version} of key "${name}" holds a CryptoKey; the file store keeps raw bytes only (capabilities.cryptoKeys is false)`,
    );
  }
  if (!(stored.bytes instanceof Uint8Array)) {
    throw new KeyStateError("INVALID_ARGUMENT", `The material of version ${version} of key "${name}" must be a Uint8Array`);
  }
  return stored.bytes;
}

function isKeyBody(entry: Record<string, unknown>): entry is Record<string, unknown> & KeyEntryFile {
  const info = entry.info as Partial<KeyInfo> | undefined;
  return (
    typeof info === "object" &&
    info !== null &&
    info.name === entry.name &&
    Array.isArray(info.versions) &&
    Array.isArray(entry.material) &&
    entry.material.every(
      (record: unknown) =>
        typeof record === "object" &&
        record !== null &&
        Number.isSafeInteger((record as SealedMaterialRecord).version) &&
        typeof (record as SealedMaterialRecord).iv === "string" &&
        typeof (record as SealedMaterialRecord).ciphertext === "string",
    )
  );
}

/** Builds the STORE_CORRUPT error for an entry file. */
export function corrupt(path: string, reason: string): KeyStateError {
  return new KeyStateError(
    "STORE_CORRUPT",
    `The store file ${path} is damaged: ${reason}. It was left as it is; restore it from a backup`,
  );
}
