import { describe, expect, it } from "vitest";
import { MemoryAuditRecorder } from "../src/client/defaults/memory-audit-recorder.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { decodeBase64Url, encodeBase64Url } from "../src/format/base64url.js";
import type { AccessRequest, Authorizer } from "../src/policy/types.js";
import type { KeyAlgorithm } from "../src/keys/types.js";
import type { JwtClaims } from "../src/tokens/claims.js";
import { openClient, rejection, utf8 } from "./helpers/client.js";
import { putTestKey } from "./helpers/token-keys.js";
import rfc8037 from "./vectors/rfc8037.json";

const ALGORITHMS: { algorithm: KeyAlgorithm; purpose: "sign" | "mac"; alg: string }[] = [
  { algorithm: "ED25519", purpose: "sign", alg: "EdDSA" },
  { algorithm: "ECDSA-P256", purpose: "sign", alg: "ES256" },
  { algorithm: "HMAC-SHA256", purpose: "mac", alg: "HS256" },
];

/** A client whose clock the test moves, in milliseconds. */
async function clockedClient(options: { audit?: MemoryAuditRecorder; authorizer?: Authorizer } = {}) {
  const time = { now: Date.UTC(2030, 0, 1) };
  const { ks, store } = await openClient({ clock: () => time.now, cacheTtl: 0, ...options });
  return { ks, store, time };
}

function partsOf(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: Uint8Array } {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const json = (part: string) => JSON.parse(new TextDecoder().decode(decodeBase64Url(part, "part"))) as Record<string, unknown>;
  return { header: json(header), payload: json(payload), signature: decodeBase64Url(signature, "signature") };
}

function encodeJson(value: unknown): string {
  return encodeBase64Url(utf8(JSON.stringify(value)));
}

/** Replaces one part of a compact token, keeping the others. */
function withPart(token: string, index: number, part: string): string {
  const parts = token.split(".");
  parts[index] = part;
  return parts.join(".");
}

describe.each(ALGORITHMS)("signToken and verifyToken with $algorithm", ({ algorithm, purpose, alg }) => {
  it("round trip returns the claims", async () => {
    const { ks, time } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });

    const token = await ks.signToken("api", { sub: "user-7", scope: ["read"] }, { expiresIn: 600 });
    const claims = await ks.verifyToken(token, { key: "api" });

    expect(claims.sub).toBe("user-7");
    expect(claims.scope).toEqual(["read"]);
    expect(claims.iat).toBe(time.now / 1000);
    expect(claims.exp).toBe(time.now / 1000 + 600);
  });

  it("header names alg, typ and the version kid", async () => {
    const { ks } = await clockedClient();
    const info = await ks.createKey("api", { purpose, algorithm });

    const { header } = partsOf(await ks.signToken("api", {}));

    expect(header.alg).toBe(alg);
    expect(header.typ).toBe("JWT");
    expect(header.kid).toBe(`api:${info.versions[0]!.id.toString(16).padStart(8, "0")}`);
  });

  it("verify rejects a changed payload", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const token = await ks.signToken("api", { sub: "user-7" });

    const forged = withPart(token, 1, encodeJson({ ...partsOf(token).payload, sub: "admin" }));

    expect((await rejection(ks.verifyToken(forged, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("verify rejects a flipped signature bit", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const token = await ks.signToken("api", { sub: "user-7" });
    const signature = partsOf(token).signature;
    signature[5]! ^= 0x01;

    const forged = withPart(token, 2, encodeBase64Url(signature));

    expect((await rejection(ks.verifyToken(forged, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("verify rejects a truncated signature", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const token = await ks.signToken("api", {});

    const signature = partsOf(token).signature;
    const forged = withPart(token, 2, encodeBase64Url(signature.subarray(0, signature.length / 2)));

    expect((await rejection(ks.verifyToken(forged, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("verify rejects alg none with the kid kept", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const token = await ks.signToken("api", { sub: "user-7" });
    const header = { ...partsOf(token).header, alg: "none" };

    const unsecured = `${encodeJson(header)}.${token.split(".")[1]}.`;
    const withSignature = withPart(token, 0, encodeJson(header));

    expect((await rejection(ks.verifyToken(unsecured, { key: "api" }))).code).toBe("TOKEN_INVALID");
    expect((await rejection(ks.verifyToken(withSignature, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("rotation keeps old tokens valid and changes the kid", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const before = await ks.signToken("api", { n: 1 });

    const rotated = await ks.rotate("api");
    const after = await ks.signToken("api", { n: 2 });

    expect(partsOf(after).header.kid).toBe(`api:${rotated.id.toString(16).padStart(8, "0")}`);
    expect(partsOf(after).header.kid).not.toBe(partsOf(before).header.kid);
    expect((await ks.verifyToken(before, { key: "api" })).n).toBe(1);
    expect((await ks.verifyToken(after, { key: "api" })).n).toBe(2);
  });

  it("revoked version stops verifying its tokens", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose, algorithm });
    const before = await ks.signToken("api", { n: 1 });
    await ks.rotate("api");
    const after = await ks.signToken("api", { n: 2 });

    await ks.revoke("api", { version: 1 });

    expect((await rejection(ks.verifyToken(before, { key: "api" }))).code).toBe("TOKEN_INVALID");
    expect((await ks.verifyToken(after, { key: "api" })).n).toBe(2);

    await ks.enable("api", { version: 1 });
    expect((await ks.verifyToken(before, { key: "api" })).n).toBe(1);
  });
});

describe("verifyToken time claims", () => {
  async function signed(claims: Record<string, unknown>, options: Record<string, unknown> = {}) {
    const client = await clockedClient();
    await client.ks.createKey("api", { purpose: "sign" });
    const token = await client.ks.signToken("api", claims, options);
    return { ...client, token };
  }

  it("token expires at exp exactly", async () => {
    const { ks, time, token } = await signed({}, { expiresIn: 60 });

    time.now += 59_999;
    await expect(ks.verifyToken(token, { key: "api" })).resolves.toBeDefined();

    time.now += 1;
    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_EXPIRED");
  });

  it("clock tolerance extends the expiry", async () => {
    const { ks, time, token } = await signed({}, { expiresIn: 60 });
    time.now += 60_000 + 29_000;

    await expect(ks.verifyToken(token, { key: "api", clockTolerance: 30 })).resolves.toBeDefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", clockTolerance: 29 }))).code).toBe("TOKEN_EXPIRED");
  });

  it("token is not valid before nbf", async () => {
    const { ks, time, token } = await signed({}, { notBefore: 120 });

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_NOT_YET_VALID");

    time.now += 120_000;
    await expect(ks.verifyToken(token, { key: "api" })).resolves.toBeDefined();
  });

  it("clock tolerance moves nbf earlier", async () => {
    const { ks, token } = await signed({}, { notBefore: 120 });

    await expect(ks.verifyToken(token, { key: "api", clockTolerance: 120 })).resolves.toBeDefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", clockTolerance: 119 }))).code).toBe("TOKEN_NOT_YET_VALID");
  });

  it("iat in the future is rejected beyond tolerance", async () => {
    const { ks, time, token } = await signed({ iat: Date.UTC(2030, 0, 1) / 1000 + 300 });
    expect(time.now).toBe(Date.UTC(2030, 0, 1));

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_NOT_YET_VALID");
    await expect(ks.verifyToken(token, { key: "api", clockTolerance: 300 })).resolves.toBeDefined();
  });

  it("maxAge counts from iat", async () => {
    const { ks, time, token } = await signed({});
    time.now += 3_600_000;

    await expect(ks.verifyToken(token, { key: "api", maxAge: 3600 })).resolves.toBeDefined();
    time.now += 1000;
    expect((await rejection(ks.verifyToken(token, { key: "api", maxAge: 3600 }))).code).toBe("TOKEN_EXPIRED");
  });

  it("maxAge needs an iat claim", async () => {
    const { ks, token } = await signed({}, { issuedAt: false });

    expect(partsOf(token).payload.iat).toBeUndefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", maxAge: 60 }))).code).toBe("TOKEN_CLAIM_MISMATCH");
  });

  it("expired token with a bad signature is TOKEN_INVALID", async () => {
    const { ks, time, token } = await signed({}, { expiresIn: 1 });
    time.now += 10_000;
    const signature = partsOf(token).signature;
    signature[0]! ^= 0x80;

    const forged = withPart(token, 2, encodeBase64Url(signature));

    expect((await rejection(ks.verifyToken(forged, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("time claim of the wrong type is TOKEN_INVALID", async () => {
    const { ks, token } = await signed({ role: "x" });
    // A token signed over a payload whose exp is a string: sign the raw bytes with ks.sign.
    const header = token.split(".")[0]!;
    const payload = encodeJson({ exp: "tomorrow" });
    const signature = await ks.sign("api", `${header}.${payload}`);

    const rejected = await rejection(ks.verifyToken(`${header}.${payload}.${encodeBase64Url(signature)}`, { key: "api" }));

    expect(rejected.code).toBe("TOKEN_INVALID");
  });
});

describe("verifyToken claim checks", () => {
  async function signed(claims: Record<string, unknown>) {
    const client = await clockedClient();
    await client.ks.createKey("api", { purpose: "sign" });
    return { ...client, token: await client.ks.signToken("api", claims) };
  }

  it("audience matches one entry of a list", async () => {
    const { ks, token } = await signed({ aud: ["billing", "reports"] });

    await expect(ks.verifyToken(token, { key: "api", audience: "reports" })).resolves.toBeDefined();
    await expect(ks.verifyToken(token, { key: "api", audience: ["other", "billing"] })).resolves.toBeDefined();
  });

  it("wrong audience is TOKEN_CLAIM_MISMATCH", async () => {
    const { ks, token } = await signed({ aud: "billing" });

    expect((await rejection(ks.verifyToken(token, { key: "api", audience: "reports" }))).code).toBe("TOKEN_CLAIM_MISMATCH");
  });

  it("missing audience is TOKEN_CLAIM_MISMATCH", async () => {
    const { ks, token } = await signed({});

    expect((await rejection(ks.verifyToken(token, { key: "api", audience: "reports" }))).code).toBe("TOKEN_CLAIM_MISMATCH");
  });

  it("issuer and subject are compared exactly", async () => {
    const { ks, token } = await signed({ iss: "https://issuer.example", sub: "user-7" });

    await expect(ks.verifyToken(token, { key: "api", issuer: "https://issuer.example", subject: "user-7" })).resolves.toBeDefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", issuer: "https://issuer.example/" }))).code).toBe(
      "TOKEN_CLAIM_MISMATCH",
    );
    expect((await rejection(ks.verifyToken(token, { key: "api", subject: "user-8" }))).code).toBe("TOKEN_CLAIM_MISMATCH");
  });

  it("required claims must be present", async () => {
    const { ks, token } = await signed({ jti: "t-1" });

    await expect(ks.verifyToken(token, { key: "api", requiredClaims: ["jti", "iat"] })).resolves.toBeDefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", requiredClaims: ["exp"] }))).code).toBe("TOKEN_CLAIM_MISMATCH");
  });

  it("typ is compared without case", async () => {
    const { ks, token } = await signed({});

    await expect(ks.verifyToken(token, { key: "api", type: "jwt" })).resolves.toBeDefined();
    expect((await rejection(ks.verifyToken(token, { key: "api", type: "at+jwt" }))).code).toBe("TOKEN_INVALID");
  });
});

describe("verifyToken key selection", () => {
  it("kid of a key not named in options is rejected", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    await ks.createKey("other", { purpose: "sign" });
    const token = await ks.signToken("other", {});

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_INVALID");
    await expect(ks.verifyToken(token, { key: ["api", "other"] })).resolves.toBeDefined();
  });

  it("alg that does not match the key is rejected", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {});
    const header = { ...partsOf(token).header, alg: "ES256" };

    const rejected = await rejection(ks.verifyToken(withPart(token, 0, encodeJson(header)), { key: "api" }));

    expect(rejected.code).toBe("TOKEN_INVALID");
  });

  it("token without kid is tried on every usable version", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    const [header, payload] = [encodeJson({ alg: "EdDSA" }), encodeJson({ sub: "no-kid" })];
    const signature = await ks.sign("api", `${header}.${payload}`);
    await ks.rotate("api");

    const claims = await ks.verifyToken(`${header}.${payload}.${encodeBase64Url(signature)}`, { key: "api" });

    expect(claims.sub).toBe("no-kid");
  });

  it("kid of an unknown version is rejected", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {});
    const header = { ...partsOf(token).header, kid: "api:00000000" };

    expect((await rejection(ks.verifyToken(withPart(token, 0, encodeJson(header)), { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("signature failures share one message", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    await ks.createKey("other", { purpose: "sign" });
    const token = await ks.signToken("api", {});
    const badSignature = withPart(token, 2, encodeBase64Url(new Uint8Array(64)));
    const unknownVersion = withPart(token, 0, encodeJson({ ...partsOf(token).header, kid: "api:00000000" }));
    const otherKey = await ks.signToken("other", {});

    const messages = await Promise.all(
      [badSignature, unknownVersion, otherKey].map(async (forged) => (await rejection(ks.verifyToken(forged, { key: "api" }))).message),
    );

    expect(messages[1]).toBe(messages[0]);
    expect(messages[2]).toBe(messages[0]);
  });

  it("misspelt key name is KEY_NOT_FOUND", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await clockedClient({ audit });
    await ks.createKey("api-tokens", { purpose: "sign" });
    const token = await ks.signToken("api-tokens", {});

    const rejected = await rejection(ks.verifyToken(token, { key: "api-token" }));

    expect(rejected.code).toBe("KEY_NOT_FOUND");
    expect(rejected.message).toContain('"api-token"');
    expect(audit.events().at(-1)).toMatchObject({
      operation: "verify-token",
      outcome: "failure",
      keyName: "api-token",
      errorCode: "KEY_NOT_FOUND",
    });
  });

  it("missing key in a list is KEY_NOT_FOUND", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {});

    const rejected = await rejection(ks.verifyToken(token, { key: ["api", "absent"] }));

    expect(rejected.code).toBe("KEY_NOT_FOUND");
    expect(rejected.message).toContain('"absent"');
  });

  it("encrypt key is WRONG_PURPOSE", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await clockedClient({ audit });
    await ks.createKey("api", { purpose: "sign" });
    await ks.createKey("data", { purpose: "encrypt" });
    const token = await ks.signToken("api", {});

    const rejected = await rejection(ks.verifyToken(token, { key: ["api", "data"] }));

    expect(rejected.code).toBe("WRONG_PURPOSE");
    expect(rejected.message).toContain('"data"');
    expect(audit.events().at(-1)).toMatchObject({ operation: "verify-token", keyName: "data", errorCode: "WRONG_PURPOSE" });
  });

  it("kid of another key fails like a bad signature", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await clockedClient({ audit });
    await ks.createKey("api", { purpose: "sign" });
    await ks.createKey("other", { purpose: "sign" });
    const token = await ks.signToken("api", {});
    const badSignature = await rejection(ks.verifyToken(withPart(token, 2, encodeBase64Url(new Uint8Array(64))), { key: "api" }));

    const otherKey = await rejection(ks.verifyToken(await ks.signToken("other", {}), { key: "api" }));
    const unknownKey = withPart(token, 0, encodeJson({ ...partsOf(token).header, kid: "absent:00000001" }));
    const unknown = await rejection(ks.verifyToken(unknownKey, { key: "api" }));

    expect(otherKey.code).toBe("TOKEN_INVALID");
    expect(otherKey.message).toBe(badSignature.message);
    expect(unknown.code).toBe("TOKEN_INVALID");
    expect(unknown.message).toBe(badSignature.message);
    expect(audit.events().at(-1)).toMatchObject({ operation: "verify-token", errorCode: "TOKEN_INVALID" });
  });

  it("HS256 token is not accepted by a sign key", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });
    await ks.createKey("secret", { purpose: "mac" });
    const token = await ks.signToken("secret", {});

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });
});

describe("verifyToken malformed input", () => {
  const cases: [string, string][] = [
    ["two parts", "eyJhbGciOiJFZERTQSJ9.e30"],
    ["four parts", "eyJhbGciOiJFZERTQSJ9.e30.AA.AA"],
    ["padded base64", "eyJhbGciOiJFZERTQSJ9.e30=.AAAA"],
    ["header not JSON", `${encodeBase64Url(utf8("{alg"))}.e30.AAAA`],
    ["header an array", `${encodeJson(["EdDSA"])}.e30.AAAA`],
    ["header without alg", `${encodeJson({ typ: "JWT" })}.e30.AAAA`],
    ["payload an array", `${encodeJson({ alg: "EdDSA" })}.${encodeJson([1])}.AAAA`],
    ["payload not JSON", "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.AAAA"],
    ["empty signature", `${encodeJson({ alg: "EdDSA" })}.e30.`],
    ["crit header", `${encodeJson({ alg: "EdDSA", crit: ["exp"], exp: 1 })}.e30.AAAA`],
    ["empty string", ""],
  ];

  it.each(cases)("%s is TOKEN_INVALID", async (_name, token) => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("token that is not a string is INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();

    expect((await rejection(ks.verifyToken(42 as unknown as string, { key: "api" }))).code).toBe("INVALID_ARGUMENT");
  });

  it("missing options.key is INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();

    expect((await rejection(ks.verifyToken("a.b.c", {} as { key: string }))).code).toBe("INVALID_ARGUMENT");
  });
});

describe("signToken input checks", () => {
  it("claims that are not an object are INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect((await rejection(ks.signToken("api", [] as unknown as Record<string, unknown>))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.signToken("api", null as unknown as Record<string, unknown>))).code).toBe("INVALID_ARGUMENT");
  });

  it("registered claim of the wrong type is INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect((await rejection(ks.signToken("api", { exp: "soon" } as unknown as JwtClaims))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.signToken("api", { aud: [1] } as unknown as JwtClaims))).code).toBe("INVALID_ARGUMENT");
  });

  it("exp and expiresIn together are INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect((await rejection(ks.signToken("api", { exp: 1 }, { expiresIn: 60 }))).code).toBe("INVALID_ARGUMENT");
  });

  it("negative expiresIn is INVALID_ARGUMENT", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect((await rejection(ks.signToken("api", {}, { expiresIn: -1 }))).code).toBe("INVALID_ARGUMENT");
  });

  it("encrypt key cannot sign tokens", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("data", { purpose: "encrypt" });

    expect((await rejection(ks.signToken("data", {}))).code).toBe("WRONG_PURPOSE");
  });

  it("type null leaves typ out", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign" });

    expect(partsOf(await ks.signToken("api", {}, { type: null })).header.typ).toBeUndefined();
    expect(partsOf(await ks.signToken("api", {}, { type: "at+jwt" })).header.typ).toBe("at+jwt");
  });
});

describe("exportJwks", () => {
  it("lists usable versions, primary first", async () => {
    const { ks } = await clockedClient();
    const created = await ks.createKey("api", { purpose: "sign" });
    const rotated = await ks.rotate("api");

    const jwks = await ks.exportJwks("api");

    expect(jwks.keys.map((jwk) => jwk.kid)).toEqual([rotated.id, created.versions[0]!.id].map((id) => `api:${id.toString(16).padStart(8, "0")}`));
    expect(jwks.keys.every((jwk) => jwk.alg === "EdDSA" && jwk.use === "sig" && jwk.kty === "OKP")).toBe(true);
    expect(jwks.keys.some((jwk) => "d" in jwk)).toBe(false);
  });

  it("drops a revoked version", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("api", { purpose: "sign", algorithm: "ECDSA-P256" });
    await ks.rotate("api");

    await ks.revoke("api", { version: 1 });
    const jwks = await ks.exportJwks("api");

    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]!.kid).toBe((await ks.exportPublicKey("api")).kid);
  });

  it("HMAC key is WRONG_PURPOSE", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("secret", { purpose: "mac" });

    expect((await rejection(ks.exportJwks("secret"))).code).toBe("WRONG_PURPOSE");
  });

  it("encrypt key is WRONG_PURPOSE", async () => {
    const { ks } = await clockedClient();
    await ks.createKey("data", { purpose: "encrypt" });

    expect((await rejection(ks.exportJwks("data"))).code).toBe("WRONG_PURPOSE");
  });
});

describe("tokens with policy and audit", () => {
  class DenyingAuthorizer implements Authorizer {
    constructor(readonly denied: string) {}
    async authorize(request: AccessRequest) {
      return { allowed: request.operation !== this.denied };
    }
    authorizeSync(request: AccessRequest) {
      return { allowed: request.operation !== this.denied };
    }
  }

  it("verify denied by policy is POLICY_DENIED", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await clockedClient({ audit, authorizer: new DenyingAuthorizer("verify") });
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {});

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("POLICY_DENIED");
    expect(audit.events().at(-1)).toMatchObject({ operation: "verify-token", outcome: "denied", keyName: "api" });
  });

  it("denied verify is checked before key lookup", async () => {
    const { ks } = await clockedClient({ authorizer: new DenyingAuthorizer("verify") });
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {});

    const rejected = await rejection(ks.verifyToken(token, { key: ["api", "absent"] }));

    expect(rejected.code).toBe("POLICY_DENIED");
  });

  it("HS256 signing needs the mac operation", async () => {
    const { ks } = await clockedClient({ authorizer: new DenyingAuthorizer("mac") });
    await ks.createKey("secret", { purpose: "mac" });

    expect((await rejection(ks.signToken("secret", {}))).code).toBe("POLICY_DENIED");
  });

  it("audit records sign and the failure code", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks, time } = await clockedClient({ audit });
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", {}, { expiresIn: 1 });
    expect(audit.events().at(-1)).toMatchObject({ operation: "sign-token", outcome: "success", keyName: "api", keyVersion: 1 });

    time.now += 5000;
    await rejection(ks.verifyToken(token, { key: "api" }));

    expect(audit.events().at(-1)).toMatchObject({ operation: "verify-token", outcome: "failure", errorCode: "TOKEN_EXPIRED" });
  });
});

describe("RFC 8037 appendix A.4", () => {
  it("Ed25519 key signs the RFC signing input to the RFC signature", async () => {
    const vector = rfc8037.jws_ed25519;
    const store = new MemoryStore();
    await putTestKey(store, "rfc8037", "ED25519", { type: "raw", bytes: decodeBase64Url(vector.jwk.d, "d") });
    const { ks } = await openClient({ store });
    const [header, payload, signature] = vector.compact.split(".") as [string, string, string];

    const signed = await ks.sign("rfc8037", `${header}.${payload}`);
    const jwks = await ks.exportJwks("rfc8037");

    expect(encodeBase64Url(signed)).toBe(signature);
    expect(jwks.keys[0]!.x).toBe(vector.jwk.x);
  });

  it("RFC token is rejected because its payload is no claims set", async () => {
    const vector = rfc8037.jws_ed25519;
    const store = new MemoryStore();
    await putTestKey(store, "rfc8037", "ED25519", { type: "raw", bytes: decodeBase64Url(vector.jwk.d, "d") });
    const { ks } = await openClient({ store });

    expect((await rejection(ks.verifyToken(vector.compact, { key: "rfc8037" }))).code).toBe("TOKEN_INVALID");
  });
});
