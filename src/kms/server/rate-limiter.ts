/** Requests each principal may send: a token bucket. */
export interface RateLimit {
  /** Sustained requests per second. Default 200. */
  requestsPerSecond?: number;
  /** Requests allowed in one burst above the sustained rate. Default 400. */
  burst?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A token bucket per principal, kept in this process. */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit = {}) {
    this.#rate = limit.requestsPerSecond ?? 200;
    this.#burst = limit.burst ?? 400;
  }

  /** Takes one request from the principal's bucket. Returns 0 when allowed, else the seconds to wait. */
  take(principal: string, now = Date.now()): number {
    const bucket = this.#buckets.get(principal) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate);
    bucket.updatedAt = now;
    this.#buckets.set(principal, bucket);

    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }
}
