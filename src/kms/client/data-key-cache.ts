import { KeyStateError } from "../../errors.js";

/**
 * Limits of the data-key cache. A cached data key is used again until any
 * limit is reached, then wiped and replaced by a new one from the proxy.
 */
export interface DataKeyCacheLimits {
  /** Age of a data key after which it is no longer used, in milliseconds. Default 60000. */
  maxAgeMs?: number;
  /** Messages one data key encrypts at most. Default 1000. */
  maxMessages?: number;
  /** Plaintext bytes one data key encrypts at most. Default 2^30 (1 GiB). */
  maxBytes?: number;
  /** Entries kept at most; the oldest goes first. Default 100. */
  maxEntries?: number;
}

interface Entry<T> {
  value: T;
  secret: Uint8Array;
  createdAt: number;
  messages: number;
  bytes: number;
}

/**
 * Plaintext data keys held in memory between calls, with limits on age,
 * message count and bytes. Secrets are wiped when an entry leaves the cache;
 * callers receive copies, so wiping a copy does not harm the cache.
 */
export class DataKeyCache<T> {
  readonly #maxAgeMs: number;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry<T>>();

  /** Throws INVALID_ARGUMENT for a limit that is not a positive number. */
  constructor(limits: DataKeyCacheLimits = {}) {
    this.#maxAgeMs = positive(limits.maxAgeMs ?? 60_000, "maxAgeMs");
    this.#maxMessages = positive(limits.maxMessages ?? 1000, "maxMessages");
    this.#maxBytes = positive(limits.maxBytes ?? 2 ** 30, "maxBytes");
    this.#maxEntries = positive(limits.maxEntries ?? 100, "maxEntries");
  }

  /**
   * Returns the cached value for `key` and counts one message of `bytes`
   * against it, or undefined when there is none or it would exceed a limit.
   */
  use(key: string, bytes: number, now = Date.now()): { value: T; secret: Uint8Array } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;

    const expired = now - entry.createdAt >= this.#maxAgeMs;
    const full = entry.messages + 1 > this.#maxMessages || entry.bytes + bytes > this.#maxBytes;
    if (expired || full) {
      this.#delete(key);
      return undefined;
    }

    entry.messages++;
    entry.bytes += bytes;
    return { value: entry.value, secret: entry.secret.slice() };
  }

  /** Stores a copy of `secret` under `key`, counting the message that fetched it. */
  put(key: string, value: T, secret: Uint8Array, bytes: number, now = Date.now()): void {
    this.#delete(key);
    if (bytes > this.#maxBytes) return;

    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#delete(oldest);
    }
    this.#entries.set(key, { value, secret: secret.slice(), createdAt: now, messages: 1, bytes });
  }

  /** Wipes and drops every entry. */
  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.secret.fill(0);
    this.#entries.delete(key);
  }
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0)) {
    throw new KeyStateError("INVALID_ARGUMENT", `dataKeyCache.${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
