import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AuditEventInput, AuditRecorder } from "../src/audit/types.js";
import { isKeyStateError } from "../src/errors.js";
import { encodeBase64Url } from "../src/format/base64url.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { canonicalRequest, signCanonical } from "../src/kms/protocol.js";
import { createKmsProxy, issueToken, Pkcs11Backend, type KmsProxy } from "../src/kms/server/index.js";
import type { AccessRequest, Authorizer } from "../src/policy/types.js";
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken } from "./kms/softhsm-token.js";

const app = issueToken("app");
const signer = issueToken("signer", { signing: true });
const outsider = issueToken("outsider");

// A policy that lets "outsider" do nothing and everyone else everything.
const policy: Authorizer = {
  authorize: async (request: AccessRequest) => ({ allowed: request.principal !== "outsider" }),
  authorizeSync: (request: AccessRequest) => ({ allowed: request.principal !== "outsider" }),
};

const events: AuditEventInput[] = [];
const audit: AuditRecorder = {
  record: async (event) => void events.push(event),
  recordSync: (event) => void events.push(event),
};

let logText = "";
const logStream = new Writable({
  write(chunk, _encoding, callback) {
    logText += String(chunk);
    callback();
  },
});

let hsm: SoftHsmToken;
let backend: Pkcs11Backend;
let proxy: KmsProxy;
let url: string;

beforeAll(async () => {
  hsm = createSoftHsmToken("kms-server");
  backend = await Pkcs11Backend.open({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label, pin: hsm.pin });
  proxy = createKmsProxy({
    backend,
    tokens: { principals: [app.credential, signer.credential, outsider.credential] },
    policy,
    audit,
    limits: { maxBodyBytes: 4096 },
    logger: pino({ level: "info" }, logStream),
  });
  url = await proxy.listen();
  await client().createKey("master", "AES-256-GCM");
});

afterAll(async () => {
  await proxy?.close();
  await backend?.close();
  hsm?.remove();
});

function client(token = app.token, options: { signingSecret?: string } = {}): RemoteKms {
  return new RemoteKms({ url, token, timeoutMs: 5000, retries: 0, ...options });
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json", ...headers },
    body,
  });
  const json = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: json.error?.code };
}

async function signedHeaders(path: string, body: string, timestamp = String(Date.now()), nonce = encodeBase64Url(crypto.getRandomValues(new Uint8Array(18)))) {
  const secret = Uint8Array.from(Buffer.from(signer.signingSecret!, "base64url"));
  const canonical = await canonicalRequest("POST", path, timestamp, nonce, new TextEncoder().encode(body));
  return {
    authorization: `Bearer ${signer.token}`,
    "x-keystate-timestamp": timestamp,
    "x-keystate-nonce": nonce,
    "x-keystate-signature": await signCanonical(secret, canonical),
  };
}

async function expectServing(): Promise<void> {
  const wrapped = await client().wrap("master", new Uint8Array(32).fill(9));
  expect(wrapped.keyVersion).toBe(1);
}

const wrapBody = JSON.stringify({ plaintext: encodeBase64Url(new Uint8Array(32)) });

describe("kms proxy bad input", () => {
  it("health answers without a token", async () => {
    const response = await fetch(`${url}/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", backend: "pkcs11" });
  });

  it("malformed JSON gets 400", async () => {
    const result = await post("/v1/keys/master/wrap", "{not json");
    expect(result.status).toBe(400);
    expect(result.code).toBe("INVALID_ARGUMENT");
    await expectServing();
  });

  it("oversized body gets 413", async () => {
    const result = await post("/v1/keys/master/wrap", JSON.stringify({ plaintext: "A".repeat(8000) }));
    expect(result.status).toBe(413);
    expect(result.code).toBe("REQUEST_TOO_LARGE");
    await expectServing();
  });

  it("missing token gets 401", async () => {
    const result = await post("/v1/keys/master/wrap", wrapBody, { authorization: "" });
    expect(result.status).toBe(401);
    expect(result.code).toBe("UNAUTHENTICATED");
    await expectServing();
  });

  it("wrong token gets 401", async () => {
    const result = await post("/v1/keys/master/wrap", wrapBody, { authorization: "Bearer not-a-token" });
    expect(result.status).toBe(401);
    expect(result.code).toBe("UNAUTHENTICATED");
  });

  it("unknown key gets 404", async () => {
    const result = await post("/v1/keys/no-such-key/wrap", wrapBody);
    expect(result.status).toBe(404);
    expect(result.code).toBe("KEY_NOT_FOUND");
    await expectServing();
  });

  it("unknown route gets 404", async () => {
    const result = await post("/v1/keys/master/explode", wrapBody);
    expect(result.status).toBe(404);
  });

  it("signed request succeeds once", async () => {
    const path = "/v1/keys/master/wrap";
    const headers = await signedHeaders(path, wrapBody);
    const first = await post(path, wrapBody, headers);
    const replay = await post(path, wrapBody, headers);

    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);
    expect(replay.code).toBe("UNAUTHENTICATED");
    await expectServing();
  });

  it("stale signed request gets 401", async () => {
    const path = "/v1/keys/master/wrap";
    const headers = await signedHeaders(path, wrapBody, String(Date.now() - 10 * 60_000));
    const result = await post(path, wrapBody, headers);
    expect(result.status).toBe(401);
  });

  it("signature over another body gets 401", async () => {
    const path = "/v1/keys/master/wrap";
    const headers = await signedHeaders(path, wrapBody);
    const result = await post(path, JSON.stringify({ plaintext: encodeBase64Url(new Uint8Array(32).fill(1)) }), headers);
    expect(result.status).toBe(401);
  });

  it("unsigned request of a signing principal gets 401", async () => {
    const result = await post("/v1/keys/master/wrap", wrapBody, { authorization: `Bearer ${signer.token}` });
    expect(result.status).toBe(401);
  });

  it("RemoteKms signs requests", async () => {
    const kms = client(signer.token, { signingSecret: signer.signingSecret! });
    const wrapped = await kms.wrap("master", new Uint8Array(16).fill(3));
    const unwrapped = await kms.unwrap(wrapped.wrappedKey);
    expect(unwrapped.plaintext).toEqual(new Uint8Array(16).fill(3));
  });

  it("policy denial gets 403 and an audit event", async () => {
    const result = await post("/v1/keys/master/wrap", wrapBody, { authorization: `Bearer ${outsider.token}` });
    expect(result.status).toBe(403);
    expect(result.code).toBe("POLICY_DENIED");

    const denied = events.filter((e) => e.principal === "outsider" && e.outcome === "denied");
    expect(denied.length).toBe(1);
    expect(denied[0]!.keyName).toBe("master");
  });

  it("listing hides keys the policy denies", async () => {
    expect(await client(outsider.token).listKeys()).toEqual([]);
    expect((await client().listKeys()).map((k) => k.name)).toContain("master");
  });

  it("audit records successful wraps", () => {
    const wraps = events.filter((e) => e.operation === "wrap" && e.outcome === "success" && e.principal === "app");
    expect(wraps.length).toBeGreaterThan(0);
    expect(wraps[0]!.keyVersion).toBe(1);
  });
});

describe("RemoteKms error codes", () => {
  it("maps 404 to KEY_NOT_FOUND", async () => {
    const error = await client().wrap("missing", new Uint8Array(32)).catch((e: unknown) => e);
    expect(isKeyStateError(error, "KEY_NOT_FOUND")).toBe(true);
  });

  it("maps 401 to UNAUTHENTICATED", async () => {
    const error = await client("wrong-token").listKeys().catch((e: unknown) => e);
    expect(isKeyStateError(error, "UNAUTHENTICATED")).toBe(true);
  });

  it("maps 403 to POLICY_DENIED", async () => {
    const error = await client(outsider.token).wrap("master", new Uint8Array(32)).catch((e: unknown) => e);
    expect(isKeyStateError(error, "POLICY_DENIED")).toBe(true);
  });

  it("maps 413 to REQUEST_TOO_LARGE", async () => {
    const error = await client().sign("master", new Uint8Array(8000)).catch((e: unknown) => e);
    expect(isKeyStateError(error, "REQUEST_TOO_LARGE")).toBe(true);
  });

  it("rejects a tampered wrapped key", async () => {
    const wrapped = await client().wrap("master", new Uint8Array(32));
    wrapped.wrappedKey[wrapped.wrappedKey.length - 1]! ^= 1;
    const error = await client().unwrap(wrapped.wrappedKey).catch((e: unknown) => e);
    expect(isKeyStateError(error, "DECRYPT_FAILED")).toBe(true);
  });

  it("gives KMS_UNAVAILABLE for a closed port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const kms = new RemoteKms({ url: `http://127.0.0.1:${port}`, token: app.token, retries: 1, retryBaseDelayMs: 1 });
    const error = await kms.listKeys().catch((e: unknown) => e);
    expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);
  });

  it("retries an idempotent call after a timeout", async () => {
    let requests = 0;
    const silent: Server = createServer(() => {
      requests++; // never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;

    try {
      const kms = new RemoteKms({ url: `http://127.0.0.1:${port}`, token: app.token, timeoutMs: 100, retries: 2, retryBaseDelayMs: 1 });
      const error = await kms.listKeys().catch((e: unknown) => e);
      expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);
      expect(requests).toBe(3);

      requests = 0;
      const wrapError = await kms.wrap("master", new Uint8Array(32)).catch((e: unknown) => e);
      expect(isKeyStateError(wrapError, "KMS_UNAVAILABLE")).toBe(true);
      expect(requests).toBe(1);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe("RemoteKms data-key cache", () => {
  it("reuses a data key within its message limit", async () => {
    const kms = new RemoteKms({ url, token: app.token, dataKeyCache: { maxMessages: 2, maxAgeMs: 60_000, maxBytes: 1 << 20 } });
    const before = events.filter((e) => e.operation === "generate-data-key").length;

    const first = await kms.generateDataKey("master", { bytes: 1024 });
    const second = await kms.generateDataKey("master", { bytes: 1024 });
    const third = await kms.generateDataKey("master", { bytes: 1024 });

    expect(second.wrappedKey).toEqual(first.wrappedKey);
    expect(second.plaintext).toEqual(first.plaintext);
    expect(third.wrappedKey).not.toEqual(first.wrappedKey);
    expect(events.filter((e) => e.operation === "generate-data-key").length - before).toBe(2);
  });

  it("replaces a data key past its byte limit", async () => {
    const kms = new RemoteKms({ url, token: app.token, dataKeyCache: { maxBytes: 1500 } });
    const first = await kms.generateDataKey("master", { bytes: 1000 });
    const second = await kms.generateDataKey("master", { bytes: 1000 });
    expect(second.wrappedKey).not.toEqual(first.wrappedKey);
  });

  it("keys the cache by context", async () => {
    const kms = new RemoteKms({ url, token: app.token, dataKeyCache: {} });
    const a = await kms.generateDataKey("master", { context: { tenant: "a" } });
    const b = await kms.generateDataKey("master", { context: { tenant: "b" } });
    expect(b.wrappedKey).not.toEqual(a.wrappedKey);
  });

  it("hands out copies the caller may wipe", async () => {
    const kms = new RemoteKms({ url, token: app.token, dataKeyCache: {} });
    const first = await kms.generateDataKey("master");
    const original = first.plaintext.slice();
    first.plaintext.fill(0);
    const second = await kms.generateDataKey("master");
    expect(second.plaintext).toEqual(original);
  });
});

describe("kms proxy logs", () => {
  it("log one line per request without secrets", () => {
    const lines = logText.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === "request");

    expect(requests.length).toBeGreaterThan(10);
    expect(requests.some((line) => line.principal === "app" && line.operation === "wrap" && line.status === 200)).toBe(true);
    expect(logText).not.toContain(app.token);
    expect(logText).not.toContain(signer.token);
    expect(logText).not.toContain(signer.signingSecret!);
    expect(logText).not.toContain(app.credential.tokenSha256);
  });
});

describe("kms proxy rate limit", () => {
  it("answers 429 past the burst", async () => {
    const limited = createKmsProxy({ backend, tokens: { principals: [app.credential] }, limits: { rate: { requestsPerSecond: 0.001, burst: 2 } } });
    const limitedUrl = await limited.listen();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${limitedUrl}/v1/keys`, { headers: { authorization: `Bearer ${app.token}` } });
        statuses.push(response.status);
        if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        await response.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);

      const kms = new RemoteKms({ url: limitedUrl, token: app.token, retries: 0 });
      const error = await kms.listKeys().catch((e: unknown) => e);
      expect(isKeyStateError(error, "RATE_LIMITED")).toBe(true);
    } finally {
      await limited.close();
    }
  });
});
