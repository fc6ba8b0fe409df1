import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { KeyStateError } from "../errors.js";
import { assertBytes } from "../core/bytes.js";
import type { KeyInfo } from "../keys/types.js";
import type { KeyStore, Revisioned, StoredKey } from "./key-store.js";
import { syncDirectory, TEMPORARY_SUFFIX, writeFileAtomic } from "./file/atomic-write.js";
import { toPlainJson } from "./file/canonical-json.js";
import { fileStemFor, MAX_ENTRY_NAME_LENGTH } from "./file/entry-names.js";
import {
  corrupt,
  parseDocumentEntry,
  parseKeyEntry,
  readEntryRevision,
  serializeDocumentEntry,
  serializeKeyEntry,
  type EntryContext,
} from "./file/entry-file.js";
import { createHeader, HEADER_FILE, readHeader, unlockHeader, type FileStoreSecret, type UnlockedHeader } from "./file/header.js";
import { DEFAULT_SCRYPT, SCRYPT_LOG_N_RANGE, type StoreKeys } from "./file/store-keys.js";
import { DEFAULT_LOCK_TIMING, errorCode, WriteLock, type LockTiming } from "./file/write-lock.js";
import { makeDirectory } from "./file/make-directory.js";

export type { FileStoreSecret } from "./file/header.js";

/** Options of FileStore.open. */
export interface FileStoreOptions {
  /** Create the store when the directory has none (the directory must be missing or empty). Default false. */
  create?: boolean;
  /**
   * log2 of scrypt's N for a store created now with a passphrase; 10 to 20,
   * default 17. Values below 17 are for tests. Existing stores keep the
   * parameters in their header.
   */
  scryptLogN?: number;
  /** Milliseconds to wait for another process's write before STORE_LOCKED. Default 10000. */
  lockTimeoutMs?: number;
}

type EntryKind = "key" | "document";

const FOLDERS: Record<EntryKind, string> = { key: "keys", document: "documents" };
const LOCK_FILE = "lock";

/**
 * A KeyStore in one directory, for Node and Deno.
 *
 * Layout: `keystate-store.json` (the header: store id, scrypt salt and
 * parameters, key-check value), `keys/NAME.json` and `documents/NAME.json`
 * (one file per entry) and, while a write runs, `lock`.
 *
 * Key material is sealed with AES-256-GCM under a key derived from the master
 * key, with the store id, key name and version as associated data, so no
 * plaintext material reaches the disk. Every entry file carries an
 * HMAC-SHA256 of its contents under another derived key, so edited or swapped
 * files fail with STORE_CORRUPT. Every write replaces its file atomically
 * (temporary file, fsync, rename, fsync of the directory) while holding a
 * store-wide lock file, which makes compare-and-swap hold across processes.
 *
 * NOTE: an entry file replaced by an older copy of itself (a rollback) still
 * authenticates; the store detects damage and tampering, not replay.
 */
export class FileStore implements KeyStore {
  readonly capabilities = { cryptoKeys: false } as const;

  /** Absolute path of the store directory. */
  readonly directory: string;

  private keys: StoreKeys | undefined;
  private readonly storeId: string;
  private readonly lockTiming: LockTiming;
  /** Serializes this instance's writes so they queue here instead of polling the lock file. */
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(directory: string, unlocked: UnlockedHeader, lockTiming: LockTiming) {
    this.directory = directory;
    this.keys = unlocked.keys;
    this.storeId = unlocked.storeId;
    this.lockTiming = lockTiming;
  }

  /**
   * Opens the store in `directory`, or creates it there with `{ create: true }`.
   * Throws STORE_NOT_FOUND when there is no store and `create` is not set,
   * WRONG_PASSPHRASE when the secret does not match, STORE_CORRUPT for a
   * damaged header, INVALID_ARGUMENT for a bad secret or option.
   */
  static async open(directory: string, secret: FileStoreSecret, options: FileStoreOptions = {}): Promise<FileStore> {
    validateSecret(secret);
    if (typeof directory !== "string" || directory.length === 0) {
      throw new KeyStateError("INVALID_ARGUMENT", "The store directory must be a non-empty path");
    }
    const scryptLogN = options.scryptLogN ?? Math.log2(DEFAULT_SCRYPT.N);
    if (!Number.isInteger(scryptLogN) || scryptLogN < SCRYPT_LOG_N_RANGE.min || scryptLogN > SCRYPT_LOG_N_RANGE.max) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `scryptLogN must be an integer from ${SCRYPT_LOG_N_RANGE.min} to ${SCRYPT_LOG_N_RANGE.max}, got ${String(options.scryptLogN)}`,
      );
    }
    const lockTiming = { ...DEFAULT_LOCK_TIMING, timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMING.timeoutMs };

    const absolute = resolve(directory);
    const headerPath = join(absolute, HEADER_FILE);
    const header = await readHeader(headerPath).catch((error: unknown) => rethrowFileError(error, absolute));

    let unlocked: UnlockedHeader;
    if (header !== undefined) {
      unlocked = await unlockHeader(header, secret, absolute);
    } else if (options.create === true) {
      unlocked = await createStore(absolute, secret, scryptLogN);
    } else {
      throw new KeyStateError(
        "STORE_NOT_FOUND",
        `There is no KeyState store in ${absolute}; create one with \`keystate init\` or FileStore.open(directory, secret, { create: true })`,
      );
    }

    const store = new FileStore(absolute, unlocked, lockTiming);
    await store.removeLeftoverTemporaries();
    return store;
  }

  /** Returns true when `directory` contains a store header. */
  static async exists(directory: string): Promise<boolean> {
    try {
      await stat(join(resolve(directory), HEADER_FILE));
      return true;
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return false;
      throw error;
    }
  }

  /** Reads a key with its material. Throws STORE_CORRUPT naming the file when it fails to check. */
  async getKey(name: string): Promise<Revisioned<StoredKey> | undefined> {
    const path = this.entryPath("key", name);
    const text = await readIfExists(path);
    if (text === undefined) return undefined;

    return parseKeyEntry(this.context(path), text, name, true);
  }

  /** Lists the metadata of every key, sorted by name. Throws STORE_CORRUPT for any damaged or unexpected file. */
  async listKeys(): Promise<KeyInfo[]> {
    this.assertOpen();
    const folder = join(this.directory, FOLDERS.key);
    const files = await listEntryFiles(folder);

    const keys = await Promise.all(
      files.map(async (file) => {
        const path = join(folder, file);
        const text = await readIfExists(path);
        if (text === undefined) return undefined; // Removed between readdir and read; no store call removes keys today.

        const name = entryNameOf(text, file, path);
        return (await parseKeyEntry(this.context(path), text, name, false)).value.info;
      }),
    );

    return keys.filter((info): info is KeyInfo => info !== undefined).sort((a, b) => compareNames(a.name, b.name));
  }

  /**
   * Writes a key if its revision is still `expectedRevision` (null: the key
   * must not exist yet) and returns the new revision.
   * Throws CONFLICT when the revision moved on, and STORE_LOCKED when another
   * writer keeps the lock past `lockTimeoutMs`. Throws STORE_CORRUPT when the
   * current file is damaged, which is then never overwritten. Throws
   * INVALID_ARGUMENT for CryptoKey material or material of a version the
   * metadata does not list.
   */
  async putKey(key: StoredKey, expectedRevision: number | null): Promise<number> {
    validateRevision(expectedRevision);
    if (typeof key !== "object" || key === null || !(key.material instanceof Map) || typeof key.info !== "object") {
      throw new KeyStateError("INVALID_ARGUMENT", "putKey needs a StoredKey: { info: KeyInfo, material: Map }");
    }
    const info = toPlainJson(key.info, "The key metadata") as KeyInfo;
    const path = this.entryPath("key", info.name);
    validateMaterialVersions(key, info);

    return this.writeEntry("key", info.name, path, expectedRevision, (revision) =>
      serializeKeyEntry(this.context(path), key, info, revision),
    );
  }

  /** Reads a JSON document. Throws STORE_CORRUPT naming the file when it fails to check. */
  async getDocument(name: string): Promise<Revisioned<unknown> | undefined> {
    const path = this.entryPath("document", name);
    const text = await readIfExists(path);
    if (text === undefined) return undefined;

    return parseDocumentEntry(this.context(path), text, name);
  }

  /** Writes a JSON document with the same compare-and-swap rule and errors as putKey. */
  async putDocument(name: string, value: unknown, expectedRevision: number | null): Promise<number> {
    validateRevision(expectedRevision);
    const path = this.entryPath("document", name);
    const plain = toPlainJson(value, `The document "${name}"`);

    return this.writeEntry("document", name, path, expectedRevision, (revision) =>
      serializeDocumentEntry(this.context(path), name, plain, revision),
    );
  }

  /** Forgets the store keys; later calls throw NOT_READY. Waits for writes in progress. */
  async close(): Promise<void> {
    await this.writeQueue.catch(() => undefined);
    this.keys = undefined;
  }

  private async writeEntry(
    kind: EntryKind,
    name: string,
    path: string,
    expectedRevision: number | null,
    serialize: (revision: number) => Promise<string>,
  ): Promise<number> {
    const write = async (): Promise<number> => {
      const lock = await WriteLock.acquire(join(this.directory, LOCK_FILE), this.lockTiming);
      try {
        const current = await readIfExists(path);
        const currentRevision = current === undefined ? null : await readEntryRevision(this.context(path), current, name, kind);
        if (currentRevision !== expectedRevision) throw conflict(kind, name, expectedRevision, currentRevision);

        const revision = (currentRevision ?? 0) + 1;
        const text = await serialize(revision);

        await this.ensureFolder(kind);
        await lock.assertHeld();
        await writeFileAtomic(path, text);
        return revision;
      } finally {
        await lock.release();
      }
    };

    const result = this.writeQueue.then(write, write);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  private async ensureFolder(kind: EntryKind): Promise<void> {
    const folder = join(this.directory, FOLDERS[kind]);
    const created = await mkdir(folder, { recursive: true, mode: 0o700 });
    if (created !== undefined) await syncDirectory(this.directory);
  }

  /**
   * Deletes temporary files that interrupted writes left behind. It runs only
   * when the lock is free, and skips files younger than the stale-lock age,
   * so it cannot touch a write in progress.
   */
  private async removeLeftoverTemporaries(): Promise<void> {
    const lock = await WriteLock.tryAcquire(join(this.directory, LOCK_FILE), this.lockTiming);
    if (lock === undefined) return;

    try {
      for (const folder of [this.directory, join(this.directory, FOLDERS.key), join(this.directory, FOLDERS.document)]) {
        const files = await readdir(folder).catch(() => [] as string[]);
        for (const file of files) {
          const leftover = (file.startsWith(".") && file.endsWith(TEMPORARY_SUFFIX)) || file.endsWith(".stale");
          if (!leftover) continue;

          const path = join(folder, file);
          const info = await stat(path).catch(() => undefined);
          if (info !== undefined && Date.now() - info.mtimeMs > this.lockTiming.staleAfterMs) {
            await rm(path, { force: true });
          }
        }
      }
    } finally {
      await lock.release();
    }
  }

  private entryPath(kind: EntryKind, name: string): string {
    this.assertOpen();
    return join(this.directory, FOLDERS[kind], `${fileStemFor(name, kind)}.json`);
  }

  private context(path: string): EntryContext {
    return { keys: this.assertOpen(), storeId: this.storeId, path };
  }

  private assertOpen(): StoreKeys {
    if (this.keys === undefined) {
      throw new KeyStateError("NOT_READY", `The file store at ${this.directory} is closed; open it again with FileStore.open`);
    }
    return this.keys;
  }
}

async function createStore(directory: string, secret: FileStoreSecret, scryptLogN: number): Promise<UnlockedHeader> {
  const created = await makeDirectory(directory).catch((error: unknown) => rethrowFileError(error, directory));
  if (created !== undefined) await syncDirectory(dirname(directory));

  const files = await readdir(directory);
  const foreign = files.filter((file) => !(file.startsWith(".") && file.endsWith(TEMPORARY_SUFFIX)) && file !== LOCK_FILE);
  if (foreign.length > 0) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `Cannot create a store in ${directory}: the directory is not empty and holds no KeyState store; choose an empty or new directory`,
    );
  }

  const headerPath = join(directory, HEADER_FILE);
  try {
    return await createHeader(headerPath, secret, { ...DEFAULT_SCRYPT, N: 2 ** scryptLogN });
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
  }

  // Another process created the store at the same moment: open its store.
  const header = await readHeader(headerPath);
  if (header === undefined) throw new KeyStateError("INTERNAL", `The store header ${headerPath} vanished while being created`);
  return unlockHeader(header, secret, directory);
}

function validateSecret(secret: FileStoreSecret): void {
  if (typeof secret !== "object" || secret === null) {
    throw new KeyStateError("INVALID_ARGUMENT", "Open the store with { passphrase } or { masterKey }");
  }

  if ("passphrase" in secret) {
    if (typeof secret.passphrase !== "string" || secret.passphrase.length === 0) {
      throw new KeyStateError("INVALID_ARGUMENT", "The passphrase must be a non-empty string");
    }
    return;
  }

  if ("masterKey" in secret) {
    assertBytes(secret.masterKey, "masterKey", 32);
    return;
  }

  throw new KeyStateError("INVALID_ARGUMENT", "Open the store with { passphrase } or { masterKey }");
}

function validateRevision(expectedRevision: number | null): void {
  if (expectedRevision === null || (Number.isSafeInteger(expectedRevision) && expectedRevision >= 1)) return;

  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `expectedRevision must be null (create) or the revision read, a positive integer; got ${String(expectedRevision)}`,
  );
}

function validateMaterialVersions(key: StoredKey, info: KeyInfo): void {
  for (const version of key.material.keys()) {
    const listed = info.versions.find((entry) => entry.version === version);
    if (listed === undefined || listed.status === "destroyed") {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `Key "${info.name}" has material for version ${version}, which its metadata does not list as a live version; drop that material`,
      );
    }
  }
}

function conflict(kind: EntryKind, name: string, expected: number | null, found: number | null): KeyStateError {
  const what = `The ${kind} "${name}"`;
  const detail =
    expected === null
      ? `${what} already exists (revision ${found})`
      : found === null
        ? `${what} does not exist any more (expected revision ${expected})`
        : `${what} changed since it was read (expected revision ${expected}, found ${found})`;
  return new KeyStateError("CONFLICT", `${detail}; read it again and retry`);
}

/** Lists the entry files of a folder, skipping the hidden temporary files of writes in progress or interrupted. */
async function listEntryFiles(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((file) => !file.startsWith("."));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
}

/**
 * Returns the entry name recorded in an entry file, checking that the file
 * is at the path that name maps to. Authentication of the whole file follows.
 */
function entryNameOf(text: string, file: string, path: string): string {
  const name = parseName(text, path);
  const valid = name !== undefined && name.length > 0 && name.length <= MAX_ENTRY_NAME_LENGTH;

  if (!valid || `${fileStemFor(name, "key")}.json` !== file) {
    throw corrupt(path, "the store did not write a file of this name; move it out of the store directory");
  }
  return name;
}

function parseName(text: string, path: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(path, "it is not valid JSON (the file may be truncated)");
  }

  const name = typeof parsed === "object" && parsed !== null ? (parsed as { name?: unknown }).name : undefined;
  return typeof name === "string" ? name : undefined;
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Returns the nearest path at or above `directory` that exists and is not a
 * directory, such as report.pdf for report.pdf/sub; `directory` when none is found.
 */
function fileInTheWay(directory: string): string {
  for (let path = directory; path !== dirname(path); path = dirname(path)) {
    try {
      if (!statSync(path).isDirectory()) return path;
      return directory;
    } catch {
      // Missing, or below a file: look one level up.
    }
  }
  return directory;
}

function rethrowFileError(error: unknown, directory: string): never {
  const code = errorCode(error);
  if (code === "ENOTDIR" || code === "EEXIST") {
    const file = fileInTheWay(directory);
    throw new KeyStateError("INVALID_ARGUMENT", `${file} is a file, not a directory; choose a directory for the store`, {
      cause: error,
    });
  }
  if (code === "EACCES" || code === "EPERM") {
    throw new KeyStateError("INVALID_ARGUMENT", `Permission denied on ${directory}; check its owner and mode`, { cause: error });
  }
  if (code === "ENOENT" || code === "EROFS") {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `Cannot create the store directory ${directory} (${code}); choose a path on a writable file system`,
      { cause: error },
    );
  }
  throw error;
}
