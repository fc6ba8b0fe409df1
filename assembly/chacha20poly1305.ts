// The bulk of ChaCha20-Poly1305: ChaCha20 and Poly1305 over whole 256-byte
// segments in one loop. ChaCha20 runs on the SIMD unit and Poly1305 on the
// scalar multiplier, so interleaving them lets the CPU execute both at once:
// each of the ten double rounds that compute four keystream blocks also
// absorbs up to two 16-byte Poly1305 blocks (16 per segment). Encryption
// absorbs the previous segment's ciphertext while it computes the keystream
// for the next; decryption absorbs a segment before xoring it.
//
// Works on the state of chacha20.ts (passed in) and poly1305.ts (its static
// area), with the same arithmetic as their plain loops.

import { SIGMA0, SIGMA1, SIGMA2, SIGMA3, rotl16, rotl8, rotl12, rotl7, xorTransposed } from "./chacha20";
import { POLY_H, POLY_R } from "./poly1305";

const MASK26: u64 = 0x3ffffff;
const HIBIT: u64 = 1 << 24;

/**
 * Encrypts (`decrypt` 0) or decrypts (`decrypt` 1) `segments` * 256 bytes at
 * ptr in place with keystream blocks from `counter` on, absorbing the
 * ciphertext into Poly1305. Returns the next block counter.
 */
export function chacha20Poly1305Segments(state: usize, ptr: usize, segments: usize, counter: u32, decrypt: i32): u32 {
  const r0 = <u64>load<u32>(POLY_R, 0);
  const r1 = <u64>load<u32>(POLY_R, 4);
  const r2 = <u64>load<u32>(POLY_R, 8);
  const r3 = <u64>load<u32>(POLY_R, 12);
  const r4 = <u64>load<u32>(POLY_R, 16);
  const s1 = r1 * 5;
  const s2 = r2 * 5;
  const s3 = r3 * 5;
  const s4 = r4 * 5;

  let h0 = <u64>load<u32>(POLY_H, 0);
  let h1 = <u64>load<u32>(POLY_H, 4);
  let h2 = <u64>load<u32>(POLY_H, 8);
  let h3 = <u64>load<u32>(POLY_H, 12);
  let h4 = <u64>load<u32>(POLY_H, 16);

  // macPtr is the next ciphertext byte to absorb. While computing the
  // keystream for the segment at ptr, absorb up to macLimit: the segment
  // itself when decrypting, everything before it when encrypting.
  let macPtr = ptr;
  const end = ptr + (segments << 8);

  while (ptr < end) {
    const macLimit = decrypt != 0 ? ptr + 256 : ptr;
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
      if (macPtr < macLimit && i < 8) {
      {
        const m0 = <u64>load<u32>(macPtr, 0);
        const m1 = <u64>load<u32>(macPtr, 4);
        const m2 = <u64>load<u32>(macPtr, 8);
        const m3 = <u64>load<u32>(macPtr, 12);
        h0 += m0 & MASK26;
        h1 += ((m0 >> 26) | (m1 << 6)) & MASK26;
        h2 += ((m1 >> 20) | (m2 << 12)) & MASK26;
        h3 += ((m2 >> 14) | (m3 << 18)) & MASK26;
        h4 += (m3 >> 8) | HIBIT;
        const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
        let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
        let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
        let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
        let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
        d1 += d0 >> 26;
        h0 = d0 & MASK26;
        d2 += d1 >> 26;
        h1 = d1 & MASK26;
        d3 += d2 >> 26;
        h2 = d2 & MASK26;
        d4 += d3 >> 26;
        h3 = d3 & MASK26;
        h0 += (d4 >> 26) * 5;
        h4 = d4 & MASK26;
        h1 += h0 >> 26;
        h0 &= MASK26;
      }
      {
        const m0 = <u64>load<u32>(macPtr + 16, 0);
        const m1 = <u64>load<u32>(macPtr + 16, 4);
        const m2 = <u64>load<u32>(macPtr + 16, 8);
        const m3 = <u64>load<u32>(macPtr + 16, 12);
        h0 += m0 & MASK26;
        h1 += ((m0 >> 26) | (m1 << 6)) & MASK26;
        h2 += ((m1 >> 20) | (m2 << 12)) & MASK26;
        h3 += ((m2 >> 14) | (m3 << 18)) & MASK26;
        h4 += (m3 >> 8) | HIBIT;
        const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
        let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
        let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
        let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
        let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
        d1 += d0 >> 26;
        h0 = d0 & MASK26;
        d2 += d1 >> 26;
        h1 = d1 & MASK26;
        d3 += d2 >> 26;
        h2 = d2 & MASK26;
        d4 += d3 >> 26;
        h3 = d3 & MASK26;
        h0 += (d4 >> 26) * 5;
        h4 = d4 & MASK26;
        h1 += h0 >> 26;
        h0 &= MASK26;
      }
        macPtr += 32;
      }
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

    ptr += 256;
    counter += 4;
  }

  // Encryption: the last segment's ciphertext is still to absorb.
  while (macPtr < end) {
      const m0 = <u64>load<u32>(macPtr, 0);
      const m1 = <u64>load<u32>(macPtr, 4);
      const m2 = <u64>load<u32>(macPtr, 8);
      const m3 = <u64>load<u32>(macPtr, 12);
      h0 += m0 & MASK26;
      h1 += ((m0 >> 26) | (m1 << 6)) & MASK26;
      h2 += ((m1 >> 20) | (m2 << 12)) & MASK26;
      h3 += ((m2 >> 14) | (m3 << 18)) & MASK26;
      h4 += (m3 >> 8) | HIBIT;
      const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
      let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
      let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
      let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
      let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
      d1 += d0 >> 26;
      h0 = d0 & MASK26;
      d2 += d1 >> 26;
      h1 = d1 & MASK26;
      d3 += d2 >> 26;
      h2 = d2 & MASK26;
      d4 += d3 >> 26;
      h3 = d3 & MASK26;
      h0 += (d4 >> 26) * 5;
      h4 = d4 & MASK26;
      h1 += h0 >> 26;
      h0 &= MASK26;
    macPtr += 16;
  }

  store<u32>(POLY_H, <u32>h0, 0);
  store<u32>(POLY_H, <u32>h1, 4);
  store<u32>(POLY_H, <u32>h2, 8);
  store<u32>(POLY_H, <u32>h3, 12);
  store<u32>(POLY_H, <u32>h4, 16);

  return counter;
}
