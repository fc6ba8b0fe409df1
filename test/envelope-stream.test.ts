import { describe, expect, it } from "vitest";
import { MemoryAuditRecorder } from "../src/client/defaults/memory-audit-recorder.js";
import { collect, fromParts, openClient, randomData, rejection } from "./helpers/client.js";

const CHUNK = 1024;
const TAG = 16;

async function sealedParts(length: number, chunkSize = CHUNK, context?: Record<string, string>) {
  const { ks, store } = await openClient();
  await ks.createKey("kek", { purpose: "wrap" });
  const plaintext = randomData(length);
  const parts: Uint8Array[] = [];
  for await (const part of await ks.seal("kek", fromParts([plaintext]), { chunkSize, context })) parts.push(part.slice());
  return { ks, store, plaintext, header: parts[0]!, chunks: parts.slice(1) };
}

function join(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

async function openAll(ks: Awaited<ReturnType<typeof openClient>>["ks"], parts: Uint8Array[], context?: Record<string, string>) {
  return collect(await ks.open(fromParts(parts), { context }));
}

describe("streaming seal and open", () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 10_000])("round trip of %i bytes", async (length) => {
    const { ks, plaintext, header, chunks } = await sealedParts(length);
    expect(chunks.length).toBe(Math.max(1, Math.ceil(length / CHUNK)));
    expect(await openAll(ks, [header, ...chunks])).toEqual(plaintext);
  });

  it("every chunk but the last holds a full chunk", async () => {
    const { chunks } = await sealedParts(2 * CHUNK + 10);
    expect(chunks.map((chunk) => chunk.length)).toEqual([CHUNK + TAG, CHUNK + TAG, 10 + TAG]);
  });

  it("input split at any boundary opens the same", async () => {
    const { ks, plaintext, header, chunks } = await sealedParts(5000);
    const whole = join([header, ...chunks]);

    for (const pieceSize of [1, 7, 100, 1040, 4096, whole.length]) {
      const pieces: Uint8Array[] = [];
      for (let offset = 0; offset < whole.length; offset += pieceSize) pieces.push(whole.subarray(offset, offset + pieceSize));
      expect(await openAll(ks, pieces), `pieces of ${pieceSize}`).toEqual(plaintext);
    }
  });

  it("plaintext pieces of any size seal the same way", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const plaintext = randomData(4000);
    const pieces = [plaintext.subarray(0, 1), plaintext.subarray(1, 1500), new Uint8Array(0), plaintext.subarray(1500)];

    const sealed = await collect(await ks.seal("kek", fromParts(pieces), { chunkSize: CHUNK }));
    expect(await openAll(ks, [sealed])).toEqual(plaintext);
  });

  it("ReadableStream in gives ReadableStream out", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const plaintext = randomData(200_000);

    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < plaintext.length; offset += 30_000) controller.enqueue(plaintext.slice(offset, offset + 30_000));
        controller.close();
      },
    });
    const sealed = await ks.seal("kek", source, { context: { file: "big" } });
    expect(sealed).toBeInstanceOf(ReadableStream);

    const opened = await ks.open(sealed, { context: { file: "big" } });
    expect(opened).toBeInstanceOf(ReadableStream);
    const reader = opened.getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    expect(join(parts)).toEqual(plaintext);
  });

  it("truncation at a chunk boundary fails", async () => {
    const { ks, header, chunks } = await sealedParts(3 * CHUNK + 5);
    for (let keep = 0; keep < chunks.length; keep++) {
      const error = await rejection(openAll(ks, [header, ...chunks.slice(0, keep)]));
      expect(error.code, `keeping ${keep} chunks`).toBe("DECRYPT_FAILED");
    }
  });

  it("truncation inside a chunk fails", async () => {
    const { ks, header, chunks } = await sealedParts(2 * CHUNK + 5);
    const whole = join([header, ...chunks]);
    for (const cut of [1, TAG - 1, TAG, TAG + 1, 21, CHUNK]) {
      expect((await rejection(openAll(ks, [whole.subarray(0, whole.length - cut)]))).code, `cut ${cut}`).toBe("DECRYPT_FAILED");
    }
  });

  it("the full-size last chunk cannot be dropped", async () => {
    const { ks, header, chunks } = await sealedParts(2 * CHUNK);
    expect(chunks.length).toBe(2);
    expect((await rejection(openAll(ks, [header, chunks[0]!]))).code).toBe("DECRYPT_FAILED");
  });

  it("reordered chunks fail", async () => {
    const { ks, header, chunks } = await sealedParts(3 * CHUNK + 5);
    const swapped = [chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!];
    expect((await rejection(openAll(ks, [header, ...swapped]))).code).toBe("DECRYPT_FAILED");
  });

  it("duplicated chunk fails", async () => {
    const { ks, header, chunks } = await sealedParts(3 * CHUNK + 5);
    const duplicated = [chunks[0]!, chunks[0]!, chunks[1]!, chunks[2]!, chunks[3]!];
    expect((await rejection(openAll(ks, [header, ...duplicated]))).code).toBe("DECRYPT_FAILED");
  });

  it("appended data fails", async () => {
    const { ks, header, chunks } = await sealedParts(CHUNK + 5);
    expect((await rejection(openAll(ks, [header, ...chunks, new Uint8Array(1)]))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(openAll(ks, [header, ...chunks, chunks.at(-1)!]))).code).toBe("DECRYPT_FAILED");
  });

  it("a chunk from another stream fails", async () => {
    const first = await sealedParts(2 * CHUNK + 5);
    const { ks, header, chunks } = first;
    const otherParts: Uint8Array[] = [];
    for await (const part of await ks.seal("kek", fromParts([randomData(2 * CHUNK + 5)]), { chunkSize: CHUNK })) otherParts.push(part);
    const mixed = [chunks[0]!, otherParts[2]!, chunks[2]!];
    expect((await rejection(openAll(ks, [header, ...mixed]))).code).toBe("DECRYPT_FAILED");
  });

  it("changing any byte of a chunk fails", async () => {
    const { ks, header, chunks } = await sealedParts(CHUNK + 40);
    const whole = join([header, ...chunks]);
    for (let i = header.length; i < whole.length; i += 37) {
      const changed = whole.slice();
      changed[i]! ^= 0x04;
      expect((await rejection(openAll(ks, [changed]))).code, `byte ${i}`).toBe("DECRYPT_FAILED");
    }
  });

  it("wrong context fails", async () => {
    const { ks, header, chunks } = await sealedParts(100, CHUNK, { tenant: "acme" });
    expect((await rejection(openAll(ks, [header, ...chunks]))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(openAll(ks, [header, ...chunks], { tenant: "other" }))).code).toBe("DECRYPT_FAILED");
    expect((await openAll(ks, [header, ...chunks], { tenant: "acme" })).length).toBe(100);
  });

  it("single-message envelope is not a stream", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const envelope = await ks.seal("kek", randomData(100));
    expect((await rejection(openAll(ks, [envelope]))).code).toBe("DECRYPT_FAILED");
    const stream = await collect(await ks.seal("kek", fromParts([randomData(100)])));
    expect((await rejection(ks.open(stream))).code).toBe("DECRYPT_FAILED");
  });

  it("chunkSize out of range gives INVALID_ARGUMENT", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    for (const chunkSize of [0, 1023, 4 * 1024 * 1024 + 1, 1.5]) {
      expect((await rejection(ks.seal("kek", fromParts([]), { chunkSize }))).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("non-byte stream chunk gives INVALID_ARGUMENT", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const sealed = await ks.seal("kek", fromParts(["text" as unknown as Uint8Array]));
    expect((await rejection(collect(sealed))).code).toBe("INVALID_ARGUMENT");
  });

  it("audit records one event per stream with its byte count", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await openClient({ audit });
    await ks.createKey("kek", { purpose: "wrap" });

    const sealed = await collect(await ks.seal("kek", fromParts([randomData(5000)]), { chunkSize: CHUNK }));
    await collect(await ks.open(fromParts([sealed])));
    const events = audit.events().slice(-2);
    expect(events[0]).toMatchObject({ operation: "seal", outcome: "success", bytes: 5000, keyName: "kek", keyVersion: 1 });
    expect(events[1]).toMatchObject({ operation: "open", outcome: "success", bytes: 5000, keyName: "kek", keyVersion: 1 });

    const truncated = sealed.subarray(0, sealed.length - 1);
    await rejection(ks.open(fromParts([truncated])).then(collect));
    expect(audit.events().at(-1)).toMatchObject({ operation: "open", outcome: "failure" });
  });

  it("abandoned stream is recorded as ABORTED", async () => {
    const audit = new MemoryAuditRecorder();
    const { ks } = await openClient({ audit });
    await ks.createKey("kek", { purpose: "wrap" });

    const sealed = await ks.seal("kek", fromParts([randomData(5000)]), { chunkSize: CHUNK });
    for await (const part of sealed) {
      expect(part.length).toBeGreaterThan(0);
      break;
    }
    expect(audit.events().at(-1)).toMatchObject({ operation: "seal", outcome: "failure", errorCode: "ABORTED" });
  });

  it("streams stay decryptable after rotation", async () => {
    const { ks, plaintext, header, chunks } = await sealedParts(3000);
    await ks.rotate("kek");
    expect(await openAll(ks, [header, ...chunks])).toEqual(plaintext);
  });
});
