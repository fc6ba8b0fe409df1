import { link, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import process from "node:process";
import { randomBytes } from "node:crypto";
import { KeyStateError } from "../../errors.js";
import { createFileExclusive } from "./atomic-write.js";

/** How long to wait for a lock and when to treat one as abandoned. */
export interface LockTiming {
  /** Milliseconds to wait for another writer before STORE_LOCKED. */
  timeoutMs: number;
  /**
   * Milliseconds after which a lock counts as abandoned even when its owner
   * process seems alive: the owner's pid may have been reused, or it runs on
   * another host. A writer holds the lock for one read-check-write only.
   */
  staleAfterMs: number;
}

export const DEFAULT_LOCK_TIMING: LockTiming = { timeoutMs: 10_000, staleAfterMs: 60_000 };

/** Contents of the lock file. */
interface LockOwner {
  pid: number;
  hostname: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  /** Random value that distinguishes this holder's lock from a later one at the same path. */
  token: string;
}

/**
 * A store-wide write lock: a file created with link(2), which fails when the
 * file exists, so at most one process holds it. The file names its owner's
 * pid and host. A lock whose owner process on this host has exited, or that
 * is older than `staleAfterMs`, is removed and taken over.
 */
export class WriteLock {
  private constructor(
    private readonly path: string,
    private readonly token: string,
  ) {}

  /**
   * Waits for and takes the lock at `path`.
   * Throws STORE_LOCKED when another live writer keeps it for longer than `timing.timeoutMs`.
   */
  static async acquire(path: string, timing: LockTiming = DEFAULT_LOCK_TIMING): Promise<WriteLock> {
    const deadline = Date.now() + timing.timeoutMs;
    let delayMs = 2;

    for (;;) {
      const lock = await WriteLock.tryAcquire(path, timing);
      if (lock !== undefined) return lock;

      if (Date.now() >= deadline) {
        const owner = await readOwner(path);
        const holder = owner === undefined ? "another writer" : `process ${owner.pid} on ${owner.hostname}`;
        throw new KeyStateError(
          "STORE_LOCKED",
          `The store is locked by ${holder} (lock file ${path}); try again, or delete the lock file if no process uses the store`,
        );
      }

      // Random jitter keeps two waiting processes from polling in step.
      await sleep(delayMs + Math.random() * delayMs);
      delayMs = Math.min(delayMs * 2, 50);
    }
  }

  /**
   * Takes the lock if it is free, or returns undefined. An abandoned lock is
   * removed on the way, so the next attempt can take it.
   */
  static async tryAcquire(path: string, timing: LockTiming = DEFAULT_LOCK_TIMING): Promise<WriteLock | undefined> {
    const owner: LockOwner = {
      pid: process.pid,
      hostname: localHostname(),
      createdAt: Date.now(),
      token: randomBytes(16).toString("hex"),
    };

    try {
      await createFileExclusive(path, JSON.stringify(owner));
      return new WriteLock(path, owner.token);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }

    await removeIfAbandoned(path, timing);
    return undefined;
  }

  /**
   * Checks that this lock is still in place, just before a write commits.
   * Throws CONFLICT when another process has taken it over as abandoned, so
   * the caller writes nothing and retries.
   */
  async assertHeld(): Promise<void> {
    const owner = await readOwner(this.path);
    if (owner?.token === this.token) return;

    throw new KeyStateError(
      "CONFLICT",
      `Another process took over the store's write lock (${this.path}) as abandoned; nothing was written, read again and retry`,
    );
  }

  /** Removes the lock file if it is still this holder's. */
  async release(): Promise<void> {
    const owner = await readOwner(this.path);
    if (owner?.token === this.token) await rm(this.path, { force: true });
  }
}

export async function removeIfAbandoned(path: string, timing: LockTiming): Promise<void> {
  let before;
  try {
    before = await stat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }

  const owner = await readOwner(path);
  if (!isAbandoned(owner, before.mtimeMs, timing)) return;

  // Move the lock aside before deleting it. If another process replaced the
  // abandoned lock with its own in the meantime, the file moved aside is that
  // live lock (a different inode): put it back with link(2), which fails
  // rather than overwrite a third process's lock.
  const asidePath = `${path}.${randomBytes(8).toString("hex")}.stale`;
  try {
    await rename(path, asidePath);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }

  const moved = await stat(asidePath);
  if (moved.ino !== before.ino || moved.dev !== before.dev) {
    await link(asidePath, path).catch(() => undefined);
  }

  await rm(asidePath, { force: true });
}

function isAbandoned(owner: LockOwner | undefined, modifiedAtMs: number, timing: LockTiming): boolean {
  // A lock file is complete from the moment it appears (createFileExclusive),
  // so an unreadable one is damaged; it counts as abandoned once old enough.
  if (owner === undefined) return Date.now() - modifiedAtMs > timing.staleAfterMs;

  if (Date.now() - owner.createdAt > timing.staleAfterMs) return true;
  return owner.hostname === localHostname() && !isProcessAlive(owner.pid);
}

let cachedHostname: string | undefined;

export function localHostname(): string {
  if (cachedHostname !== undefined) return cachedHostname;

  try {
    cachedHostname = hostname();
  } catch {
    // NOTE: Deno without --allow-sys refuses os.hostname(). Every such
    // process then writes this placeholder and treats the other's locks as
    // local, so stores shared between hosts need the permission.
    cachedHostname = "unknown-host";
  }
  return cachedHostname;
}

function isProcessAlive(pid: number): boolean {
  try {
    // Signal 0 checks that the process exists without signalling it.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // Only ESRCH proves that no such process exists. EPERM means it belongs
    // to another user, and Deno without --allow-run rejects the call, so in
    // both cases the lock waits for staleAfterMs instead.
    return errorCode(error) !== "ESRCH";
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }

  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof owner.pid === "number" &&
      typeof owner.hostname === "string" &&
      typeof owner.createdAt === "number" &&
      typeof owner.token === "string"
    ) {
      return owner as LockOwner;
    }
  } catch {
    // Fall through: a damaged lock file has no owner.
  }
  return undefined;
}

/** Returns the Node.js error code ("ENOENT", "EEXIST" ...) of a file system error. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
