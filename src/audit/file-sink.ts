import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { KeyStateError } from "../errors.js";
import { AuditFileLock } from "./file-lock.js";
import type { AuditEntry, AuditSink } from "./types.js";

/** An append-only JSON Lines file sink (Node and Deno). */
export interface FileSink extends AuditSink {
  readonly path: string;
  append(chain: (last: AuditEntry | undefined) => readonly AuditEntry[]): Promise<void>;
  read(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export interface FileSinkOptions {
  /** Id of the log (see AuditSink.id); default "file:" and the absolute path. */
  id?: string;
  /**
   * When a batch counts as written. "fsync" (default): flushed to the disk
   * with fdatasync before the operations it audits resolve, so it survives a
   * power loss. "write": handed to the operating system with write(2) before
   * they resolve, and flushed every `fsyncIntervalMs` and on close(), so it
   * survives a crash of the process but not of the machine. A batch with a
   * checkpoint is flushed at once in both modes.
   */
  durability?: "fsync" | "write";
  /** With durability "write": milliseconds between flushes; default 1000. */
  fsyncIntervalMs?: number;
}

/**
 * Parses a JSON Lines audit log. A line that is not a JSON object becomes
 * `null` in its place, which verifyEntries reports as a broken entry.
 */
export function parseJsonLines(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];

  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;

    let value: unknown = null;
    try {
      value = JSON.parse(line);
    } catch {
      // Left as null: see above.
    }

    entries.push((typeof value === "object" && !Array.isArray(value) ? value : null) as AuditEntry);
  }

  return entries;
}

/**
 * Creates a sink that appends each batch as JSON Lines to `path`. The file is
 * opened with the "a+" flag, so every write goes to the end and nothing
 * already written is overwritten. With the default durability "fsync", each
 * batch is flushed with fdatasync before write() or append() resolves (see
 * FileSinkOptions.durability). The file is created when missing and opened
 * on the first write. Its id (see AuditSink.id) defaults to "file:" and the
 * absolute path.
 *
 * Every batch is appended under an exclusive lock, the file `<path>.lock`,
 * so several processes (and several logs in one process) may share the file:
 * append() reads the last entry under the lock and the batch continues the
 * chain from it. A failed write truncates the file back to its size before
 * the batch, so a retry does not leave half a line.
 */
export function fileSink(path: string, options: FileSinkOptions = {}): FileSink {
  const durability = options.durability ?? "fsync";
  if (durability !== "fsync" && durability !== "write") {
    throw new KeyStateError("INVALID_ARGUMENT", `file sink durability must be "fsync" or "write", got ${JSON.stringify(durability)}`);
  }

  const fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
  if (!Number.isSafeInteger(fsyncIntervalMs) || fsyncIntervalMs < 1) {
    throw new KeyStateError("INVALID_ARGUMENT", `file sink fsyncIntervalMs must be an integer of at least 1, got ${fsyncIntervalMs}`);
  }

  const lockPath = `${path}.lock`;
  let fd: number | undefined;
  /** File size after this sink's last append, or -1 when unknown. */
  let size = -1;
  /** The file's last entry when its size is `size`. */
  let last: AuditEntry | undefined;
  /** Serializes this sink's appends, so they queue here instead of polling the lock file. */
  let queue: Promise<unknown> = Promise.resolve();
  /** With durability "write": the pending flush, and the error of a failed one, which the next append throws. */
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushError: unknown;

  async function appendLocked(build: (last: AuditEntry | undefined) => readonly AuditEntry[]): Promise<void> {
    if (flushError !== undefined) {
      const error = flushError;
      flushError = undefined;
      throw new KeyStateError("AUDIT_FAILED", `flushing ${path} to disk failed (${(error as Error).message}); entries written since the last flush may be lost`, { cause: error });
    }

    const lock = await AuditFileLock.acquire(lockPath);

    try {
      fd ??= openSync(path, "a+", 0o600);
      const before = fstatSync(fd).size;

      // Another writer appended (or the file changed) since this sink's last append.
      if (before !== size) last = readLastEntry(fd, before);
      size = before;

      const batch = build(last);
      if (batch.length === 0) return;

      let text = "";
      for (const entry of batch) text += `${JSON.stringify(entry)}\n`;
      const bytes = Buffer.from(text, "utf8");

      try {
        writeAll(fd, bytes);
        // A checkpoint is flushed at once even with durability "write": the
        // store records it, and verify() then requires the file to reach it.
        if (durability === "fsync" || batch.some((entry) => entry.signature !== undefined)) {
          await flush(fd);
        } else {
          scheduleFlush();
        }
      } catch (error) {
        truncateTo(fd, before);
        throw error;
      }

      size = before + bytes.length;
      last = { ...batch.at(-1)! };
    } finally {
      lock.release();
    }
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined) return;

    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      if (fd !== undefined) flush(fd).catch((error: unknown) => (flushError = error));
    }, fsyncIntervalMs);
    // Node: a pending flush must not keep the process alive; close() flushes.
    (flushTimer as { unref?: () => void }).unref?.();
  }

  function truncateTo(handle: number, length: number): void {
    try {
      ftruncateSync(handle, length);
    } catch {
      // NOTE: a partial line stays behind, and verify() reports it as a
      // broken entry. The next append reads the tail again.
      size = -1;
    }
  }

  function serialized(build: (last: AuditEntry | undefined) => readonly AuditEntry[]): Promise<void> {
    const result = queue.then(() => appendLocked(build));
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    path,
    id: options.id ?? `file:${resolve(path)}`,

    write(batch) {
      if (batch.length === 0) return Promise.resolve();
      return serialized(() => batch);
    },

    append(chain) {
      return serialized(chain);
    },

    async read() {
      let text: string;

      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }

      return parseJsonLines(text);
    },

    async close() {
      await queue;
      clearTimeout(flushTimer);
      flushTimer = undefined;
      if (fd === undefined) return;

      const handle = fd;
      fd = undefined;
      size = -1;
      try {
        if (durability === "write") await flush(handle);
      } finally {
        closeSync(handle);
      }
    },
  };
}

// fdatasync suffices for an append: it also flushes the new file size.
function flush(fd: number): Promise<void> {
  return new Promise((done, fail) => fdatasync(fd, (error) => (error === null ? done() : fail(error))));
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

// Bytes read at a time when looking for the last line.
const TAIL_CHUNK = 16 * 1024;

/**
 * Returns the last line of the file that parses as an entry, reading
 * backwards from `size`, or undefined when none does. A garbled last line (a
 * crash mid-write, an edit) is skipped like AuditLog.open skips it; verify()
 * reports it.
 */
function readLastEntry(fd: number, size: number): AuditEntry | undefined {
  let position = size;
  // Bytes from `position` up to the end of the lines not yet examined.
  let buffer = Buffer.alloc(0);

  for (;;) {
    let lineEnd = buffer.length;

    while (lineEnd > 0) {
      const newline = buffer.lastIndexOf(0x0a, lineEnd - 1);
      // The line may begin before `position`: read more first.
      if (newline === -1 && position > 0) break;

      const entry = parseEntry(buffer.subarray(newline + 1, lineEnd).toString("utf8"));
      if (entry !== undefined) return entry;
      lineEnd = newline === -1 ? 0 : newline;
    }

    if (position === 0) return undefined;

    const length = Math.min(position, TAIL_CHUNK);
    position -= length;
    const chunk = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const count = readSync(fd, chunk, read, length - read, position + read);
      if (count === 0) break;
      read += count;
    }
    buffer = Buffer.concat([chunk, buffer.subarray(0, lineEnd)]);
  }
}

function parseEntry(line: string): AuditEntry | undefined {
  if (line.trim() === "") return undefined;

  try {
    const value = JSON.parse(line) as Partial<AuditEntry> | null;
    if (typeof value === "object" && value !== null && typeof value.seq === "number" && typeof value.hash === "string") return value as AuditEntry;
  } catch {
    // Not an entry: the caller looks at the line before.
  }
  return undefined;
}

/** The audit log's file inside a store directory, JSON Lines. */
export const STORE_AUDIT_FILE = "audit.jsonl";

/**
 * Creates the sink of a store's audit log, audit.jsonl in `directory`. Its
 * id is the file name alone, so it stays the same when the directory moves.
 */
export function storeAuditSink(directory: string): FileSink {
  return fileSink(resolve(directory, STORE_AUDIT_FILE), { id: STORE_AUDIT_FILE });
}
