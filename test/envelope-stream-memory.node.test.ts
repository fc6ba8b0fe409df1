import { describe, expect, it } from "vitest";
import { openClient } from "./helpers/client.js";

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;
const PIECE = 1 * MiB;

// Yields `total` bytes in pieces of fresh arrays, so nothing keeps them alive
// but the code under test.
async function* generated(total: number): AsyncGenerator<Uint8Array> {
  for (let produced = 0; produced < total; produced += PIECE) {
    const piece = new Uint8Array(Math.min(PIECE, total - produced));
    piece[0] = (produced / PIECE) & 0xff;
    yield piece;
  }
}

function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe("streaming in bounded memory", () => {
  it("seals and opens 256 MiB with small memory growth", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const before = memoryInUse();
    let peak = before;
    let opened = 0;
    let misplaced = 0;

    const sealed = await ks.seal("kek", generated(TOTAL));
    const plaintext = await ks.open(sealed);
    for await (const chunk of plaintext) {
      // Each generated piece starts with its index: a check that chunks arrive in order.
      if (opened % PIECE === 0 && chunk[0] !== ((opened / PIECE) & 0xff)) misplaced++;
      opened += chunk.length;
      if (opened % (16 * MiB) === 0) peak = Math.max(peak, memoryInUse());
    }

    expect(opened).toBe(TOTAL);
    expect(misplaced).toBe(0);
    // Garbage waits for the collector, so allow some headroom; holding the
    // stream would take more than 256 MiB.
    expect(peak - before).toBeLessThan(64 * MiB);
  }, 300_000);
});
