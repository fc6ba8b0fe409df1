// Zeroing and copying of small fixed-size areas with v128 stores. V8 runs
// memory.fill and memory.copy as calls out of the generated code, which for
// the few dozen bytes of a key or state costs more than the bytes do; these
// inline loops do not.

/** Writes zeros to `length` bytes at ptr; `length` must be a multiple of 16. */
// @ts-ignore: decorator
@inline export function zero16(ptr: usize, length: usize): void {
  const zero = i64x2.splat(0);
  for (let offset: usize = 0; offset < length; offset += 16) v128.store(ptr + offset, zero);
}

/** Copies `length` bytes from src to dst; `length` must be a multiple of 16 and the areas must not overlap. */
// @ts-ignore: decorator
@inline export function copy16(dst: usize, src: usize, length: usize): void {
  for (let offset: usize = 0; offset < length; offset += 16) v128.store(dst + offset, v128.load(src + offset));
}
