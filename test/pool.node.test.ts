import { xchacha20poly1305 as nobleXchacha } from "@noble/ciphers/chacha.js";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { KeyStateError } from "../src/errors.js";
import { createCryptoPool, sendTestHook, type CryptoPool, type CryptoPoolOptions } from "../src/pool/create-pool.js";
import { spawnNodeWorker } from "../src/pool/spawn-node.js";

const pools: CryptoPool[] = [];

async function openPool(options: CryptoPoolOptions & { testHooks?: boolean } = {}): Promise<CryptoPool> {
  const pool = await createCryptoPool(options);
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.terminate()));
});

const key = new Uint8Array(32).fill(1);
const nonce = new Uint8Array(24).fill(2);
const plaintext = new Uint8Array(100).fill(3);

async function rejection(promise: Promise<unknown>): Promise<KeyStateError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KeyStateError);
  return error as KeyStateError;
}

describe("pool in Node", () => {
  it("default size leaves one thread free", async () => {
    const pool = await openPool();
    expect(pool.size).toBe(Math.max(1, availableParallelism() - 1));
  });

  it("process.exit in a worker rejects pending calls", async () => {
    const pool = await openPool({ size: 1, inlineThreshold: 0, testHooks: true });
    await pool.xchacha20poly1305.seal(key, nonce, plaintext);

    const started = Date.now();
    void sendTestHook(pool, 0, { kind: "exit" }).catch(() => undefined);
    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce, plaintext));
    expect(error.code).toBe("WORKER_TERMINATED");
    expect(Date.now() - started).toBeLessThan(1000);

    expect(await pool.xchacha20poly1305.seal(key, nonce, plaintext)).toEqual(nobleXchacha(key, nonce).encrypt(plaintext));
  });

  it("worker killed from outside is replaced", async () => {
    const started: Worker[] = [];
    const pool = await openPool({
      size: 1,
      inlineThreshold: 0,
      testHooks: true,
      createWorker: () => {
        const worker = spawnNodeWorker(true);
        started.push(worker);
        return worker;
      },
    });
    await pool.xchacha20poly1305.seal(key, nonce, plaintext);
    void sendTestHook(pool, 0, { kind: "block", milliseconds: 5000 }).catch(() => undefined);
    const call = pool.xchacha20poly1305.seal(key, nonce, plaintext);

    const killedAt = Date.now();
    await started[0]!.terminate();
    const error = await rejection(call);
    expect(error.code).toBe("WORKER_TERMINATED");
    expect(Date.now() - killedAt).toBeLessThan(1000);

    expect(await pool.xchacha20poly1305.seal(key, nonce, plaintext)).toEqual(nobleXchacha(key, nonce).encrypt(plaintext));
    expect(started).toHaveLength(2);
  });

  it("worker that fails to load rejects its calls", async () => {
    const { Worker } = await import("node:worker_threads");
    const pool = await openPool({
      size: 1,
      inlineThreshold: 0,
      createWorker: () => new Worker("throw new Error('broken worker script')", { eval: true }),
    });

    const error = await rejection(pool.xchacha20poly1305.seal(key, nonce, plaintext));
    expect(error.code).toBe("WORKER_TERMINATED");
  });
});
