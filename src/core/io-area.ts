import type { CoreExports } from "./module.js";

const PAGE_SIZE = 65536;

/**
 * Bytes processed per call into the core when a long input is streamed
 * through it. 64 KiB keeps the working set in the L2 cache and bounds the
 * linear memory a call needs, whatever the input length.
 */
export const IO_CHUNK_SIZE = 64 * 1024;

/**
 * Makes sure `length` bytes from ioBase() exist in linear memory, growing it
 * when needed, and returns ioBase(). Growing detaches every earlier view of
 * memory.buffer, so callers take views through memoryBytes() after this.
 */
export function reserveIo(core: CoreExports, length: number): number {
  const base = core.ioBase();
  const needed = base + length;
  const available = core.memory.buffer.byteLength;

  if (needed > available) core.memory.grow(Math.ceil((needed - available) / PAGE_SIZE));

  return base;
}

/** Returns a fresh view of the whole linear memory; never keep it across a call that may grow memory. */
export function memoryBytes(core: CoreExports): Uint8Array {
  return new Uint8Array(core.memory.buffer);
}

/** Copies `data` into linear memory at `pointer`. */
export function writeIo(core: CoreExports, pointer: number, data: Uint8Array): void {
  memoryBytes(core).set(data, pointer);
}

/** Copies `length` bytes out of linear memory at `pointer` into a new array the caller owns. */
export function readIo(core: CoreExports, pointer: number, length: number): Uint8Array {
  return memoryBytes(core).slice(pointer, pointer + length);
}

/** Overwrites `length` bytes at `pointer` with zeros. */
export function wipeIo(core: CoreExports, pointer: number, length: number): void {
  memoryBytes(core).fill(0, pointer, pointer + length);
}
