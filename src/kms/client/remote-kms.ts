import { assertBytes } from "../../core/bytes.js";
import { KeyStateError, type KeyStateErrorCode } from "../../errors.js";
import { decodeBase64Url, encodeBase64Url } from "../../format/base64url.js";
import { encodeContext, validateContext, type EncryptionContext } from "../../format/context.js";
import { assertKeyName } from "../../keys/names.js";
import {
  canonicalRequest,
  REQUEST_ID_HEADER,
  SIGNATURE_HEADERS,
  signCanonical,
  type KmsAlgorithm,
  type KmsErrorBody,
  type KmsKeyInfo,
} from "../protocol.js";
import { DataKeyCache, type DataKeyCacheLimits } from "./data-key-cache.js";

export interface RemoteKmsOptions {
  /** Base URL of the proxy, e.g. "https://kms.example.com". */
  url: string;
  /** The bearer token issued to this principal. */
  token: string;
  /** The base64url request-signing secret, when the proxy requires signed requests for this principal. */
  signingSecret?: string;
  /** Time allowed for one attempt, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Further attempts of idempotent calls after KMS_UNAVAILABLE or RATE_LIMITED. Default 2. */
  retries?: number;
  /** First backoff delay, in milliseconds; doubles with each retry, with random jitter. Default 100. */
  retryBaseDelayMs?: number;
  /** Caches plaintext data keys from generateDataKey and unwrap within these limits. Default off. */
  dataKeyCache?: DataKeyCacheLimits;
  /** The fetch to use. Default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** A data key in clear and wrapped under a master key. Wipe `plaintext` when done. */
export interface DataKey {
  keyName: string;
  keyVersion: number;
  /** The master key version's random 32-bit id, which the wrapped key also carries. */
  keyId: number;
  plaintext: Uint8Array;
  wrappedKey: Uint8Array;
}

export interface RemoteSignature {
  keyName: string;
  keyVersion: number;
  /** The key name, a colon and the version id as 8 hex digits, for a JWS header. */
  kid: string;
  algorithm: KmsAlgorithm;
  /** Ed25519: 64 bytes. ECDSA P-256: r || s, 64 bytes. */
  signature: Uint8Array;
}

export interface RemotePublicKey {
  keyName: string;
  keyVersion: number;
  kid: string;
  algorithm: KmsAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  jwk: JsonWebKey & { kid: string };
}

const CODES: readonly KeyStateErrorCode[] = [
  "INVALID_ARGUMENT",
  "UNSUPPORTED_ALGORITHM",
  "UNSUPPORTED_FORMAT",
  "WRONG_PURPOSE",
  "DECRYPT_FAILED",
  "UNAUTHENTICATED",
  "POLICY_DENIED",
  "KEY_NOT_FOUND",
  "KEY_EXISTS",
  "KEY_DISABLED",
  "KEY_DESTROYED",
  "CONFLICT",
  "REQUEST_TOO_LARGE",
  "RATE_LIMITED",
];

const CODE_BY_STATUS: Record<number, KeyStateErrorCode> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "POLICY_DENIED",
  404: "KEY_NOT_FOUND",
  409: "CONFLICT",
  413: "REQUEST_TOO_LARGE",
  429: "RATE_LIMITED",
};

const MAX_RETRY_DELAY_MS = 5000;

interface CallOptions {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  /** Retried after KMS_UNAVAILABLE or RATE_LIMITED only when true. */
  idempotent: boolean;
}

/**
 * A client of the KMS proxy, built on `fetch` alone, so it runs in browsers,
 * workers, edge runtimes and Node. Master keys stay in the proxy: the client
 * receives data keys, wrapped keys, signatures and public keys.
 *
 * Errors: KMS_UNAVAILABLE for a network failure, a timeout or a 5xx response;
 * the proxy's code for a 4xx response (INVALID_ARGUMENT, UNAUTHENTICATED,
 * POLICY_DENIED, KEY_NOT_FOUND, DECRYPT_FAILED, REQUEST_TOO_LARGE,
 * RATE_LIMITED ...). Idempotent calls (unwrap, sign, reads) are retried with
 * exponential backoff and jitter; wrap, generateDataKey, createKey and
 * rotateKey are not, because each attempt would act again.
 */
export class RemoteKms {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #signingSecret: Uint8Array | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryBaseDelayMs: number;
  readonly #fetch: typeof fetch;
  readonly #dataKeys: DataKeyCache<{ keyName: string; keyVersion: number; wrappedKey: Uint8Array }> | undefined;
  readonly #unwrapped: DataKeyCache<{ keyName: string; keyVersion: number }> | undefined;

  /** Throws INVALID_ARGUMENT for a malformed URL, token, secret or limit. */
  constructor(options: RemoteKmsOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new KeyStateError("INVALID_ARGUMENT", `url must be an absolute http or https URL, got ${JSON.stringify(String(options.url).slice(0, 80))}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new KeyStateError("INVALID_ARGUMENT", `url must use http or https, got ${url.protocol}`);
    }
    if (typeof options.token !== "string" || !/^[\x21-\x7e]+$/.test(options.token)) {
      throw new KeyStateError("INVALID_ARGUMENT", "token must be the non-empty bearer token issued to this principal");
    }

    this.#baseUrl = url.href.replace(/\/+$/, "");
    this.#token = options.token;
    this.#signingSecret = options.signingSecret === undefined ? undefined : decodeBase64Url(options.signingSecret, "signingSecret");
    this.#timeoutMs = nonNegative(options.timeoutMs ?? 10_000, "timeoutMs");
    this.#retries = nonNegative(options.retries ?? 2, "retries");
    this.#retryBaseDelayMs = nonNegative(options.retryBaseDelayMs ?? 100, "retryBaseDelayMs");
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if (options.dataKeyCache !== undefined) {
      this.#dataKeys = new DataKeyCache(options.dataKeyCache);
      this.#unwrapped = new DataKeyCache(options.dataKeyCache);
    }
  }

  /**
   * Returns a data key for encrypting `bytes` bytes of plaintext under master
   * key `keyName`. With a data-key cache, a cached key for the same master
   * key and context is returned while within the limits. Not retried.
   */
  async generateDataKey(keyName: string, options: { context?: EncryptionContext; bytes?: number; length?: 16 | 32 } = {}): Promise<DataKey> {
    assertKeyName(keyName, "keyName");
    const context = validateContext(options.context);
    const bytes = options.bytes ?? 0;
    const cacheKey = `${keyName}\u0000${options.length ?? 32}\u0000${encodeBase64Url(encodeContext(context))}`;

    const cached = this.#dataKeys?.use(cacheKey, bytes);
    if (cached !== undefined) {
      const wrappedKey = cached.value.wrappedKey.slice();
      return { ...cached.value, keyId: versionIdOf(wrappedKey), wrappedKey, plaintext: cached.secret };
    }

    const body = await this.#call<{ keyName: string; keyVersion: number; plaintext: string; wrappedKey: string }>({
      method: "POST",
      path: `/v1/keys/${encodeURIComponent(keyName)}/generate-data-key`,
      body: { context, length: options.length },
      idempotent: false,
    });

    const wrappedKey = decodeBase64Url(body.wrappedKey, "wrappedKey");
    const dataKey: DataKey = {
      keyName: body.keyName,
      keyVersion: body.keyVersion,
      keyId: versionIdOf(wrappedKey),
      plaintext: decodeBase64Url(body.plaintext, "plaintext"),
      wrappedKey,
    };
    this.#dataKeys?.put(cacheKey, { keyName: dataKey.keyName, keyVersion: dataKey.keyVersion, wrappedKey: dataKey.wrappedKey.slice() }, dataKey.plaintext, bytes);
    return dataKey;
  }

  /** Wraps `plaintext` (1 to 4096 bytes) under the primary version of `keyName`. Not retried. */
  async wrap(keyName: string, plaintext: Uint8Array, options: { context?: EncryptionContext } = {}): Promise<{ keyName: string; keyVersion: number; wrappedKey: Uint8Array }> {
    assertKeyName(keyName, "keyName");
    assertBytes(plaintext, "plaintext");
    const context = validateContext(options.context);

    const body = await this.#call<{ keyName: string; keyVersion: number; wrappedKey: string }>({
      method: "POST",
      path: `/v1/keys/${encodeURIComponent(keyName)}/wrap`,
      body: { plaintext: encodeBase64Url(plaintext), context },
      idempotent: false,
    });
    return { keyName: body.keyName, keyVersion: body.keyVersion, wrappedKey: decodeBase64Url(body.wrappedKey, "wrappedKey") };
  }

  /**
   * Unwraps a key that wrap or generateDataKey returned, with the same
   * context. Throws DECRYPT_FAILED when the wrapped key or context does not match.
   */
  async unwrap(wrappedKey: Uint8Array, options: { context?: EncryptionContext } = {}): Promise<{ keyName: string; keyVersion: number; plaintext: Uint8Array }> {
    assertBytes(wrappedKey, "wrappedKey");
    const context = validateContext(options.context);
    const wrappedText = encodeBase64Url(wrappedKey);
    const cacheKey = `${wrappedText}\u0000${encodeBase64Url(encodeContext(context))}`;

    const cached = this.#unwrapped?.use(cacheKey, 0);
    if (cached !== undefined) return { ...cached.value, plaintext: cached.secret };

    const body = await this.#call<{ keyName: string; keyVersion: number; plaintext: string }>({
      method: "POST",
      path: "/v1/unwrap",
      body: { wrappedKey: wrappedText, context },
      idempotent: true,
    });

    const plaintext = decodeBase64Url(body.plaintext, "plaintext");
    this.#unwrapped?.put(cacheKey, { keyName: body.keyName, keyVersion: body.keyVersion }, plaintext, 0);
    return { keyName: body.keyName, keyVersion: body.keyVersion, plaintext };
  }

  /** Signs `message` with the primary version of signing key `keyName`. */
  async sign(keyName: string, message: Uint8Array): Promise<RemoteSignature> {
    assertKeyName(keyName, "keyName");
    assertBytes(message, "message");

    const body = await this.#call<Omit<RemoteSignature, "signature"> & { signature: string }>({
      method: "POST",
      path: `/v1/keys/${encodeURIComponent(keyName)}/sign`,
      body: { message: encodeBase64Url(message) },
      idempotent: true,
    });
    return { ...body, signature: decodeBase64Url(body.signature, "signature") };
  }

  /** Returns the public key of a signing key's version (default: the primary). */
  async getPublicKey(keyName: string, options: { version?: number } = {}): Promise<RemotePublicKey> {
    assertKeyName(keyName, "keyName");
    const query = options.version === undefined ? "" : `?version=${encodeURIComponent(String(options.version))}`;

    const body = await this.#call<Omit<RemotePublicKey, "spki"> & { spki: string }>({
      method: "GET",
      path: `/v1/keys/${encodeURIComponent(keyName)}/public-key${query}`,
      idempotent: true,
    });
    return { ...body, spki: decodeBase64Url(body.spki, "spki") };
  }

  /** Lists the master keys this principal may use. */
  async listKeys(): Promise<KmsKeyInfo[]> {
    const body = await this.#call<{ keys: KmsKeyInfo[] }>({ method: "GET", path: "/v1/keys", idempotent: true });
    return body.keys;
  }

  /** Creates a master key in the proxy's backend; needs the admin operation. Not retried. */
  async createKey(name: string, algorithm: KmsAlgorithm): Promise<KmsKeyInfo> {
    assertKeyName(name);
    const body = await this.#call<{ key: KmsKeyInfo }>({ method: "POST", path: "/v1/keys", body: { name, algorithm }, idempotent: false });
    return body.key;
  }

  /** Adds a new primary version to a master key. Not retried. */
  async rotateKey(name: string): Promise<KmsKeyInfo> {
    assertKeyName(name);
    const body = await this.#call<{ key: KmsKeyInfo }>({ method: "POST", path: `/v1/keys/${encodeURIComponent(name)}/rotate`, body: {}, idempotent: false });
    return body.key;
  }

  /** Wipes and drops every cached data key. */
  clearCache(): void {
    this.#dataKeys?.clear();
    this.#unwrapped?.clear();
  }

  async #call<T>(call: CallOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt<T>(call);
      } catch (error) {
        const retryable = error instanceof KeyStateError && (error.code === "KMS_UNAVAILABLE" || error.code === "RATE_LIMITED");
        if (!call.idempotent || !retryable || attempt >= this.#retries) throw error;
        await sleep(this.#backoff(attempt, error));
      }
    }
  }

  async #attempt<T>(call: CallOptions): Promise<T> {
    const url = `${this.#baseUrl}${call.path}`;
    const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
    const bodyBytes = new TextEncoder().encode(bodyText ?? "");
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, [REQUEST_ID_HEADER]: randomId() };
    if (bodyText !== undefined) headers["content-type"] = "application/json";

    if (this.#signingSecret !== undefined) {
      const target = new URL(url);
      const timestamp = String(Date.now());
      const nonce = randomId();
      const canonical = await canonicalRequest(call.method, target.pathname + target.search, timestamp, nonce, bodyBytes);
      headers[SIGNATURE_HEADERS.timestamp] = timestamp;
      headers[SIGNATURE_HEADERS.nonce] = nonce;
      headers[SIGNATURE_HEADERS.signature] = await signCanonical(this.#signingSecret, canonical);
    }

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, { method: call.method, headers, body: bodyText, signal: AbortSignal.timeout(this.#timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw unavailable(call, error, this.#timeoutMs);
    }

    if (response.status >= 500) {
      throw new KeyStateError("KMS_UNAVAILABLE", `the KMS proxy responded to ${call.method} ${call.path} with HTTP ${response.status}; retry later`, {
        cause: parseErrorBody(text),
      });
    }

    if (!response.ok) {
      const error = parseErrorBody(text);
      const code = error !== undefined && CODES.includes(error.code) ? error.code : (CODE_BY_STATUS[response.status] ?? "INVALID_ARGUMENT");
      const message = error?.message ?? `the KMS proxy responded to ${call.method} ${call.path} with HTTP ${response.status}`;
      const failure = new KeyStateError(code, message);
      const retryAfter = Number(response.headers.get("retry-after"));
      if (code === "RATE_LIMITED" && retryAfter > 0) Object.assign(failure, { retryAfterMs: retryAfter * 1000 });
      throw failure;
    }

    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new KeyStateError("KMS_UNAVAILABLE", `the KMS proxy responded to ${call.method} ${call.path} with a body that is not JSON; check that url points to the proxy`, { cause: error });
    }
  }

  // Exponential backoff with "full jitter": a random delay up to the doubled
  // ceiling, so retrying clients spread out instead of arriving together.
  #backoff(attempt: number, error: KeyStateError): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.#retryBaseDelayMs * 2 ** attempt);
    const delay = Math.random() * ceiling;
    const retryAfterMs = (error as KeyStateError & { retryAfterMs?: number }).retryAfterMs;
    return retryAfterMs === undefined ? delay : Math.min(MAX_RETRY_DELAY_MS, Math.max(delay, retryAfterMs));
  }
}

function unavailable(call: CallOptions, error: unknown, timeoutMs: number): KeyStateError {
  const timedOut = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
  const reason = timedOut ? `timed out after ${timeoutMs} ms` : "failed: the proxy could not be reached or closed the connection";
  return new KeyStateError("KMS_UNAVAILABLE", `${call.method} ${call.path} to the KMS proxy ${reason}; retry later`, { cause: error });
}

// Bytes 8 to 11 of a wrapped key (format 1) are the master key version id; docs/kms-proxy.md has the layout.
function versionIdOf(wrappedKey: Uint8Array): number {
  if (wrappedKey.length < 13) {
    throw new KeyStateError("KMS_UNAVAILABLE", `the KMS proxy returned a wrapped key of ${wrappedKey.length} bytes; check that url points to the proxy`);
  }
  return new DataView(wrappedKey.buffer, wrappedKey.byteOffset, wrappedKey.byteLength).getUint32(8);
}

function parseErrorBody(text: string): KmsErrorBody["error"] | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<KmsErrorBody>;
    const error = parsed.error;
    return typeof error?.code === "string" && typeof error.message === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

function randomId(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(18)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}
