// Checks of the core, the client and tokens that run unchanged inside
// workerd (test/edge-workerd.node.test.ts) and Deno
// (test/edge-deno.node.test.ts). They compare against published vectors
// (RFC 8032, RFC 8439, draft-irtf-cfrg-xchacha, RFC 8037) and the frozen
// golden vectors of format version 1, and run round trips. Nothing here
// may import a Node built-in: the file is bundled into a Worker.
import { chacha20poly1305, ed25519, ready, sha512, xchacha20poly1305, type WasmSource } from "../../src/core/index.js";
import { KeyState, MemoryStore, isKeyStateError } from "../../src/index.js";
import type { KeyStore, StoredMaterial } from "../../src/backends/key-store.js";
import { decodeBase64Url, encodeBase64Url } from "../../src/format/base64url.js";
import { fromText } from "../../src/format/text.js";
import type { KeyAlgorithm, KeyInfo } from "../../src/keys/types.js";
import rfc8032 from "../vectors/rfc8032.json" with { type: "json" };
import rfc8037 from "../vectors/rfc8037.json" with { type: "json" };
import rfc8439 from "../vectors/rfc8439.json" with { type: "json" };
import goldenKeys from "../golden/keys.json" with { type: "json" };
import goldenCiphertexts from "../golden/ciphertexts.json" with { type: "json" };
import goldenSignatures from "../golden/signatures.json" with { type: "json" };

/** The outcome of one check, as the runtime reports it back to the Node test. */
export interface CheckResult {
  name: string;
  passed: boolean;
  /** The error code and message of a failed check. */
  error?: string;
}

interface Check {
  name: string;
  run(wasm: WasmSource | undefined): Promise<void>;
}

const hex = (data: Uint8Array): string => Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
const bytes = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const fromUtf8 = (data: Uint8Array): string => new TextDecoder().decode(data);

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, what: string): Promise<void> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    if (isKeyStateError(error) && error.code === code) return;
    throw new Error(`${what}: expected ${code}, got ${isKeyStateError(error) ? error.code : String(error)}`);
  }
  throw new Error(`${what}: expected ${code}, but it succeeded`);
}

/** Writes a key whose material the check supplies into a store, as the keyset and golden files do. */
async function putKey(store: KeyStore, name: string, algorithm: KeyAlgorithm, material: Uint8Array): Promise<void> {
  const now = Date.UTC(2030, 0, 1);
  const info: KeyInfo = {
    name,
    purpose: algorithm === "HMAC-SHA256" ? "mac" : "sign",
    algorithm,
    createdAt: now,
    versions: [{ version: 1, id: 0x0badcafe, status: "primary", createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } }],
  };
  await store.putKey({ info, material: new Map([[1, { type: "raw", bytes: material }]]) }, null);
}

async function client(wasm: WasmSource | undefined, store: KeyStore = new MemoryStore(), clock?: () => number): Promise<KeyState> {
  return KeyState.open({ store, principal: "edge", wasm, cacheTtl: 0, ...(clock && { clock }) });
}

async function goldenClient(wasm: WasmSource | undefined): Promise<KeyState> {
  const store = new MemoryStore();
  for (const key of goldenKeys.keys) {
    const material = new Map<number, StoredMaterial>();
    for (const [version, value] of Object.entries(key.material)) material.set(Number(version), { type: "raw", bytes: bytes(value) });
    await store.putKey({ info: key.info as KeyInfo, material }, null);
  }
  return client(wasm, store);
}

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of chunks) parts.push(part);
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function tokenParts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".") as [string, string];
  const json = (part: string) => JSON.parse(fromUtf8(decodeBase64Url(part, "part"))) as Record<string, unknown>;
  return { header: json(header), payload: json(payload) };
}

const ed25519Test1 = rfc8032.ed25519[0]!;
const sha512Abc = rfc8032.sha512.find((vector) => vector.message === "616263")!;
const aeadVector = rfc8439.chacha20_poly1305[0]!;
const xaeadVector = rfc8439.xchacha20_poly1305[0]!;

const coreChecks: Check[] = [
  {
    name: "core: RFC 8032 test 1 public key",
    async run(wasm) {
      await ready(wasm);
      expectEqual(hex(ed25519.getPublicKey(bytes(ed25519Test1.secretKey))), ed25519Test1.publicKey, "public key");
    },
  },
  {
    name: "core: RFC 8032 test 1 signature",
    async run(wasm) {
      await ready(wasm);
      expectEqual(hex(ed25519.sign(bytes(ed25519Test1.secretKey), bytes(ed25519Test1.message))), ed25519Test1.signature, "signature");
    },
  },
  {
    name: "core: RFC 8032 test 1 verifies, flipped bit does not",
    async run(wasm) {
      await ready(wasm);
      const signature = bytes(ed25519Test1.signature);
      expectEqual(ed25519.verify(bytes(ed25519Test1.publicKey), bytes(ed25519Test1.message), signature), true, "verify");
      signature[10]! ^= 1;
      expectEqual(ed25519.verify(bytes(ed25519Test1.publicKey), bytes(ed25519Test1.message), signature), false, "verify flipped");
    },
  },
  {
    name: "core: SHA-512 of FIPS 180-4 abc",
    async run(wasm) {
      await ready(wasm);
      expectEqual(hex(sha512(bytes(sha512Abc.message))), sha512Abc.digest, "digest");
    },
  },
  {
    name: "core: RFC 8439 AEAD seal",
    async run(wasm) {
      await ready(wasm);
      const { key, nonce, aad, plaintext, ciphertext, tag } = aeadVector;
      expectEqual(hex(chacha20poly1305.seal(bytes(key), bytes(nonce), bytes(plaintext), bytes(aad))), ciphertext + tag, "sealed");
    },
  },
  {
    name: "core: RFC 8439 AEAD open",
    async run(wasm) {
      await ready(wasm);
      const { key, nonce, aad, plaintext, ciphertext, tag } = aeadVector;
      expectEqual(hex(chacha20poly1305.open(bytes(key), bytes(nonce), bytes(ciphertext + tag), bytes(aad))), plaintext, "opened");
    },
  },
  {
    name: "core: XChaCha20-Poly1305 draft A.3.1 seal",
    async run(wasm) {
      await ready(wasm);
      const { key, nonce, aad, plaintext, ciphertext, tag } = xaeadVector;
      expectEqual(hex(xchacha20poly1305.seal(bytes(key), bytes(nonce), bytes(plaintext), bytes(aad))), ciphertext + tag, "sealed");
    },
  },
  {
    name: "core: AEAD flipped tag is DECRYPT_FAILED",
    async run(wasm) {
      await ready(wasm);
      const { key, nonce, aad, ciphertext, tag } = aeadVector;
      const sealed = bytes(ciphertext + tag);
      sealed[sealed.length - 1]! ^= 1;
      await expectCode(() => chacha20poly1305.open(bytes(key), bytes(nonce), sealed, bytes(aad)), "DECRYPT_FAILED", "open");
    },
  },
];

const goldenChecks: Check[] = [
  ...goldenCiphertexts.ciphertexts.map((vector, index): Check => ({
    name: `client: golden ${vector.kind} ciphertext ${index} (${vector.key}) decrypts`,
    async run(wasm) {
      const ks = await goldenClient(wasm);
      const options = vector.context === null ? {} : { context: vector.context as Record<string, string> };

      let plaintext: Uint8Array;
      if (vector.kind === "direct") plaintext = await ks.decrypt(vector.ciphertext, options);
      else if (vector.kind === "envelope") plaintext = await ks.open(vector.ciphertext, options);
      else plaintext = await collect(await ks.open(once(fromText(vector.ciphertext)), options));

      expectEqual(hex(plaintext), vector.plaintext, "plaintext");
    },
  })),
  ...goldenSignatures.signatures.map((vector): Check => ({
    name: `client: golden signature of ${vector.key} verifies`,
    async run(wasm) {
      const ks = await goldenClient(wasm);
      expectEqual(await ks.verify(vector.key, bytes(vector.message), bytes(vector.signature)), true, "verify");
      expectEqual((await ks.exportPublicKey(vector.key)).x, vector.jwk.x, "public key x");
    },
  })),
];

const clientChecks: Check[] = [
  {
    name: "client: RFC 8032 test 1 through a stored key",
    async run(wasm) {
      const store = new MemoryStore();
      await putKey(store, "rfc8032", "ED25519", bytes(ed25519Test1.secretKey));
      const ks = await client(wasm, store);
      expectEqual(hex(await ks.sign("rfc8032", bytes(ed25519Test1.message))), ed25519Test1.signature, "signature");
    },
  },
  {
    name: "client: encrypt and decrypt with context",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("notes", { purpose: "encrypt" });
      const ciphertext = await ks.encryptToString("notes", "hello edge", { context: { user: "42" } });
      expectEqual(fromUtf8(await ks.decrypt(ciphertext, { context: { user: "42" } })), "hello edge", "plaintext");
      await expectCode(ks.decrypt(ciphertext, { context: { user: "43" } }), "DECRYPT_FAILED", "wrong context");
    },
  },
  {
    name: "client: AES-256-GCM and ECDSA-P256 through WebCrypto",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("gcm", { purpose: "encrypt", algorithm: "AES-256-GCM" });
      await ks.createKey("ecdsa", { purpose: "sign", algorithm: "ECDSA-P256" });
      expectEqual(fromUtf8(await ks.decrypt(await ks.encrypt("gcm", "gcm data"))), "gcm data", "AES-GCM round trip");
      const signature = await ks.sign("ecdsa", "message");
      expectEqual(await ks.verify("ecdsa", "message", signature), true, "ECDSA verify");
      expectEqual(await ks.verify("ecdsa", "other message", signature), false, "ECDSA verify other message");
    },
  },
  {
    name: "client: envelope seal and open with AES-KW",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("files", { purpose: "wrap" });
      const data = crypto.getRandomValues(new Uint8Array(65_536));
      expectEqual(hex(await ks.open(await ks.seal("files", data))), hex(data), "opened");
    },
  },
  {
    name: "client: rotation keeps old ciphertext readable",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("notes", { purpose: "encrypt" });
      const old = await ks.encrypt("notes", "before");
      await ks.rotate("notes");
      expectEqual(fromUtf8(await ks.decrypt(old)), "before", "old ciphertext");
      expectEqual(fromUtf8(await ks.decrypt(await ks.encrypt("notes", "after"))), "after", "new ciphertext");
    },
  },
  {
    name: "client: sealed keyset opens read-only",
    async run(wasm) {
      const source = await client(wasm, new MemoryStore({ cryptoKeys: false }));
      await source.createKey("config", { purpose: "encrypt" });
      const secret = await source.encryptToString("config", "db-password");
      const masterKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
      const sealed = await source.exportSealedKeyset(["config"], { masterKey });

      const edge = await KeyState.fromSealedKeyset(sealed, { masterKey, principal: "edge", wasm });
      expectEqual(fromUtf8(await edge.decrypt(secret)), "db-password", "decrypted");
      await expectCode(edge.rotate("config"), "STORE_READ_ONLY", "rotate");
    },
  },
];

const tokenChecks: Check[] = [
  ...(
    [
      ["ED25519", "sign", "EdDSA"],
      ["ECDSA-P256", "sign", "ES256"],
      ["HMAC-SHA256", "mac", "HS256"],
    ] as const
  ).map(([algorithm, purpose, alg]): Check => ({
    name: `tokens: ${alg} round trip`,
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("api", { purpose, algorithm });
      const token = await ks.signToken("api", { sub: "user-7", aud: "edge" }, { expiresIn: 60 });
      expectEqual(tokenParts(token).header.alg, alg, "alg");
      expectEqual((await ks.verifyToken(token, { key: "api", audience: "edge" })).sub, "user-7", "sub");
    },
  })),
  {
    name: "tokens: RFC 8037 A.4 signature through a stored key",
    async run(wasm) {
      const vector = rfc8037.jws_ed25519;
      const store = new MemoryStore();
      await putKey(store, "rfc8037", "ED25519", decodeBase64Url(vector.jwk.d, "d"));
      const ks = await client(wasm, store);
      const [header, payload, signature] = vector.compact.split(".") as [string, string, string];
      expectEqual(encodeBase64Url(await ks.sign("rfc8037", `${header}.${payload}`)), signature, "signature");
      expectEqual((await ks.exportJwks("rfc8037")).keys[0]!.x, vector.jwk.x, "JWKS x");
    },
  },
  {
    name: "tokens: alg none and a changed payload are TOKEN_INVALID",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("api", { purpose: "sign" });
      const token = await ks.signToken("api", { sub: "user-7" });
      const [header, , signature] = token.split(".") as [string, string, string];
      const none = encodeBase64Url(utf8(JSON.stringify({ ...tokenParts(token).header, alg: "none" })));
      const changed = encodeBase64Url(utf8(JSON.stringify({ sub: "admin" })));
      await expectCode(ks.verifyToken(`${none}.${token.split(".")[1]}.`, { key: "api" }), "TOKEN_INVALID", "alg none");
      await expectCode(ks.verifyToken(`${header}.${changed}.${signature}`, { key: "api" }), "TOKEN_INVALID", "changed payload");
    },
  },
  {
    name: "tokens: exp and nbf with clock tolerance",
    async run(wasm) {
      const time = { now: Date.UTC(2030, 0, 1) };
      const ks = await client(wasm, new MemoryStore(), () => time.now);
      await ks.createKey("api", { purpose: "sign" });
      const token = await ks.signToken("api", {}, { expiresIn: 60, notBefore: 10 });
      await expectCode(ks.verifyToken(token, { key: "api" }), "TOKEN_NOT_YET_VALID", "before nbf");
      await ks.verifyToken(token, { key: "api", clockTolerance: 10 });
      time.now += 60_000;
      await expectCode(ks.verifyToken(token, { key: "api" }), "TOKEN_EXPIRED", "at exp");
      await ks.verifyToken(token, { key: "api", clockTolerance: 1 });
    },
  },
  {
    name: "tokens: JWKS follows rotation and revocation",
    async run(wasm) {
      const ks = await client(wasm);
      await ks.createKey("api", { purpose: "sign", algorithm: "ECDSA-P256" });
      const old = await ks.signToken("api", { n: 1 });
      await ks.rotate("api");
      const fresh = await ks.signToken("api", { n: 2 });
      expectEqual((await ks.exportJwks("api")).keys.length, 2, "keys after rotation");
      expectEqual((await ks.verifyToken(old, { key: "api" })).n, 1, "old token");
      await ks.revoke("api", { version: 1 });
      expectEqual((await ks.exportJwks("api")).keys.length, 1, "keys after revocation");
      await expectCode(ks.verifyToken(old, { key: "api" }), "TOKEN_INVALID", "old token after revocation");
      expectEqual(tokenParts(fresh).header.kid, (await ks.exportJwks("api")).keys[0]!.kid, "kid of the new token");
    },
  },
];

/** Every check, in the order they run. */
export const CHECKS: readonly Check[] = [...coreChecks, ...goldenChecks, ...clientChecks, ...tokenChecks];

/** Runs every check with the core from `wasm` (or the default location) and returns one result per check. */
export async function runChecks(wasm?: WasmSource): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of CHECKS) {
    try {
      await check.run(wasm);
      results.push({ name: check.name, passed: true });
    } catch (error) {
      const code = isKeyStateError(error) ? `${error.code}: ` : "";
      results.push({ name: check.name, passed: false, error: `${code}${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return results;
}
