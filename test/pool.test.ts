import { chacha20poly1305 as nobleChacha, xchacha20poly1305 as nobleXchacha } from "@noble/ciphers/chacha.js";
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as core from "../src/core/index.js";
import { KeyStateError } from "../src/errors.js";
import {
  MAX_FAILED_STARTS,
  createCryptoPool,
  sendTestHook,
  type CryptoPool,
  type CryptoPoolOptions,
} from "../src/pool/create-pool.js";

// Pools created by a test are terminated after it, so no worker outlives its test.
const pools: CryptoPool[] = [];

async function openPool(options: CryptoPoolOptions & { testHooks?: boolean } = {}): Promise<CryptoPool> {
  const pool = await createCryptoPool(options);
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.terminate()));
  vi.unstubAllGlobals();
});

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + 7) & 0xff;
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<KeyStateError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KeyStateError);
  return error as KeyStateError;
}

// The core's hash and signature functions are added by another part of the
// work; their checks run once keystate/core exports them.
const coreExports = core as Record<string, unknown>;
const hasEd25519 = typeof coreExports.ed25519 === "object";
const hasSha512 = typeof coreExports.sha512 === "function";

const key = bytes(32, 1);
const nonce24 = bytes(24, 2);
const nonce12 = bytes(12, 3);
const aad = bytes(13, 4);
const SIZES = [0, 1, 64, 1000, 70_000];

describe("pool through a worker", () => {
  it("xchacha20poly1305.seal matches @noble/ciphers", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    expect(pool.mode).toBe("worker");

    for (const size of SIZES) {
      const plaintext = bytes(size, size);
      const sealed = await pool.xchacha20poly1305.seal(key, nonce24, plaintext, aad);
      expect(sealed).toEqual(nobleXchacha(key, nonce24, aad).encrypt(plaintext));
    }
  });

  it("xchacha20poly1305.open reverses @noble/ciphers", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });

    for (const size of SIZES) {
      const plaintext = bytes(size, size);
      const sealed = nobleXchacha(key, nonce24).encrypt(plaintext);
      expect(await pool.xchacha20poly1305.open(key, nonce24, sealed)).toEqual(plaintext);
    }
  });

  it("chacha20poly1305 matches @noble/ciphers both ways", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(5000, 9);
    const expected = nobleChacha(key, nonce12, aad).encrypt(plaintext);

    const sealed = await pool.chacha20poly1305.seal(key, nonce12, plaintext, aad);
    expect(sealed).toEqual(expected);
    expect(await pool.chacha20poly1305.open(key, nonce12, expected, aad)).toEqual(plaintext);
  });

  it("results equal the in-thread core", async () => {
    await core.ready();
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(3000, 5);

    const fromWorker = await pool.xchacha20poly1305.seal(key, nonce24, plaintext, aad);
    expect(fromWorker).toEqual(core.xchacha20poly1305.seal(key, nonce24, plaintext, aad));
  });

  it.skipIf(!hasSha512)("sha512 matches @noble/hashes", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });

    for (const size of SIZES) {
      const data = bytes(size, size);
      expect(await pool.sha512(data)).toEqual(nobleSha512(data));
    }
  });

  it.skipIf(!hasEd25519)("ed25519 matches @noble/curves", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const seed = bytes(32, 11);
    const message = bytes(200, 12);
    const signature = nobleEd25519.sign(message, seed);

    expect(await pool.ed25519.getPublicKey(seed)).toEqual(nobleEd25519.getPublicKey(seed));
    expect(await pool.ed25519.sign(seed, message)).toEqual(signature);
    expect(await pool.ed25519.verify(nobleEd25519.getPublicKey(seed), message, signature)).toBe(true);
  });

  it("DECRYPT_FAILED keeps its class and code", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const sealed = nobleXchacha(key, nonce24).encrypt(bytes(100, 1));
    sealed[sealed.length - 1]! ^= 1;

    const error = await rejection(pool.xchacha20poly1305.open(key, nonce24, sealed));
    expect(error.code).toBe("DECRYPT_FAILED");
  });

  it("INVALID_ARGUMENT keeps its code and message", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });

    const error = await rejection(pool.xchacha20poly1305.seal(key.subarray(1), nonce24, bytes(10, 1)));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/key/);
  });

  it("non-byte argument rejects with INVALID_ARGUMENT", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = "text" as unknown as Uint8Array;

    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce24, plaintext));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/plaintext/);
  });

  it("call right after creation succeeds", async () => {
    const pool = await openPool({ size: 2, inlineThreshold: 0 });
    const plaintext = bytes(100, 3);

    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, plaintext);
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(plaintext));
  });

  it("1000 concurrent calls all match", async () => {
    const pool = await openPool({ size: 2, inlineThreshold: 0 });
    const plaintexts = Array.from({ length: 1000 }, (_, i) => bytes(i % 300, i));

    const sealed = await Promise.all(plaintexts.map((plaintext) => pool.xchacha20poly1305.seal(key, nonce24, plaintext)));

    const mismatches = sealed.filter((value, i) => !equalBytes(value, nobleXchacha(key, nonce24).encrypt(plaintexts[i]!)));
    expect(mismatches).toHaveLength(0);
  });
});

describe("pool copy and transfer", () => {
  it("copy keeps the caller's buffers", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(4096, 1);

    await pool.xchacha20poly1305.seal(key, nonce24, plaintext);
    expect(plaintext.byteLength).toBe(4096);
    expect(plaintext).toEqual(bytes(4096, 1));
  });

  it("transfer detaches a whole-buffer plaintext", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(4096, 1);
    const ownKey = key.slice();

    const sealed = await pool.xchacha20poly1305.seal(ownKey, nonce24, plaintext, undefined, { transfer: true });
    expect(plaintext.buffer.byteLength).toBe(0);
    expect(ownKey).toEqual(key);
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(4096, 1)));
  });

  it("pool transfer option detaches by default", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0, transfer: true });
    const plaintext = bytes(256, 2);

    await pool.xchacha20poly1305.seal(key, nonce24, plaintext);
    expect(plaintext.buffer.byteLength).toBe(0);
  });

  it("transfer of an offset view keeps its parent", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const parent = bytes(1000, 6);
    const view = parent.subarray(100, 600);

    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, view, undefined, { transfer: true });
    expect(parent.buffer.byteLength).toBe(1000);
    expect(parent).toEqual(bytes(1000, 6));
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(1000, 6).subarray(100, 600)));
  });

  it("transfer of a short view at offset 0 keeps its parent", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const parent = bytes(1000, 7);

    await pool.xchacha20poly1305.seal(key, nonce24, parent.subarray(0, 10), undefined, { transfer: true });
    expect(parent.buffer.byteLength).toBe(1000);
  });

  it("detached buffer rejects with INVALID_ARGUMENT", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(64, 1);
    await pool.xchacha20poly1305.seal(key, nonce24, plaintext, undefined, { transfer: true });

    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce24, plaintext, undefined, { transfer: true }));
    expect(error.code).toBe("INVALID_ARGUMENT");
  });

  it("results own their whole buffer", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });

    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, bytes(300, 1));
    expect(sealed.byteOffset).toBe(0);
    expect(sealed.buffer.byteLength).toBe(316);
  });
});

describe("pool routing", () => {
  it("small call runs inline by default", async () => {
    const pool = await openPool({ size: 1, testHooks: true });
    // A blocked worker would hold a worker-routed call for 3 s.
    void sendTestHook(pool, 0, { kind: "block", milliseconds: 3000 }).catch(() => undefined);

    const started = Date.now();
    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, bytes(64, 1));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(64, 1)));
  });

  it("route inline matches @noble/ciphers", async () => {
    const pool = await openPool({ size: 1 });
    const plaintext = bytes(100_000, 8);

    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, plaintext, aad, { route: "inline" });
    expect(sealed).toEqual(nobleXchacha(key, nonce24, aad).encrypt(plaintext));
  });

  it("inline errors keep their code", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: Infinity });

    const error = await rejection(pool.xchacha20poly1305.open(key, nonce24, bytes(40, 1)));
    expect(error.code).toBe("DECRYPT_FAILED");
  });

  it("rejects bad options with INVALID_ARGUMENT", async () => {
    const badSize = await rejection(createCryptoPool({ size: 0 }));
    expect(badSize.code).toBe("INVALID_ARGUMENT");

    const badThreshold = await rejection(createCryptoPool({ inlineThreshold: -1 }));
    expect(badThreshold.code).toBe("INVALID_ARGUMENT");
  });
});

describe("pool batch", () => {
  it("batch seal matches @noble/ciphers in order", async () => {
    const pool = await openPool({ size: 2, inlineThreshold: 0 });
    const items = Array.from({ length: 101 }, (_, i) => [key, nonce24, bytes(i * 7, i)] as [Uint8Array, Uint8Array, Uint8Array]);

    const sealed = await pool.batch.xchacha20poly1305.seal(items);
    expect(sealed).toHaveLength(101);
    sealed.forEach((value, i) => expect(value).toEqual(nobleXchacha(key, nonce24).encrypt(items[i]![2])));
  });

  it("batch inline matches @noble/ciphers", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: Infinity });
    const items = Array.from({ length: 10 }, (_, i) => [key, nonce24, bytes(i, i), aad] as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]);

    const sealed = await pool.batch.xchacha20poly1305.seal(items);
    sealed.forEach((value, i) => expect(value).toEqual(nobleXchacha(key, nonce24, aad).encrypt(items[i]![2])));
  });

  it("batch open names the failed item", async () => {
    const pool = await openPool({ size: 2, inlineThreshold: 0 });
    const items = Array.from({ length: 20 }, (_, i) => [key, nonce24, nobleXchacha(key, nonce24).encrypt(bytes(50, i))] as [Uint8Array, Uint8Array, Uint8Array]);
    items[13]![2][0]! ^= 1;

    const error = await rejection(pool.batch.xchacha20poly1305.open(items));
    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).toMatch(/batch item 13\b/);
  });

  it.skipIf(!hasEd25519)("batch verify returns booleans", async () => {
    const pool = await openPool({ size: 2, inlineThreshold: 0 });
    const seed = bytes(32, 21);
    const publicKey = nobleEd25519.getPublicKey(seed);
    const messages = Array.from({ length: 6 }, (_, i) => bytes(40, i));
    const signatures = messages.map((message) => nobleEd25519.sign(message, seed));
    signatures[4]![0]! ^= 1;

    const valid = await pool.batch.ed25519.verify(messages.map((message, i) => [publicKey, message, signatures[i]!]));
    expect(valid).toEqual([true, true, true, true, false, true]);
  });

  it("batch keeps the caller's buffers", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const plaintext = bytes(500, 2);

    const [sealed] = await pool.batch.xchacha20poly1305.seal([[key, nonce24, plaintext, aad]], { transfer: true });
    expect(plaintext.buffer.byteLength).toBe(500);
    expect(sealed).toEqual(nobleXchacha(key, nonce24, aad).encrypt(bytes(500, 2)));
    expect(sealed!.buffer.byteLength).toBe(516);
  });

  it("empty batch returns no results", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    expect(await pool.batch.xchacha20poly1305.seal([])).toEqual([]);
  });
});

describe("pool abort", () => {
  it("aborted signal rejects before sending", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const controller = new AbortController();
    controller.abort();

    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1), undefined, { signal: controller.signal }));
    expect(error.code).toBe("ABORTED");
  });

  it("abort rejects a call waiting on a busy worker", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0, testHooks: true });
    void sendTestHook(pool, 0, { kind: "block", milliseconds: 1500 }).catch(() => undefined);
    const controller = new AbortController();

    const call = pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1), undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);

    const error = await rejection(call);
    expect(error.code).toBe("ABORTED");
  });

  it("aborted batch rejects with ABORTED", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });
    const controller = new AbortController();
    controller.abort();

    const error = await rejection(pool.batch.xchacha20poly1305.seal([[key, nonce24, bytes(1, 1)]], { signal: controller.signal }));
    expect(error.code).toBe("ABORTED");
  });
});

describe("pool termination", () => {
  it("terminate mid-call rejects within 1 s", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0, testHooks: true });
    await pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1));
    void sendTestHook(pool, 0, { kind: "block", milliseconds: 10_000 }).catch(() => undefined);
    const call = pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1));
    await delay(50);

    const started = Date.now();
    void pool.terminate();
    const error = await rejection(call);
    expect(error.code).toBe("WORKER_TERMINATED");
    // The generous bound of the contract; the rejection itself is immediate.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("calls after terminate reject", async () => {
    const pool = await openPool({ size: 1 });
    await pool.terminate();

    const small = await rejection(pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1)));
    expect(small.code).toBe("WORKER_TERMINATED");
    const batch = await rejection(pool.batch.xchacha20poly1305.seal([[key, nonce24, bytes(10, 1)]]));
    expect(batch.code).toBe("WORKER_TERMINATED");
  });

  it("crashed worker rejects and is replaced", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0, testHooks: true });
    await pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1));

    const started = Date.now();
    void sendTestHook(pool, 0, { kind: "throw" }).catch(() => undefined);
    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1)));
    expect(error.code).toBe("WORKER_TERMINATED");
    expect(Date.now() - started).toBeLessThan(1000);

    const sealed = await pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1));
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(10, 1)));
  });

  it.skipIf(typeof window === "undefined")("worker that fails to load rejects its calls", async () => {
    const script = URL.createObjectURL(new Blob(["throw new Error('broken worker script')"], { type: "text/javascript" }));
    const pool = await openPool({ size: 1, inlineThreshold: 0, createWorker: () => new Worker(script, { type: "module" }) });

    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1)));
    expect(error.code).toBe("WORKER_TERMINATED");
    URL.revokeObjectURL(script);
  });

  it("workers that never start fall back inline", async () => {
    const failingScript = "throw new Error('broken worker script')";
    const pool = await openPool({
      size: 1,
      inlineThreshold: 0,
      createWorker: () =>
        typeof window === "undefined"
          ? new (process.getBuiltinModule("node:worker_threads").Worker)(failingScript, { eval: true })
          : new Worker(URL.createObjectURL(new Blob([failingScript], { type: "text/javascript" })), { type: "module" }),
    });

    // The first worker may die before the first call is made, so up to
    // MAX_FAILED_STARTS calls fail before one runs in the calling thread.
    const codes: string[] = [];
    let sealed: Uint8Array | undefined;
    for (let attempt = 0; attempt <= MAX_FAILED_STARTS && sealed === undefined; attempt++) {
      sealed = await pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1)).catch((error: KeyStateError) => {
        codes.push(error.code);
        return undefined;
      });
    }

    expect(codes.every((code) => code === "WORKER_TERMINATED")).toBe(true);
    expect(pool.mode).toBe("inline");
    expect(sealed).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(10, 1)));
  });

  it("test hooks are off by default", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0 });

    const error = await rejection(sendTestHook(pool, 0, { kind: "throw" }));
    expect(error.code).toBe("INTERNAL");
  });
});

describe("pool in-thread fallback", () => {
  it("failing createWorker falls back inline", async () => {
    const pool = await openPool({
      inlineThreshold: 0,
      createWorker: () => {
        throw new Error("no workers here");
      },
    });
    expect(pool.mode).toBe("inline");

    const plaintext = bytes(5000, 4);
    expect(await pool.xchacha20poly1305.seal(key, nonce24, plaintext)).toEqual(nobleXchacha(key, nonce24).encrypt(plaintext));
  });

  it("mode inline starts no workers", async () => {
    const pool = await openPool({ mode: "inline" });
    expect(pool.mode).toBe("inline");
    expect(pool.size).toBe(0);

    const items = [[key, nonce24, bytes(10, 1)]] as [Uint8Array, Uint8Array, Uint8Array][];
    expect(await pool.batch.xchacha20poly1305.seal(items)).toEqual([nobleXchacha(key, nonce24).encrypt(bytes(10, 1))]);
  });

  it.skipIf(typeof window === "undefined")("missing Worker global falls back inline", async () => {
    vi.stubGlobal("Worker", undefined);
    const pool = await openPool({ inlineThreshold: 0 });
    expect(pool.mode).toBe("inline");

    expect(await pool.xchacha20poly1305.seal(key, nonce24, bytes(10, 1))).toEqual(nobleXchacha(key, nonce24).encrypt(bytes(10, 1)));
  });
});

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
