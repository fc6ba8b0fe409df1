import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";

import type { AuditRecorder } from "../../audit/types.js";
import { KeyStateError, type KeyStateErrorCode } from "../../errors.js";
import type { Authorizer, Operation } from "../../policy/types.js";
import { REQUEST_ID_HEADER, SIGNATURE_HEADERS, type KmsErrorBody } from "../protocol.js";
import type { KmsBackend } from "./backend.js";
import {
  planCreateKey,
  planGenerateDataKey,
  planGetKey,
  planPublicKey,
  planRotateKey,
  planSign,
  planUnwrap,
  planWrap,
  type OperationResult,
  type PlannedOperation,
} from "./operations.js";
import { RateLimiter, type RateLimit } from "./rate-limiter.js";
import { RequestVerifier, type RequestSigningLimits } from "./request-signing.js";
import { TokenTable, type AuthenticatedPrincipal, type TokensDocument } from "./tokens.js";

export interface KmsProxyLimits extends RequestSigningLimits {
  /** Largest request body, in bytes. Default 65536. */
  maxBodyBytes?: number;
  /** Requests per principal. */
  rate?: RateLimit;
  /** How long close() waits for requests in flight before it drops their connections, in milliseconds. Default 10000. */
  shutdownTimeoutMs?: number;
}

export interface KmsProxyOptions {
  backend: KmsBackend;
  /** The principals and their token hashes: a TokenTable, the parsed tokens file, or its path. */
  tokens: TokenTable | TokensDocument | string;
  /**
   * The access policy, asked before every operation. Without one, every
   * authenticated principal may do everything, and the proxy logs a warning at start.
   */
  policy?: Authorizer;
  /** Receives an event for every operation: allowed, denied or failed. */
  audit?: AuditRecorder;
  limits?: KmsProxyLimits;
  /** A pino logger; the default logs nothing. */
  logger?: Logger;
  /**
   * Origins whose pages may call the proxy from a browser (CORS), or "*" for
   * any. Default none: browsers then block cross-origin calls.
   */
  allowedOrigins?: readonly string[] | "*";
}

/** A running or stopped proxy. */
export interface KmsProxy {
  /** Starts listening; resolves to the base URL, e.g. "http://127.0.0.1:40123". Default host 127.0.0.1, port 0 (any free port). */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /** Stops accepting connections and resolves once requests in flight have finished. Does not close the backend. */
  close(): Promise<void>;
  /** The base URL while listening. */
  readonly url: string | undefined;
  readonly server: Server;
}

const STATUS_BY_CODE: Partial<Record<KeyStateErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  UNSUPPORTED_ALGORITHM: 400,
  UNSUPPORTED_FORMAT: 400,
  WRONG_PURPOSE: 400,
  DECRYPT_FAILED: 400,
  UNAUTHENTICATED: 401,
  POLICY_DENIED: 403,
  KEY_NOT_FOUND: 404,
  KEY_EXISTS: 409,
  KEY_DISABLED: 409,
  KEY_DESTROYED: 409,
  CONFLICT: 409,
  REQUEST_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  AUDIT_FAILED: 503,
  KMS_UNAVAILABLE: 503,
};

// Operations a listing checks, by purpose: the listing includes a key when any of them is allowed.
const LIST_OPERATIONS: Record<"wrap" | "sign", Operation[]> = {
  wrap: ["encrypt", "decrypt", "rotate", "admin"],
  sign: ["sign", "verify", "rotate", "admin"],
};

/** Prefix of the library's own keys in a store, such as the audit log's signing key "__audit". */
const INTERNAL_KEY_PREFIX = "__";

function isInternalKeyName(name: string): boolean {
  return name.startsWith(INTERNAL_KEY_PREFIX);
}

/**
 * Creates the KMS proxy: HTTP + JSON under /v1/, bearer tokens per principal,
 * optional HMAC request signing, body and rate limits, the access policy and
 * audit events of the library, and one pino log line per request. Keys never
 * leave the backend; docs/kms-proxy.md describes the protocol.
 */
export function createKmsProxy(options: KmsProxyOptions): KmsProxy {
  const { backend, policy, audit } = options;
  const logger = options.logger ?? pino({ level: "silent" });
  const limits = options.limits ?? {};
  const maxBodyBytes = limits.maxBodyBytes ?? 65_536;
  const shutdownTimeoutMs = limits.shutdownTimeoutMs ?? 10_000;
  const rateLimiter = new RateLimiter(limits.rate);
  const verifier = new RequestVerifier(limits);
  const tokensReady = loadTokens(options.tokens);

  let inFlight = 0;
  let closing: Promise<void> | undefined;
  let url: string | undefined;

  const server = createServer((request, response) => {
    inFlight++;
    response.on("close", () => {
      inFlight--;
      if (closing !== undefined) server.closeIdleConnections();
    });
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdOf(request);
    if (applyCors(request, response, options.allowedOrigins)) return;
    const entry: Record<string, unknown> = { requestId, method: request.method, path: pathOf(request) };
    response.setHeader(REQUEST_ID_HEADER, requestId);

    let plan: PlannedOperation | undefined;
    let principal: AuthenticatedPrincipal | undefined;
    let result: OperationResult | undefined;
    let failure: KeyStateError | undefined;

    try {
      result = await route(
        request,
        (p) => (principal = p),
        (p) => (plan = p),
      );
    } catch (error) {
      failure = asKeyStateError(error);
    }

    if (plan !== undefined) {
      entry.operation = plan.name;
      entry.key = plan.keyName;
    }
    if (principal !== undefined) entry.principal = principal.principal;

    // Audit every operation that got as far as a principal and a plan: allowed, denied or failed.
    if (plan !== undefined && principal !== undefined && audit !== undefined) {
      try {
        await audit.record({
          operation: plan.name,
          principal: principal.principal,
          keyName: plan.keyName,
          keyVersion: result?.keyVersion,
          outcome: outcomeOf(failure),
          errorCode: failure?.code,
          requestId,
          context: plan.context,
          bytes: result?.bytes,
        });
      } catch (error) {
        // Fail closed: a result that was not audited is not released.
        result = undefined;
        failure = asKeyStateError(error);
        if (failure.code !== "AUDIT_FAILED") failure = new KeyStateError("AUDIT_FAILED", "the audit event could not be recorded; retry later", { cause: error });
      }
    }

    const status = failure === undefined ? result!.status : statusOf(failure);
    if (failure !== undefined) {
      const body: KmsErrorBody = { error: { code: failure.code, message: status >= 500 ? publicMessage(failure) : failure.message, requestId } };
      if (failure.code === "RATE_LIMITED") response.setHeader("retry-after", String(retryAfterOf(failure)));
      if (failure.code === "REQUEST_TOO_LARGE") response.setHeader("connection", "close");
      sendJson(response, status, body);
    } else {
      sendJson(response, status, result!.body);
    }

    entry.status = status;
    entry.outcome = outcomeOf(failure);
    if (failure !== undefined) entry.errorCode = failure.code;
    entry.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    if (status >= 500) logger.error({ ...entry, err: failure?.cause ?? failure }, "request failed");
    else logger.info(entry, "request");
  }

  async function route(
    request: IncomingMessage,
    setPrincipal: (principal: AuthenticatedPrincipal) => void,
    setPlan: (plan: PlannedOperation) => void,
  ): Promise<OperationResult> {
    const method = request.method ?? "GET";
    const parsedUrl = new URL(request.url ?? "/", "http://proxy.invalid");
    const path = parsedUrl.pathname;

    if (path === "/v1/health") {
      if (method !== "GET") throw methodNotAllowed(method, path);
      return { status: 200, body: { status: "ok", backend: backend.kind } };
    }

    // Authenticate, then rate-limit, then read the body: an unauthenticated
    // caller can make the proxy read nothing beyond the headers.
    const tokens = await tokensReady;
    const principal = authenticate(tokens, request);
    setPrincipal(principal);

    const waitSeconds = rateLimiter.take(principal.principal);
    if (waitSeconds > 0) {
      throw Object.assign(new KeyStateError("RATE_LIMITED", `principal "${principal.principal}" exceeded its request rate; retry after ${waitSeconds} s`), {
        retryAfter: waitSeconds,
      });
    }

    const bodyBytes = await readBody(request, maxBodyBytes);
    if (principal.signingSecret !== undefined) {
      await verifier.verify(principal.signingSecret, principal.principal, method, request.url ?? "/", request.headers, bodyBytes);
    }

    const plan = planRequest(method, parsedUrl, bodyBytes);
    if (plan === "list") return listKeys(principal.principal);

    // Set before the policy check, so a denied request is audited too.
    setPlan(plan);
    await authorize(principal.principal, plan);
    return plan.run();
  }

  function planRequest(method: string, url: URL, bodyBytes: Uint8Array): PlannedOperation | "list" {
    const segments = url.pathname.split("/").slice(1).map(decodeSegment);
    const [version, resource, name, action, extra] = segments;
    if (version !== "v1" || extra !== undefined) throw notFound(url.pathname);

    if (resource === "unwrap" && name === undefined) {
      if (method !== "POST") throw methodNotAllowed(method, url.pathname);
      return planUnwrap(backend, parseJsonBody(bodyBytes));
    }
    if (resource !== "keys") throw notFound(url.pathname);

    if (name === undefined) {
      if (method === "GET") return "list";
      if (method === "POST") return planCreateKey(backend, parseJsonBody(bodyBytes));
      throw methodNotAllowed(method, url.pathname);
    }

    const routes: Record<string, [string, () => PlannedOperation]> = {
      "": ["GET", () => planGetKey(backend, name)],
      "public-key": ["GET", () => planPublicKey(backend, name, url.searchParams.get("version"))],
      rotate: ["POST", () => planRotateKey(backend, name)],
      "generate-data-key": ["POST", () => planGenerateDataKey(backend, name, parseJsonBody(bodyBytes))],
      wrap: ["POST", () => planWrap(backend, name, parseJsonBody(bodyBytes))],
      sign: ["POST", () => planSign(backend, name, parseJsonBody(bodyBytes))],
    };
    const found = Object.hasOwn(routes, action ?? "") ? routes[action ?? ""] : undefined;
    if (found === undefined) throw notFound(url.pathname);
    if (found[0] !== method) throw methodNotAllowed(method, url.pathname);
    return found[1]();
  }

  async function authorize(principal: string, plan: PlannedOperation): Promise<void> {
    // Checked with or without a policy, so a wrapped key naming "__audit" cannot reach it either.
    if (plan.keyName !== undefined && isInternalKeyName(plan.keyName)) {
      throw new KeyStateError("POLICY_DENIED", `key "${plan.keyName}" is internal to KeyState: names starting with "${INTERNAL_KEY_PREFIX}" are not served by the proxy`);
    }
    if (policy === undefined || plan.policyOperation === undefined || plan.keyName === undefined) return;

    const decision = await policy.authorize({ principal, operation: plan.policyOperation, keyName: plan.keyName, context: plan.context, now: Date.now() });
    if (!decision.allowed) {
      throw new KeyStateError("POLICY_DENIED", `principal "${principal}" may not ${plan.policyOperation} with key "${plan.keyName}"; ask an administrator for a policy rule`);
    }
  }

  async function listKeys(principal: string): Promise<OperationResult> {
    const keys = (await backend.listKeys()).filter((key) => !isInternalKeyName(key.name));
    if (policy === undefined) return { status: 200, body: { keys } };

    const visible = [];
    for (const key of keys) {
      for (const operation of LIST_OPERATIONS[key.purpose]) {
        const decision = await policy.authorize({ principal, operation, keyName: key.name, now: Date.now() });
        if (decision.allowed) {
          visible.push(key);
          break;
        }
      }
    }
    return { status: 200, body: { keys: visible } };
  }

  return {
    get url() {
      return url;
    },
    server,

    async listen({ host = "127.0.0.1", port = 0 } = {}) {
      await tokensReady;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });

      const address = server.address() as AddressInfo;
      const hostText = address.family === "IPv6" ? `[${address.address}]` : address.address;
      url = `http://${hostText}:${address.port}`;
      logger.info({ url, backend: backend.kind, maxBodyBytes, policy: policy !== undefined, audit: audit !== undefined }, "kms proxy started");
      if (policy === undefined) logger.warn("no access policy: every authenticated principal may use every key");
      return url;
    },

    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ inFlight }, "shutdown timeout: dropping connections of requests in flight");
          server.closeAllConnections();
        }, shutdownTimeoutMs);
        timer.unref();

        server.close(() => {
          clearTimeout(timer);
          logger.info({ url }, "kms proxy stopped");
          url = undefined;
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function loadTokens(tokens: KmsProxyOptions["tokens"]): Promise<TokenTable> {
  if (tokens instanceof TokenTable) return tokens;
  if (typeof tokens === "string") return TokenTable.fromFile(tokens);
  return new TokenTable(tokens);
}

function authenticate(tokens: TokenTable, request: IncomingMessage): AuthenticatedPrincipal {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header);
  if (match === null) throw new KeyStateError("UNAUTHENTICATED", "send Authorization: Bearer <token> with the token issued to your principal");

  const principal = tokens.authenticate(match[1]!);
  if (principal === undefined) throw new KeyStateError("UNAUTHENTICATED", "the bearer token is not valid; check the token issued to your principal");
  return principal;
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    request.resume();
    return Promise.reject(tooLarge(maxBytes));
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let rejected = false;

    request.on("data", (chunk: Buffer) => {
      if (rejected) return;
      length += chunk.length;
      if (length > maxBytes) {
        rejected = true;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (!rejected) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    request.on("error", (error) => {
      if (!rejected) reject(new KeyStateError("INVALID_ARGUMENT", "the request body could not be read", { cause: error }));
    });
  });
}

function parseJsonBody(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new KeyStateError("INVALID_ARGUMENT", "the request body is not valid JSON; send a JSON object with Content-Type: application/json", { cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new KeyStateError("INVALID_ARGUMENT", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

const CORS_REQUEST_HEADERS = ["authorization", "content-type", REQUEST_ID_HEADER, ...Object.values(SIGNATURE_HEADERS)].join(", ");

// Sets CORS headers for an allowed origin. Returns true when it has responded to a preflight request.
function applyCors(request: IncomingMessage, response: ServerResponse, allowed: KmsProxyOptions["allowedOrigins"]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowed === undefined || (allowed !== "*" && !allowed.includes(origin))) return false;

  response.setHeader("access-control-allow-origin", allowed === "*" ? "*" : origin);
  response.setHeader("access-control-expose-headers", `${REQUEST_ID_HEADER}, retry-after`);
  if (allowed !== "*") response.setHeader("vary", "origin");
  if (request.method !== "OPTIONS") return false;

  response.writeHead(204, {
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": CORS_REQUEST_HEADERS,
    "access-control-max-age": "600",
  });
  response.end();
  return true;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}

function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  return typeof header === "string" && /^[A-Za-z0-9._-]{8,64}$/.test(header) ? header : randomUUID();
}

function pathOf(request: IncomingMessage): string {
  // The path only: a query string could carry anything a client put there.
  return (request.url ?? "/").split("?")[0]!;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new KeyStateError("INVALID_ARGUMENT", `the path segment "${segment.slice(0, 40)}" is not valid percent-encoding`);
  }
}

function outcomeOf(failure: KeyStateError | undefined): "success" | "denied" | "failure" {
  if (failure === undefined) return "success";
  if (failure.code === "POLICY_DENIED") return "denied";
  return "failure";
}

function asKeyStateError(error: unknown): KeyStateError {
  if (error instanceof KeyStateError) return error;
  return new KeyStateError("INTERNAL", "the proxy failed to handle the request", { cause: error });
}

function statusOf(error: KeyStateError): number {
  const routeStatus = (error as KeyStateError & { status?: number }).status;
  return routeStatus ?? STATUS_BY_CODE[error.code] ?? 500;
}

// A 5xx message may name internals of the backend; the caller gets a generic one and the log the detail.
function publicMessage(error: KeyStateError): string {
  if (error.code === "AUDIT_FAILED") return "the audit event could not be recorded; retry later";
  return "the proxy failed to handle the request; retry later or ask its operator to check the log for this request id";
}

function retryAfterOf(error: KeyStateError): number {
  const seconds = (error as KeyStateError & { retryAfter?: number }).retryAfter;
  return typeof seconds === "number" ? seconds : 1;
}

function tooLarge(maxBytes: number): KeyStateError {
  return new KeyStateError("REQUEST_TOO_LARGE", `the request body exceeds ${maxBytes} bytes; wrap data keys, not data`);
}

function notFound(path: string): KeyStateError {
  return Object.assign(new KeyStateError("INVALID_ARGUMENT", `no route ${path}; see docs/kms-proxy.md for the routes under /v1/`), { status: 404 });
}

function methodNotAllowed(method: string, path: string): KeyStateError {
  return Object.assign(new KeyStateError("INVALID_ARGUMENT", `${method} is not allowed on ${path}`), { status: 405 });
}
