import { randomBytes } from "node:crypto";
import { KeyStateError } from "../errors.js";
import type { StoredKey, StoredMaterial } from "../backends/key-store.js";
import type { KeyInfo } from "../keys/types.js";
import { canonicalJson } from "../backends/file/canonical-json.js";
import { decodeBase64url, encodeBase64url } from "../backends/file/base64url.js";
import { DEFAULT_SCRYPT, deriveMasterKey, seal, unseal, type ScryptParameters } from "../backends/file/store-keys.js";

const BACKUP_FORMAT = "keystate-backup";
const BACKUP_VERSION = 1;

/**
 * A backup file. Only the header is readable: every key's metadata and
 * material are in `ciphertext`, sealed with AES-256-GCM under a key derived
 * with scrypt from the backup passphrase, and the header is the associated data.
 */
interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  kdf: { name: "scrypt"; salt: string } & ScryptParameters;
  iv: string;
  ciphertext: string;
}

/** The sealed payload: keys with their material in base64url. */
interface BackupPayload {
  keys: { info: KeyInfo; material: { version: number; bytes: string }[] }[];
}

/** Seals `keys` into the text of a backup file. */
export async function writeBackup(keys: readonly StoredKey[], passphrase: string): Promise<string> {
  const payload: BackupPayload = {
    keys: keys.map((key) => ({
      info: key.info,
      material: [...key.material].map(([version, material]) => ({ version, bytes: encodeBase64url(rawBytes(material, key.info.name)) })),
    })),
  };

  const header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: Date.now(),
    kdf: { name: "scrypt", salt: encodeBase64url(randomBytes(16)), ...DEFAULT_SCRYPT },
  } as const;

  const plaintext = new TextEncoder().encode(JSON.stringify(payload));
  const key = await backupKey(passphrase, header.kdf);
  const sealed = await seal(key, plaintext, associatedData(header));
  plaintext.fill(0);

  const file: BackupFile = { ...header, iv: encodeBase64url(sealed.iv), ciphertext: encodeBase64url(sealed.ciphertext) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Opens a backup file's text and returns its keys.
 * Throws UNSUPPORTED_FORMAT for a file that is not a backup, WRONG_PASSPHRASE
 * when the passphrase does not open it (or the file was altered).
 */
export async function readBackup(text: string, passphrase: string, path: string): Promise<StoredKey[]> {
  const file = parseBackupFile(text, path);
  const { iv, ciphertext, ...header } = file;

  const key = await backupKey(passphrase, file.kdf);
  const plaintext = await unseal(key, { iv: decodeBase64url(iv), ciphertext: decodeBase64url(ciphertext) }, associatedData(header));
  if (plaintext === undefined) {
    throw new KeyStateError(
      "WRONG_PASSPHRASE",
      `The passphrase does not open the backup ${path}, or the file was altered; set KEYSTATE_BACKUP_PASSPHRASE to the passphrase it was made with`,
    );
  }

  try {
    const payload = JSON.parse(new TextDecoder().decode(plaintext)) as BackupPayload;
    return payload.keys.map((entry) => ({
      info: entry.info,
      material: new Map<number, StoredMaterial>(
        entry.material.map((material) => [material.version, { type: "raw", bytes: decodeBase64url(material.bytes) }]),
      ),
    }));
  } finally {
    plaintext.fill(0);
  }
}

function parseBackupFile(text: string, path: string): BackupFile {
  let file: Partial<BackupFile>;
  try {
    file = JSON.parse(text) as Partial<BackupFile>;
  } catch {
    throw notABackup(path, "it is not JSON");
  }

  if (file?.format !== BACKUP_FORMAT) throw notABackup(path, `its "format" is not "${BACKUP_FORMAT}"`);
  if (file.version !== BACKUP_VERSION) throw notABackup(path, `its version ${String(file.version)} is not ${BACKUP_VERSION}`);

  const kdf = file.kdf;
  const validKdf =
    kdf?.name === "scrypt" &&
    typeof kdf.salt === "string" &&
    Number.isInteger(Math.log2(kdf.N)) &&
    kdf.N >= 2 ** 10 &&
    kdf.N <= 2 ** 20 &&
    Number.isInteger(kdf.r) &&
    kdf.r >= 1 &&
    kdf.r <= 32 &&
    Number.isInteger(kdf.p) &&
    kdf.p >= 1 &&
    kdf.p <= 16;
  if (!validKdf || typeof file.iv !== "string" || typeof file.ciphertext !== "string" || typeof file.createdAt !== "number") {
    throw notABackup(path, "its fields are missing or invalid");
  }
  return file as BackupFile;
}

async function backupKey(passphrase: string, kdf: BackupFile["kdf"]): Promise<CryptoKey> {
  const bytes = await deriveMasterKey(passphrase, decodeBase64url(kdf.salt), { N: kdf.N, r: kdf.r, p: kdf.p });
  try {
    return await globalThis.crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt", "decrypt"]);
  } finally {
    bytes.fill(0);
  }
}

function associatedData(header: Omit<BackupFile, "iv" | "ciphertext">): Uint8Array {
  return new TextEncoder().encode(canonicalJson(header));
}

function rawBytes(material: StoredMaterial, name: string): Uint8Array {
  if (material.type !== "raw") {
    throw new KeyStateError("INVALID_ARGUMENT", `Key ${name} contains a CryptoKey, which cannot be written to a backup`);
  }
  return material.bytes;
}

function notABackup(path: string, reason: string): KeyStateError {
  return new KeyStateError("UNSUPPORTED_FORMAT", `${path} is not a KeyState backup: ${reason}`);
}
