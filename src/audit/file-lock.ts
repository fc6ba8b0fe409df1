import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import process from "node:process";
import { errorCode, localHostname, removeIfAbandoned, type LockTiming } from "../backends/file/write-lock.js";
import { KeyStateError } from "../errors.js";

/**
 * Timing of the audit file lock. A writer holds it for one append and one
 * fsync, milliseconds on a working disk, so a lock older than 30 s is
 * treated as abandoned even when its owner process seems alive.
 */
export const AUDIT_LOCK_TIMING: LockTiming = { timeoutMs: 10_000, staleAfterMs: 30_000 };

// Lock tokens: a random per-process prefix and a counter, because a fresh
// random value per acquire would cost a call into the CSPRNG on every batch.
const tokenPrefix = randomBytes(8).toString("hex");
let tokenCounter = 0;

/**
 * An exclusive lock on one audit log file, held as the file `<log>.lock`.
 * The lock file is created with O_EXCL, so at most one process holds it, and
 * it names its owner like the FileStore's write lock (pid, host, time,
 * token), so an abandoned one is removed the same way. It is written without
 * fsync: it only has to exclude live processes, and after a power loss an
 * empty lock file counts as abandoned once it is older than staleAfterMs.
 * Acquire and release use synchronous system calls, which take microseconds
 * on a local disk, so an uncontended lock costs no trip to the thread pool.
 */
export class AuditFileLock {
  private constructor(
    private readonly path: string,
    private readonly token: string,
  ) {}

  /**
   * Waits for and takes the lock at `path`. Throws STORE_LOCKED when another
   * live writer keeps it for longer than `timing.timeoutMs`.
   */
  static async acquire(path: string, timing: LockTiming = AUDIT_LOCK_TIMING): Promise<AuditFileLock> {
    const deadline = Date.now() + timing.timeoutMs;
    let delayMs = 1;

    for (;;) {
      const lock = AuditFileLock.tryAcquire(path);
      if (lock !== undefined) return lock;

      await removeIfAbandoned(path, timing);
      if (Date.now() >= deadline) {
        throw new KeyStateError(
          "STORE_LOCKED",
          `the audit log lock ${path} is held by another writer for more than ${timing.timeoutMs} ms; try again, or delete the lock file if no process writes the log`,
        );
      }

      // Random jitter keeps two waiting processes from polling in step.
      await new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * delayMs));
      delayMs = Math.min(delayMs * 2, 20);
    }
  }

  /** Takes the lock if it is free, or returns undefined. */
  static tryAcquire(path: string): AuditFileLock | undefined {
    const token = `${tokenPrefix}-${tokenCounter++}`;
    const owner = JSON.stringify({ pid: process.pid, hostname: localHostname(), createdAt: Date.now(), token });

    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (error) {
      if (errorCode(error) === "EEXIST") return undefined;
      throw error;
    }

    try {
      writeSync(fd, owner);
    } catch (error) {
      unlinkSync(path);
      throw error;
    } finally {
      closeSync(fd);
    }

    return new AuditFileLock(path, token);
  }

  /** Removes the lock file if it is still this holder's (another process may have taken it over as abandoned). */
  release(): void {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }

    if (text.includes(`"token":"${this.token}"`)) unlinkSync(this.path);
  }
}
