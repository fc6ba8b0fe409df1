import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

import { KeyStateError } from "../../errors.js";
import { canonicalRequest, SIGNATURE_HEADERS, signCanonical } from "../protocol.js";

export interface RequestSigningLimits {
  /** Largest difference between a request's timestamp and the proxy's clock, in milliseconds. Default 300000 (5 minutes). */
  maxClockSkewMs?: number;
  /** Nonces remembered at most; a request that would exceed it is rejected with RATE_LIMITED. Default 100000. */
  maxNonces?: number;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^[0-9]{1,16}$/;

/**
 * Checks HMAC-SHA256 request signatures and rejects stale timestamps and
 * replayed nonces. Nonces are remembered for twice the allowed skew, so a
 * replay within its validity window is always seen.
 * NOTE: nonces live in this process only. Proxies that share a token do not
 * see each other's nonces, so a signed request replayed to another instance
 * within the skew window is accepted there.
 */
export class RequestVerifier {
  readonly #maxSkewMs: number;
  readonly #maxNonces: number;
  readonly #nonces = new Map<string, number>();

  constructor(limits: RequestSigningLimits = {}) {
    this.#maxSkewMs = limits.maxClockSkewMs ?? 300_000;
    this.#maxNonces = limits.maxNonces ?? 100_000;
  }

  /** Throws UNAUTHENTICATED for a missing, stale, replayed or wrong signature. */
  async verify(
    secret: Uint8Array,
    principal: string,
    method: string,
    pathWithQuery: string,
    headers: IncomingHttpHeaders,
    body: Uint8Array,
    now = Date.now(),
  ): Promise<void> {
    const timestamp = headerOf(headers, SIGNATURE_HEADERS.timestamp);
    const nonce = headerOf(headers, SIGNATURE_HEADERS.nonce);
    const signature = headerOf(headers, SIGNATURE_HEADERS.signature);
    if (timestamp === undefined || nonce === undefined || signature === undefined) {
      throw unauthenticated(`principal "${principal}" must sign its requests: send ${Object.values(SIGNATURE_HEADERS).join(", ")}`);
    }
    if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce)) {
      throw unauthenticated(`${SIGNATURE_HEADERS.timestamp} must be milliseconds since the Unix epoch and ${SIGNATURE_HEADERS.nonce} 16 to 64 base64url characters`);
    }
    if (Math.abs(now - Number(timestamp)) > this.#maxSkewMs) {
      throw unauthenticated(`the request timestamp is more than ${this.#maxSkewMs} ms away from the proxy's clock; sign with a fresh timestamp and check the client's clock`);
    }

    const expected = await signCanonical(secret, await canonicalRequest(method, pathWithQuery, timestamp, nonce, body));
    const received = Buffer.from(signature);
    if (received.length !== expected.length || !timingSafeEqual(received, Buffer.from(expected))) {
      throw unauthenticated("the request signature is invalid; sign with the secret issued to this principal");
    }

    // Remember the nonce only once the signature holds, so unsigned noise cannot fill the table.
    const key = `${principal}\u0000${nonce}`;
    this.#prune(now);
    if (this.#nonces.has(key)) throw unauthenticated("the request nonce was already used; sign every request with a new nonce");
    if (this.#nonces.size >= this.#maxNonces) {
      throw new KeyStateError("RATE_LIMITED", "too many signed requests within the clock-skew window; retry later");
    }
    this.#nonces.set(key, now + 2 * this.#maxSkewMs);
  }

  #prune(now: number): void {
    // Entries are inserted in time order with equal lifetimes, so the oldest come first.
    for (const [key, expiresAt] of this.#nonces) {
      if (expiresAt > now) break;
      this.#nonces.delete(key);
    }
  }
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}

function unauthenticated(message: string): KeyStateError {
  return new KeyStateError("UNAUTHENTICATED", message);
}
