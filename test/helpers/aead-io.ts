// Helpers for the AEAD tests: inputs at chosen byte offsets, and a scan of
// the core's linear memory.
import { coreExports } from "../../src/core/module.js";

/** Copies `bytes` into a fresh buffer at `byteOffset`, with guard bytes on both sides. */
export function atOffset(bytes: Uint8Array, byteOffset: number): Uint8Array {
  const buffer = new ArrayBuffer(byteOffset + bytes.length + 7);
  new Uint8Array(buffer).fill(0xa5);
  const view = new Uint8Array(buffer, byteOffset, bytes.length);
  view.set(bytes);
  return view;
}

/** Deterministic bytes (not random), cheap to make in large amounts. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state;
  }
  return bytes;
}

/** Returns true when `needle` occurs anywhere in the core's linear memory. */
export function memoryContains(needle: Uint8Array): boolean {
  const memory = new Uint8Array(coreExports().memory.buffer);
  const first = needle[0];
  for (let i = memory.indexOf(first!); i !== -1 && i + needle.length <= memory.length; i = memory.indexOf(first!, i + 1)) {
    let match = true;
    for (let j = 1; j < needle.length && match; j++) match = memory[i + j] === needle[j];
    if (match) return true;
  }
  return false;
}
