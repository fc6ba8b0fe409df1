// Measurements of keystate/pool that run the same way in Node and in a
// browser page, through bench/harness.ts. The cases of each group take turns
// round by round, so load from other processes falls on all of them alike,
// and ratios are medians of per-round ratios.
import { createCryptoPool, type CryptoPool } from "../src/pool/index.js";
import { measureInterleaved, speedRatio, type Measurement } from "./harness.js";

export interface PoolMeasurements {
  /** Sealing 32 messages of 1 MiB: in-thread, through one worker, through two. */
  throughput: Measurement[];
  /** speedRatio(two workers, in-thread) and speedRatio(two workers, one worker). */
  twoWorkersOverInline: number;
  twoWorkersOverOne: number;
  /** One awaited 64-byte seal, in-thread and through a worker. */
  roundTrip64: Measurement[];
  /** One awaited seal by message size, in-thread and through a worker. */
  bySize: { bytes: number; measurements: Measurement[] }[];
  /**
   * One awaited 64-byte seal through the pool's worker next to the floor
   * under it: a bare postMessage echo of the same arguments to a worker that
   * runs no Comlink and no core.
   */
  floor64: Measurement[];
  /** 1000 seals of 64 bytes: one batch over two workers, 1000 concurrent calls over two workers, an in-thread batch. */
  batch64: Measurement[];
  /**
   * Estimated bytes at which an in-thread seal takes as long as the fixed
   * cost of a worker round trip (worker minus in-thread at 64 bytes), from a
   * least-squares line through the in-thread times by size. `fastest` uses
   * each case's fastest sample, which load from other processes disturbs
   * least; `median` uses the medians.
   */
  threshold: { fastest: number; median: number };
}

const MIB = 1024 * 1024;
const KEY = new Uint8Array(32).fill(7);
const NONCE = new Uint8Array(24).fill(9);
const SIZES = [256, 1024, 4096, 16_384, 65_536, 262_144];

/** The per-size part of PoolMeasurements, for measureCallCost. */
export type CallCost = Pick<PoolMeasurements, "roundTrip64" | "bySize" | "threshold">;

export async function measurePool(rounds = 7): Promise<PoolMeasurements> {
  const inline = await createCryptoPool({ mode: "inline" });
  const one = await createCryptoPool({ size: 1, inlineThreshold: 0 });
  const two = await createCryptoPool({ size: 2, inlineThreshold: 0 });

  try {
    const messages = Array.from({ length: 32 }, (_, i) => new Uint8Array(MIB).fill(i));
    const throughput = await measureInterleaved(
      [
        { name: "in-thread", fn: () => sealAll(inline, messages) },
        { name: "1 worker", fn: () => sealAll(one, messages) },
        { name: "2 workers", fn: () => sealAll(two, messages) },
      ],
      { bytes: 32 * MIB, rounds },
    );

    const { roundTrip64, bySize, threshold } = await callCost(one, rounds);

    const echo = startEchoWorker();
    const message64 = new Uint8Array(64).fill(1);
    const floor64 = await measureInterleaved(
      [
        { name: "postMessage echo", fn: () => echo.roundTrip([KEY, NONCE, message64]) },
        { name: "pool worker", fn: () => one.xchacha20poly1305.seal(KEY, NONCE, message64) },
      ],
      { rounds },
    );
    echo.terminate();

    const small = Array.from({ length: 1000 }, (_, i) => [KEY, NONCE, new Uint8Array(64).fill(i)] as [Uint8Array, Uint8Array, Uint8Array]);
    const batch64 = await measureInterleaved(
      [
        { name: "batch over 2 workers", fn: () => two.batch.xchacha20poly1305.seal(small) },
        { name: "1000 calls over 2 workers", fn: () => Promise.all(small.map((item) => two.xchacha20poly1305.seal(...item))) },
        { name: "in-thread batch", fn: () => inline.batch.xchacha20poly1305.seal(small) },
      ],
      { bytes: 64_000, rounds },
    );


    return {
      throughput,
      twoWorkersOverInline: speedRatio(throughput[2]!, throughput[0]!),
      twoWorkersOverOne: speedRatio(throughput[2]!, throughput[1]!),
      roundTrip64,
      bySize,
      floor64,
      batch64,
      threshold,
    };
  } finally {
    await Promise.all([inline.terminate(), one.terminate(), two.terminate()]);
  }
}

/**
 * Measures one awaited seal by size, in-thread and through a one-worker pool,
 * on the given clock. In Node, a process CPU clock counts the worker thread
 * too, so it gives the whole CPU cost of a call through a worker, which load
 * from other processes disturbs far less than wall time.
 */
export async function measureCallCost(rounds = 7, clock?: () => number): Promise<CallCost> {
  const one = await createCryptoPool({ size: 1, inlineThreshold: 0 });
  try {
    return await callCost(one, rounds, clock);
  } finally {
    await one.terminate();
  }
}

async function callCost(one: CryptoPool, rounds: number, clock?: () => number): Promise<CallCost> {
  const options = clock === undefined ? { rounds } : { rounds, clock };
  const roundTrip64 = await measureInterleaved(sealOnce(one, 64), options);

  const bySize: PoolMeasurements["bySize"] = [];
  for (const bytes of SIZES) bySize.push({ bytes, measurements: await measureInterleaved(sealOnce(one, bytes), options) });

  const estimate = (pick: (measurement: Measurement) => number) =>
    breakEven(
      bySize.map((row) => ({ bytes: row.bytes, us: pick(row.measurements[0]!) })),
      pick(roundTrip64[1]!) - pick(roundTrip64[0]!),
    );

  return { roundTrip64, bySize, threshold: { fastest: estimate((m) => m.minUs), median: estimate((m) => m.medianUs) } };
}

// A worker that posts every message back, with one round trip in flight at a time.
function startEchoWorker(): { roundTrip(message: unknown): Promise<unknown>; terminate(): void } {
  if (typeof window === "undefined") {
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const code = 'const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));';
    const worker = new Worker(code, { eval: true });
    return {
      roundTrip: (message) =>
        new Promise((resolve) => {
          worker.once("message", resolve);
          worker.postMessage(message);
        }),
      terminate: () => void worker.terminate(),
    };
  }

  const script = URL.createObjectURL(new Blob(["onmessage = (event) => postMessage(event.data);"], { type: "text/javascript" }));
  const worker = new Worker(script);
  return {
    roundTrip: (message) =>
      new Promise((resolve) => {
        worker.addEventListener("message", resolve, { once: true });
        worker.postMessage(message);
      }),
    terminate: () => {
      worker.terminate();
      URL.revokeObjectURL(script);
    },
  };
}

// Seals every message and waits for all; the pool spreads them over its workers.
function sealAll(pool: CryptoPool, messages: Uint8Array[]): Promise<unknown> {
  return Promise.all(messages.map((message) => pool.xchacha20poly1305.seal(KEY, NONCE, message)));
}

function sealOnce(pool: CryptoPool, bytes: number) {
  const message = new Uint8Array(bytes).fill(1);
  return [
    { name: "in-thread", fn: () => pool.xchacha20poly1305.seal(KEY, NONCE, message, undefined, { route: "inline" }) },
    { name: "worker", fn: () => pool.xchacha20poly1305.seal(KEY, NONCE, message, undefined, { route: "worker" }) },
  ];
}

// Solves us(bytes) = overhead on the line fitted through the (bytes, us) points.
function breakEven(points: { bytes: number; us: number }[], overhead: number): number {
  const n = points.length;
  const meanX = points.reduce((sum, point) => sum + point.bytes, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.us, 0) / n;
  const slope =
    points.reduce((sum, point) => sum + (point.bytes - meanX) * (point.us - meanY), 0) /
    points.reduce((sum, point) => sum + (point.bytes - meanX) ** 2, 0);
  const intercept = meanY - slope * meanX;

  return Math.max(0, Math.round((overhead - intercept) / slope));
}
