// ChaCha20 (RFC 8439 section 2.3) and HChaCha20 (draft-irtf-cfrg-xchacha-03
// section 2.2). The bulk path computes four blocks at once with 128-bit SIMD:
// each of the 16 state words lives in one v128, one lane per block, so the
// quarter round is the scalar one applied to four blocks side by side.
//
// A state is 16 little-endian u32 words in linear memory: the constants, the
// 256-bit key, the block counter (word 12, ignored here: callers pass the
// counter) and the 96-bit nonce. Keystream blocks that must touch memory go
// to KEYSTREAM, which chacha20Wipe() clears.

import { copy16, zero16 } from "./small-memory";

// "expand 32-byte k" as four little-endian words (RFC 8439 section 2.3).
export const SIGMA0: u32 = 0x61707865;
export const SIGMA1: u32 = 0x3320646e;
export const SIGMA2: u32 = 0x79622d32;
export const SIGMA3: u32 = 0x6b206574;

const KEYSTREAM: usize = memory.data(64, 16);

// Rotation by 16 bits swaps the halves of each lane, which a byte shuffle
// does in one step; the others take two shifts and an or. (A byte shuffle
// for the rotation by 8 measured slower in V8: it has no short form for
// that pattern.)
// @ts-ignore: decorator
@inline export function rotl16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

// @ts-ignore: decorator
@inline export function rotl8(x: v128): v128 {
  return v128.or(i32x4.shl(x, 8), i32x4.shr_u(x, 24));
}

// @ts-ignore: decorator
@inline export function rotl12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}

// @ts-ignore: decorator
@inline export function rotl7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}

// Block j's words 4g..4g+3 sit in lane j of a, b, c, d: a 4x4 transpose
// gives each block's 16 bytes, which are xored into the data in place.
// @ts-ignore: decorator
@inline export function xorTransposed(ptr: usize, a: v128, b: v128, c: v128, d: v128): void {
  const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(ptr, v128.xor(v128.load(ptr), i64x2.shuffle(ab01, cd01, 0, 2)));
  v128.store(ptr, v128.xor(v128.load(ptr, 64), i64x2.shuffle(ab01, cd01, 1, 3)), 64);
  v128.store(ptr, v128.xor(v128.load(ptr, 128), i64x2.shuffle(ab23, cd23, 0, 2)), 128);
  v128.store(ptr, v128.xor(v128.load(ptr, 192), i64x2.shuffle(ab23, cd23, 1, 3)), 192);
}

/** Xors four keystream blocks (counters counter .. counter+3) into the 256 bytes at ptr. */
export function chacha20Xor4(state: usize, ptr: usize, counter: u32): void {
  let x0 = i32x4.splat(SIGMA0);
  let x1 = i32x4.splat(SIGMA1);
  let x2 = i32x4.splat(SIGMA2);
  let x3 = i32x4.splat(SIGMA3);
  let x4 = v128.load32_splat(state, 16);
  let x5 = v128.load32_splat(state, 20);
  let x6 = v128.load32_splat(state, 24);
  let x7 = v128.load32_splat(state, 28);
  let x8 = v128.load32_splat(state, 32);
  let x9 = v128.load32_splat(state, 36);
  let x10 = v128.load32_splat(state, 40);
  let x11 = v128.load32_splat(state, 44);
  const counters = i32x4.add(i32x4.splat(counter), i32x4(0, 1, 2, 3));
  let x12 = counters;
  let x13 = v128.load32_splat(state, 52);
  let x14 = v128.load32_splat(state, 56);
  let x15 = v128.load32_splat(state, 60);

  for (let i = 0; i < 10; i++) {
    x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
    x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0));
    x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1));
    x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2));
    x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
    x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
    x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
    x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
    x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
    x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0));
    x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1));
    x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2));
    x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
    x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
    x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
    x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
  }

  // RFC 8439 section 2.3: add the input state to the result of the rounds.
  x0 = i32x4.add(x0, i32x4.splat(SIGMA0));
  x1 = i32x4.add(x1, i32x4.splat(SIGMA1));
  x2 = i32x4.add(x2, i32x4.splat(SIGMA2));
  x3 = i32x4.add(x3, i32x4.splat(SIGMA3));
  x4 = i32x4.add(x4, v128.load32_splat(state, 16));
  x5 = i32x4.add(x5, v128.load32_splat(state, 20));
  x6 = i32x4.add(x6, v128.load32_splat(state, 24));
  x7 = i32x4.add(x7, v128.load32_splat(state, 28));
  x8 = i32x4.add(x8, v128.load32_splat(state, 32));
  x9 = i32x4.add(x9, v128.load32_splat(state, 36));
  x10 = i32x4.add(x10, v128.load32_splat(state, 40));
  x11 = i32x4.add(x11, v128.load32_splat(state, 44));
  x12 = i32x4.add(x12, counters);
  x13 = i32x4.add(x13, v128.load32_splat(state, 52));
  x14 = i32x4.add(x14, v128.load32_splat(state, 56));
  x15 = i32x4.add(x15, v128.load32_splat(state, 60));

  xorTransposed(ptr, x0, x1, x2, x3);
  xorTransposed(ptr + 16, x4, x5, x6, x7);
  xorTransposed(ptr + 32, x8, x9, x10, x11);
  xorTransposed(ptr + 48, x12, x13, x14, x15);
}

/**
 * The scalar block function: 20 rounds over the 16 words at `state` (with
 * `counter` as word 12). With `feedForward` it adds the input state and
 * writes the 64-byte keystream block (ChaCha20); without, it writes the raw
 * words, from which HChaCha20 takes words 0..3 and 12..15.
 */
function chacha20Rounds(state: usize, counter: u32, out: usize, feedForward: bool): void {
  let x0 = load<u32>(state, 0);
  let x1 = load<u32>(state, 4);
  let x2 = load<u32>(state, 8);
  let x3 = load<u32>(state, 12);
  let x4 = load<u32>(state, 16);
  let x5 = load<u32>(state, 20);
  let x6 = load<u32>(state, 24);
  let x7 = load<u32>(state, 28);
  let x8 = load<u32>(state, 32);
  let x9 = load<u32>(state, 36);
  let x10 = load<u32>(state, 40);
  let x11 = load<u32>(state, 44);
  let x12 = counter;
  let x13 = load<u32>(state, 52);
  let x14 = load<u32>(state, 56);
  let x15 = load<u32>(state, 60);

  for (let i = 0; i < 10; i++) {
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16);
    x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8);
    x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16);
    x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8);
    x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16);
    x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8);
    x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16);
    x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8);
    x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16);
    x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8);
    x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16);
    x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8);
    x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16);
    x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8);
    x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16);
    x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8);
    x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }

  if (feedForward) {
    x0 += load<u32>(state, 0);
    x1 += load<u32>(state, 4);
    x2 += load<u32>(state, 8);
    x3 += load<u32>(state, 12);
    x4 += load<u32>(state, 16);
    x5 += load<u32>(state, 20);
    x6 += load<u32>(state, 24);
    x7 += load<u32>(state, 28);
    x8 += load<u32>(state, 32);
    x9 += load<u32>(state, 36);
    x10 += load<u32>(state, 40);
    x11 += load<u32>(state, 44);
    x12 += counter;
    x13 += load<u32>(state, 52);
    x14 += load<u32>(state, 56);
    x15 += load<u32>(state, 60);
  }

  store<u32>(out, x0, 0);
  store<u32>(out, x1, 4);
  store<u32>(out, x2, 8);
  store<u32>(out, x3, 12);
  store<u32>(out, x4, 16);
  store<u32>(out, x5, 20);
  store<u32>(out, x6, 24);
  store<u32>(out, x7, 28);
  store<u32>(out, x8, 32);
  store<u32>(out, x9, 36);
  store<u32>(out, x10, 40);
  store<u32>(out, x11, 44);
  store<u32>(out, x12, 48);
  store<u32>(out, x13, 52);
  store<u32>(out, x14, 56);
  store<u32>(out, x15, 60);
}

/** Writes the 64-byte keystream block for `counter` to `out`. */
export function chacha20Block(state: usize, counter: u32, out: usize): void {
  chacha20Rounds(state, counter, out, true);
}

/**
 * Xors the keystream starting at block `counter` into the `length` bytes at
 * ptr and returns the counter of the next unused block. Four blocks at a
 * time with SIMD; the last one to three blocks (and a partial block) through
 * the scalar function.
 */
export function chacha20XorInPlace(state: usize, ptr: usize, length: usize, counter: u32): u32 {
  while (length >= 256) {
    chacha20Xor4(state, ptr, counter);
    ptr += 256;
    length -= 256;
    counter += 4;
  }

  while (length > 0) {
    chacha20Rounds(state, counter, KEYSTREAM, true);
    counter++;

    if (length >= 64) {
      for (let i: usize = 0; i < 64; i += 16) {
        v128.store(ptr + i, v128.xor(v128.load(ptr + i), v128.load(KEYSTREAM + i)));
      }
      ptr += 64;
      length -= 64;
    } else {
      for (let i: usize = 0; i < length; i++) {
        store<u8>(ptr + i, load<u8>(ptr + i) ^ load<u8>(KEYSTREAM + i));
      }
      length = 0;
    }
  }

  return counter;
}

/**
 * Fills the 16-word state at `state` with the constants, the 32-byte key at
 * keyPtr and the 12-byte nonce at noncePtr (RFC 8439 section 2.3).
 */
export function chacha20Setup(state: usize, keyPtr: usize, noncePtr: usize): void {
  store<u32>(state, SIGMA0, 0);
  store<u32>(state, SIGMA1, 4);
  store<u32>(state, SIGMA2, 8);
  store<u32>(state, SIGMA3, 12);
  copy16(state + 16, keyPtr, 32);
  store<u32>(state, 0, 48);
  store<u64>(state, load<u64>(noncePtr), 52);
  store<u32>(state, load<u32>(noncePtr, 8), 60);
}

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 section 2.2): derives a 32-byte
 * subkey at `out` from the 32-byte key at keyPtr and the 16-byte nonce at
 * noncePtr. `scratch` is a 64-byte area the caller wipes.
 */
export function hchacha20(keyPtr: usize, noncePtr: usize, out: usize, scratch: usize): void {
  store<u32>(scratch, SIGMA0, 0);
  store<u32>(scratch, SIGMA1, 4);
  store<u32>(scratch, SIGMA2, 8);
  store<u32>(scratch, SIGMA3, 12);
  copy16(scratch + 16, keyPtr, 32);
  copy16(scratch + 48, noncePtr, 16);

  chacha20Rounds(scratch, load<u32>(scratch, 48), scratch, false);

  copy16(out, scratch, 16);
  copy16(out + 16, scratch + 48, 16);
  zero16(scratch, 64);
}

/** Clears the keystream buffer. */
export function chacha20Wipe(): void {
  zero16(KEYSTREAM, 64);
}
