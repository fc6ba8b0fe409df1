import { link, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { randomBytes } from "node:crypto";

/** Suffix of every temporary file the store writes; files ending in it are never read as entries. */
export const TEMPORARY_SUFFIX = ".tmp";

/** Returns a fresh temporary file path next to `path`, hidden and unique to this call. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}${TEMPORARY_SUFFIX}`);
}

/**
 * Replaces the file at `path` with `data`, so a crash at any moment leaves
 * either the old or the new file. It writes a temporary file in the same
 * directory, fsyncs it and renames it over `path`. Then it fsyncs the
 * directory, which puts the rename itself on disk.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temporaryPath = await writeTemporaryFile(path, data);

  try {
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }

  await syncDirectory(dirname(path));
}

/**
 * Writes `data` to `path` only if no file exists there yet, with the same
 * durability as writeFileAtomic. link(2) fails with EEXIST instead of
 * replacing, so of two processes creating the same file exactly one wins and
 * the other gets an error whose `code` is "EEXIST".
 */
export async function createFileExclusive(path: string, data: string): Promise<void> {
  const temporaryPath = await writeTemporaryFile(path, data);

  try {
    await link(temporaryPath, path);
  } finally {
    await rm(temporaryPath, { force: true });
  }

  await syncDirectory(dirname(path));
}

async function writeTemporaryFile(path: string, data: string): Promise<string> {
  const temporaryPath = temporaryPathFor(path);
  const handle = await open(temporaryPath, "wx", 0o600);

  try {
    await handle.writeFile(data, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporaryPath, { force: true });
    throw error;
  }

  await handle.close();
  return temporaryPath;
}

/** Flushes a directory's entries (new, renamed and removed files) to disk. */
export async function syncDirectory(path: string): Promise<void> {
  // NOTE: Node cannot open a directory for fsync on Windows, so there the
  // rename is durable only once the file system flushes it on its own.
  if (process.platform === "win32") return;

  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
