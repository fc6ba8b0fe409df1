import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { KeyStateError } from "../../errors.js";
import { canonicalJson } from "./canonical-json.js";
import { createFileExclusive } from "./atomic-write.js";
import {
  deriveMasterKey,
  deriveStoreKeys,
  hmac,
  sha256,
  SCRYPT_LOG_N_RANGE,
  verifyHmac,
  type ScryptParameters,
  type StoreKeys,
} from "./store-keys.js";
import { decodeBase64url, encodeBase64url } from "./base64url.js";
import { errorCode } from "./write-lock.js";

/** Name of the header file in the store directory. */
export const HEADER_FILE = "keystate-store.json";

const HEADER_FORMAT = "keystate-file-store";
const HEADER_VERSION = 1;

/** Master-key derivation: scrypt over a passphrase, or none when the caller passes the master key. */
type KdfRecord = ({ name: "scrypt"; salt: string } & ScryptParameters) | { name: "none" };

/** The header file's fields. `checksum` covers the rest; `keyCheck` proves the master key. */
interface HeaderFile {
  format: typeof HEADER_FORMAT;
  version: typeof HEADER_VERSION;
  /** 16 random bytes, base64url: salts the HKDF of every store key and binds entries to this store. */
  storeId: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  kdf: KdfRecord;
  /** HMAC-SHA256 under the check key over the fields above, base64url. */
  keyCheck: string;
  /**
   * SHA-256 over all other fields, base64url. It is unkeyed on purpose, so a
   * damaged header (STORE_CORRUPT) is detected before any key is derived and
   * never reported as a wrong passphrase (WRONG_PASSPHRASE).
   */
  checksum: string;
}

/** Secret that opens a store: a passphrase for scrypt, or the 32-byte master key itself. */
export type FileStoreSecret = { passphrase: string } | { masterKey: Uint8Array };

/** A verified header and the store keys it unlocked. */
export interface UnlockedHeader {
  storeId: string;
  keys: StoreKeys;
}

/**
 * Reads and checks the header at `path`. Returns undefined when there is no
 * header file. Throws STORE_CORRUPT for a damaged header, UNSUPPORTED_FORMAT
 * for one written by a newer release.
 */
export async function readHeader(path: string): Promise<HeaderFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(path, "it is not valid JSON");
  }

  if (!isRecord(parsed) || parsed.format !== HEADER_FORMAT) {
    throw corrupt(path, `its "format" is not "${HEADER_FORMAT}"`);
  }

  const { checksum, ...rest } = parsed;
  if (typeof checksum !== "string" || checksum !== encodeBase64url(await sha256(canonicalJson(rest)))) {
    throw corrupt(path, "its checksum does not match its contents");
  }

  if (typeof parsed.version === "number" && Number.isInteger(parsed.version) && parsed.version > HEADER_VERSION) {
    throw new KeyStateError(
      "UNSUPPORTED_FORMAT",
      `The store header ${path} has format version ${parsed.version}, newer than this release reads (${HEADER_VERSION}); upgrade keystate`,
    );
  }

  if (!isValidHeader(parsed)) {
    throw corrupt(path, "its fields are missing or invalid");
  }
  return parsed;
}

/**
 * Writes a new header to `path` and returns the unlocked store. Fails with a
 * Node error whose code is "EEXIST" when another process created the header first.
 */
export async function createHeader(
  path: string,
  secret: FileStoreSecret,
  scrypt: ScryptParameters,
): Promise<UnlockedHeader> {
  const storeIdBytes = randomBytes(16);
  const kdf: KdfRecord =
    "passphrase" in secret ? { name: "scrypt", salt: encodeBase64url(randomBytes(16)), ...scrypt } : { name: "none" };
  const storeId = encodeBase64url(storeIdBytes);

  const masterKey = await masterKeyFor(secret, kdf);
  let keys: StoreKeys;
  try {
    keys = await deriveStoreKeys(masterKey, storeIdBytes);
  } finally {
    masterKey.fill(0);
  }

  const unchecked = { format: HEADER_FORMAT, version: HEADER_VERSION, storeId, createdAt: Date.now(), kdf } as const;
  const keyCheck = encodeBase64url(await hmac(keys.check, canonicalJson(unchecked)));
  const unsummed = { ...unchecked, keyCheck };
  const header: HeaderFile = { ...unsummed, checksum: encodeBase64url(await sha256(canonicalJson(unsummed))) };

  await createFileExclusive(path, `${JSON.stringify(header, null, 2)}\n`);
  return { storeId, keys };
}

/**
 * Derives the store keys from `secret` and checks them against the header's key-check value.
 * Throws WRONG_PASSPHRASE when they do not match, INVALID_ARGUMENT when the
 * store was created with a master key and `secret` is a passphrase.
 */
export async function unlockHeader(header: HeaderFile, secret: FileStoreSecret, directory: string): Promise<UnlockedHeader> {
  if (header.kdf.name === "none" && "passphrase" in secret) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `The store at ${directory} was created with a master key, not a passphrase; open it with { masterKey }`,
    );
  }

  const masterKey = await masterKeyFor(secret, header.kdf);
  let keys: StoreKeys;
  try {
    keys = await deriveStoreKeys(masterKey, decodeBase64url(header.storeId));
  } finally {
    masterKey.fill(0);
  }

  const { keyCheck, checksum: _checksum, ...unchecked } = header;
  if (!(await verifyHmac(keys.check, decodeBase64url(keyCheck), canonicalJson(unchecked)))) {
    const what = "passphrase" in secret ? "passphrase" : "master key";
    throw new KeyStateError(
      "WRONG_PASSPHRASE",
      `The ${what} does not open the store at ${directory}; check it and try again`,
    );
  }

  return { storeId: header.storeId, keys };
}

async function masterKeyFor(secret: FileStoreSecret, kdf: KdfRecord): Promise<Uint8Array> {
  if ("masterKey" in secret) return Uint8Array.from(secret.masterKey);
  if (kdf.name !== "scrypt") throw new KeyStateError("INTERNAL", "A passphrase needs a store created with scrypt");

  return deriveMasterKey(secret.passphrase, decodeBase64url(kdf.salt), { N: kdf.N, r: kdf.r, p: kdf.p });
}

function isValidHeader(value: Record<string, unknown>): value is HeaderFile & Record<string, unknown> {
  return (
    value.version === HEADER_VERSION &&
    isBase64url(value.storeId, 16) &&
    typeof value.createdAt === "number" &&
    isBase64url(value.keyCheck, 32) &&
    isValidKdf(value.kdf)
  );
}

function isValidKdf(kdf: unknown): kdf is KdfRecord {
  if (!isRecord(kdf)) return false;
  if (kdf.name === "none") return true;
  if (kdf.name !== "scrypt" || !isBase64url(kdf.salt, 16)) return false;

  const { N, r, p } = kdf;
  return (
    typeof N === "number" &&
    Number.isInteger(Math.log2(N)) &&
    Math.log2(N) >= SCRYPT_LOG_N_RANGE.min &&
    Math.log2(N) <= SCRYPT_LOG_N_RANGE.max &&
    typeof r === "number" &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    typeof p === "number" &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16
  );
}

function isBase64url(value: unknown, length: number): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]*$/.test(value) && decodeBase64url(value).length === length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function corrupt(path: string, reason: string): KeyStateError {
  return new KeyStateError(
    "STORE_CORRUPT",
    `The store header ${path} is damaged: ${reason}. Restore it from a backup; the store cannot be opened without it`,
  );
}
