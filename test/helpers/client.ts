import { KeyState } from "../../src/client/keystate.js";
import type { KeyStateOptions } from "../../src/client/keystate.js";
import { MemoryStore } from "../../src/backends/memory-store.js";

/** Opens a client on a fresh MemoryStore for principal "alice". */
export async function openClient(options: Partial<KeyStateOptions> = {}): Promise<{ ks: KeyState; store: MemoryStore }> {
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const ks = await KeyState.open({ principal: "alice", ...options, store });
  return { ks, store };
}

/** Returns the error a promise rejects with, or fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the promise to reject");
}

/** Returns the error a function throws, or fails when it returns. */
export function thrown(run: () => unknown): { code?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the call to throw");
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Collects an async iterable of byte chunks into one array. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of chunks) {
    parts.push(part);
    length += part.length;
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** Yields `parts` as an async iterable. */
export async function* fromParts(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

/** Returns `length` random bytes, in pieces of 65536 as getRandomValues requires. */
export function randomData(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, length)));
  }
  return bytes;
}
