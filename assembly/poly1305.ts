// Poly1305 (RFC 8439 section 2.5) with the accumulator and r in five 26-bit
// limbs, so every product fits in 64 bits and the sum of five of them too.
//
// One Poly1305 computation is in progress at a time; its secrets (r, s, the
// accumulator and the padding buffer) live in the static area STATE and are
// cleared by poly1305Wipe().

import { copy16, zero16 } from "./small-memory";

// Layout of STATE, in u32 words: r0..r4 at 0, s (the second key half) at 20,
// h0..h4 at 36, a 16-byte block buffer at 64.
const STATE: usize = memory.data(80, 16);
const R = STATE;
const S = STATE + 20;
const H = STATE + 36;
export const POLY_R = R;
export const POLY_H = H;
const BLOCK = STATE + 64;

const MASK26: u64 = 0x3ffffff;

/** Starts a computation with the 32-byte one-time key at keyPtr. */
export function poly1305Init(keyPtr: usize): void {
  const t0 = load<u32>(keyPtr, 0);
  const t1 = load<u32>(keyPtr, 4);
  const t2 = load<u32>(keyPtr, 8);
  const t3 = load<u32>(keyPtr, 12);

  // RFC 8439 section 2.5: clamp r (clear the top four bits of bytes 3, 7,
  // 11 and 15, and the bottom two bits of bytes 4, 8 and 12), here folded
  // into the split into 26-bit limbs.
  store<u32>(R, t0 & 0x3ffffff, 0);
  store<u32>(R, ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03, 4);
  store<u32>(R, ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff, 8);
  store<u32>(R, ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff, 12);
  store<u32>(R, (t3 >>> 8) & 0x00fffff, 16);

  copy16(S, keyPtr + 16, 16);
  store<u32>(H, 0, 0);
  store<u32>(H, 0, 4);
  store<u32>(H, 0, 8);
  store<u32>(H, 0, 12);
  store<u32>(H, 0, 16);
}

/**
 * Absorbs `count` 16-byte blocks from ptr. `hibit` is 1 << 24 for a full
 * block (the 2^128 bit of RFC 8439 section 2.5 in the top limb), 0 for a
 * final partial block that already carries its 0x01 byte.
 */
export function poly1305Blocks(ptr: usize, count: usize, hibit: u64): void {
  const r0 = <u64>load<u32>(R, 0);
  const r1 = <u64>load<u32>(R, 4);
  const r2 = <u64>load<u32>(R, 8);
  const r3 = <u64>load<u32>(R, 12);
  const r4 = <u64>load<u32>(R, 16);

  // 2^130 = 5 mod p, so a limb product that lands above 2^130 folds back in
  // multiplied by 5.
  const s1 = r1 * 5;
  const s2 = r2 * 5;
  const s3 = r3 * 5;
  const s4 = r4 * 5;

  let h0 = <u64>load<u32>(H, 0);
  let h1 = <u64>load<u32>(H, 4);
  let h2 = <u64>load<u32>(H, 8);
  let h3 = <u64>load<u32>(H, 12);
  let h4 = <u64>load<u32>(H, 16);

  const end = ptr + (count << 4);
  while (ptr < end) {
    const m0 = <u64>load<u32>(ptr, 0);
    const m1 = <u64>load<u32>(ptr, 4);
    const m2 = <u64>load<u32>(ptr, 8);
    const m3 = <u64>load<u32>(ptr, 12);

    h0 += m0 & MASK26;
    h1 += ((m0 >> 26) | (m1 << 6)) & MASK26;
    h2 += ((m1 >> 20) | (m2 << 12)) & MASK26;
    h3 += ((m2 >> 14) | (m3 << 18)) & MASK26;
    h4 += (m3 >> 8) | hibit;

    const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

    // Partial carry: limbs end below 2^26 + a small excess, which the next
    // block's products still absorb without overflowing 64 bits.
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

    ptr += 16;
  }

  store<u32>(H, <u32>h0, 0);
  store<u32>(H, <u32>h1, 4);
  store<u32>(H, <u32>h2, 8);
  store<u32>(H, <u32>h3, 12);
  store<u32>(H, <u32>h4, 16);
}

/**
 * Absorbs `length` bytes from ptr as the AEAD construction does (RFC 8439
 * section 2.8): full blocks, then a last partial block padded with zeros to
 * 16 bytes. Only the last call for a given piece (AAD or ciphertext) may
 * have a length that is not a multiple of 16.
 */
export function poly1305UpdatePadded(ptr: usize, length: usize): void {
  const full = length >> 4;
  poly1305Blocks(ptr, full, 1 << 24);

  const rest = length & 15;
  if (rest != 0) {
    zero16(BLOCK, 16);
    memory.copy(BLOCK, ptr + (full << 4), rest);
    poly1305Blocks(BLOCK, 1, 1 << 24);
  }
}

/**
 * Absorbs the whole message as plain Poly1305 does: full blocks, then a last
 * partial block followed by a 0x01 byte and zeros (RFC 8439 section 2.5).
 */
export function poly1305UpdateMessage(ptr: usize, length: usize): void {
  const full = length >> 4;
  poly1305Blocks(ptr, full, 1 << 24);

  const rest = length & 15;
  if (rest != 0) {
    zero16(BLOCK, 16);
    memory.copy(BLOCK, ptr + (full << 4), rest);
    store<u8>(BLOCK + rest, 1);
    poly1305Blocks(BLOCK, 1, 0);
  }
}

/** Writes the 16-byte tag (h mod p) + s mod 2^128 to out. Branch-free. */
export function poly1305Finish(out: usize): void {
  let h0 = load<u32>(H, 0);
  let h1 = load<u32>(H, 4);
  let h2 = load<u32>(H, 8);
  let h3 = load<u32>(H, 12);
  let h4 = load<u32>(H, 16);

  // Full carry, so every limb is below 2^26 and h < 2^130 + small.
  let c: u32;
  c = h1 >>> 26; h1 &= 0x3ffffff; h2 += c;
  c = h2 >>> 26; h2 &= 0x3ffffff; h3 += c;
  c = h3 >>> 26; h3 &= 0x3ffffff; h4 += c;
  c = h4 >>> 26; h4 &= 0x3ffffff; h0 += c * 5;
  c = h0 >>> 26; h0 &= 0x3ffffff; h1 += c;

  // g = h + 5 - 2^130; if it does not borrow, h >= p and g is the result.
  let g0 = h0 + 5; c = g0 >>> 26; g0 &= 0x3ffffff;
  let g1 = h1 + c; c = g1 >>> 26; g1 &= 0x3ffffff;
  let g2 = h2 + c; c = g2 >>> 26; g2 &= 0x3ffffff;
  let g3 = h3 + c; c = g3 >>> 26; g3 &= 0x3ffffff;
  const g4 = h4 + c - (1 << 26);

  // All ones when g4 did not borrow (take g), all zeros when it did (keep h).
  const takeG = (g4 >>> 31) - 1;
  const keepH = ~takeG;
  h0 = (h0 & keepH) | (g0 & takeG);
  h1 = (h1 & keepH) | (g1 & takeG);
  h2 = (h2 & keepH) | (g2 & takeG);
  h3 = (h3 & keepH) | (g3 & takeG);
  h4 = (h4 & keepH) | (g4 & takeG);

  // h mod 2^128 as four words, then + s with carries.
  const w0 = <u64>(h0 | (h1 << 26));
  const w1 = <u64>((h1 >>> 6) | (h2 << 20));
  const w2 = <u64>((h2 >>> 12) | (h3 << 14));
  const w3 = <u64>((h3 >>> 18) | (h4 << 8));

  let f: u64;
  f = w0 + <u64>load<u32>(S, 0); store<u32>(out, <u32>f, 0);
  f = w1 + <u64>load<u32>(S, 4) + (f >> 32); store<u32>(out, <u32>f, 4);
  f = w2 + <u64>load<u32>(S, 8) + (f >> 32); store<u32>(out, <u32>f, 8);
  f = w3 + <u64>load<u32>(S, 12) + (f >> 32); store<u32>(out, <u32>f, 12);
}

/** Clears r, s, the accumulator and the block buffer. */
export function poly1305Wipe(): void {
  zero16(STATE, 80);
}
