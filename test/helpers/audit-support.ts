// Helpers for the audit tests: an Ed25519 independent of the core's to
// check checkpoint signatures with, a clock and timers the test drives, and
// independent SHA-256 and canonical JSON to check the chain against.
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import type { Ed25519 } from "../../src/audit/ed25519.js";
import type { AuditTimers } from "../../src/audit/log.js";

/** noble-curves' Ed25519 in the shape the audit log takes. */
export const independentEd25519: Ed25519 = {
  getPublicKey: (seed) => nobleEd25519.getPublicKey(seed),
  sign: (seed, message) => nobleEd25519.sign(message, seed),
  verify: (publicKey, message, signature) => nobleEd25519.verify(signature, message, publicKey),
};

/** A clock and timers that move only when the test calls advance(). */
export class FakeTime implements AuditTimers {
  now: number;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.now = start;
  }

  readonly clock = (): number => this.now;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves the clock forward and runs the timers that fall due, in order. */
  advance(ms: number): void {
    const end = this.now + ms;

    for (;;) {
      const due = [...this.#timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;

      this.#timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].callback();
    }

    this.now = end;
  }
}

/** Canonical JSON written independently of src/audit/canonical.ts: sorted keys, no whitespace. */
export function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(",")}]`;

  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${referenceCanonical(record[key])}`).join(",")}}`;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** SHA-256 through WebCrypto, which the code under test does not use. */
export async function webCryptoSha256(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** HMAC-SHA256 through WebCrypto. */
export async function webCryptoHmac(key: Uint8Array<ArrayBuffer>, text: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(text)));
}

/** Lets queued microtasks and background writes run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Checks `entries` as one chain without the library's code: seq from 0
 * without gaps, each prev the SHA-256 before it, each hash the SHA-256 of the
 * reference canonical encoding, and each checkpoint signed under `publicKey`
 * (noble-curves). Returns a description of the first problem, or "ok".
 */
export async function checkChainIndependently(entries: readonly object[], publicKey: Uint8Array): Promise<string> {
  let prev = "0".repeat(64);

  for (const [index, entry] of entries.entries()) {
    const { hash, signature, ...body } = entry as Record<string, unknown>;
    if (body.seq !== index) return `entry ${index} has seq ${String(body.seq)}`;
    if (body.prev !== prev) return `entry ${index} has prev ${String(body.prev)}, expected ${prev}`;
    if (hash !== (await webCryptoSha256(referenceCanonical(body)))) return `entry ${index} has a wrong hash`;

    if (body.operation === "checkpoint") {
      const message = new TextEncoder().encode(`keystate-audit-checkpoint-v1:${String(hash)}`);
      if (typeof signature !== "string" || !independentEd25519.verify(publicKey, message, fromHex(signature))) return `checkpoint ${index} has a bad signature`;
    }

    prev = hash as string;
  }

  return "ok";
}
