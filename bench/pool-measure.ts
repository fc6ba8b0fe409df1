// Measurements of keystate/pool that run the same way in Node and in a
// browser page. Configurations alternate inside every round, so a load spike
// from other processes hits all of them alike, and ratios are taken per
// round before the median.
import { createCryptoPool, type CryptoPool } from "../src/pool/index.js";

export interface PoolMeasurements {
  /** MiB/s sealing 32 messages of 1 MiB, median over rounds. */
  throughput: { inline: number; oneWorker: number; twoWorkers: number };
  /** Median over rounds of (two workers MiB/s) / (in-thread MiB/s) measured in the same round. */
  twoWorkersOverInline: number;
  /** Microseconds per awaited 64-byte seal, median over rounds. */
  roundTrip64: { inline: number; worker: number };
  /** Microseconds per awaited seal by message size, in-thread and through one worker. */
  bySize: { bytes: number; inline: number; worker: number }[];
  /** Microseconds per 64-byte seal over 1000 messages: one batch call, 1000 concurrent worker calls, in-thread. */
  batch64: { batch: number; calls: number; inline: number };
  /**
   * Bytes at which an in-thread seal takes as long as the fixed cost of a
   * worker round trip (worker minus in-thread at 64 bytes), from a
   * least-squares line through the in-thread times by size.
   */
  threshold: number;
  rounds: number;
}

const MIB = 1024 * 1024;
const KEY = new Uint8Array(32).fill(7);
const NONCE = new Uint8Array(24).fill(9);
const SIZES = [256, 1024, 4096, 16_384, 65_536, 262_144];

export async function measurePool(rounds = 5): Promise<PoolMeasurements> {
  const inlinePool = await createCryptoPool({ mode: "inline" });
  const one = await createCryptoPool({ size: 1, inlineThreshold: 0 });
  const two = await createCryptoPool({ size: 2, inlineThreshold: 0 });

  try {
    const messages = Array.from({ length: 32 }, (_, i) => new Uint8Array(MIB).fill(i));

    // Warm-up: every worker loads the core and the JIT settles.
    for (const pool of [inlinePool, one, two]) await sealAll(pool, messages.slice(0, 4));

    const inline: number[] = [];
    const oneWorker: number[] = [];
    const twoWorkers: number[] = [];
    const ratios: number[] = [];
    const tripInline: number[] = [];
    const tripWorker: number[] = [];
    const sizeInline = SIZES.map(() => [] as number[]);
    const sizeWorker = SIZES.map(() => [] as number[]);
    const batchTimes: number[] = [];
    const callTimes: number[] = [];
    const batchInline: number[] = [];
    const small = Array.from({ length: 1000 }, (_, i) => [KEY, NONCE, new Uint8Array(64).fill(i)] as [Uint8Array, Uint8Array, Uint8Array]);

    for (let round = 0; round < rounds; round++) {
      const order = rotate([inlinePool, one, two], round);
      const rates = new Map<CryptoPool, number>();
      for (const pool of order) rates.set(pool, 32 / (await time(() => sealAll(pool, messages))));

      inline.push(rates.get(inlinePool)!);
      oneWorker.push(rates.get(one)!);
      twoWorkers.push(rates.get(two)!);
      ratios.push(rates.get(two)! / rates.get(inlinePool)!);

      tripInline.push(await perCall(one, 64, "inline", 2000));
      tripWorker.push(await perCall(one, 64, "worker", 2000));

      batchTimes.push((await time(() => two.batch.xchacha20poly1305.seal(small).then(() => undefined))) * 1000);
      callTimes.push((await time(() => Promise.all(small.map((item) => two.xchacha20poly1305.seal(...item))).then(() => undefined))) * 1000);
      batchInline.push((await time(() => inlinePool.batch.xchacha20poly1305.seal(small).then(() => undefined))) * 1000);

      for (let i = 0; i < SIZES.length; i++) {
        const calls = Math.max(20, Math.round(2_000_000 / SIZES[i]!));
        sizeInline[i]!.push(await perCall(one, SIZES[i]!, "inline", calls));
        sizeWorker[i]!.push(await perCall(one, SIZES[i]!, "worker", calls));
      }
    }

    const bySize = SIZES.map((bytes, i) => ({ bytes, inline: median(sizeInline[i]!), worker: median(sizeWorker[i]!) }));
    const roundTrip64 = { inline: median(tripInline), worker: median(tripWorker) };

    return {
      throughput: { inline: median(inline), oneWorker: median(oneWorker), twoWorkers: median(twoWorkers) },
      twoWorkersOverInline: median(ratios),
      roundTrip64,
      bySize,
      batch64: { batch: median(batchTimes), calls: median(callTimes), inline: median(batchInline) },
      threshold: breakEven(bySize, roundTrip64.worker - roundTrip64.inline),
      rounds,
    };
  } finally {
    await Promise.all([inlinePool.terminate(), one.terminate(), two.terminate()]);
  }
}

// Seals every message and waits for all; the pool spreads them over its workers.
async function sealAll(pool: CryptoPool, messages: Uint8Array[]): Promise<void> {
  await Promise.all(messages.map((message) => pool.xchacha20poly1305.seal(KEY, NONCE, message)));
}

// Microseconds per call when each call is awaited before the next starts.
async function perCall(pool: CryptoPool, bytes: number, route: "inline" | "worker", calls: number): Promise<number> {
  const message = new Uint8Array(bytes).fill(1);
  const seconds = await time(async () => {
    for (let i = 0; i < calls; i++) await pool.xchacha20poly1305.seal(KEY, NONCE, message, undefined, { route });
  });
  return (seconds * 1e6) / calls;
}

// Solves inline(bytes) = overhead on the line fitted through (bytes, inline).
function breakEven(rows: { bytes: number; inline: number }[], overhead: number): number {
  const n = rows.length;
  const meanX = rows.reduce((sum, row) => sum + row.bytes, 0) / n;
  const meanY = rows.reduce((sum, row) => sum + row.inline, 0) / n;
  const slope =
    rows.reduce((sum, row) => sum + (row.bytes - meanX) * (row.inline - meanY), 0) /
    rows.reduce((sum, row) => sum + (row.bytes - meanX) ** 2, 0);
  const intercept = meanY - slope * meanX;

  return Math.max(0, Math.round((overhead - intercept) / slope));
}

async function time(task: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await task();
  return (performance.now() - start) / 1000;
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
