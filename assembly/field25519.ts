// Arithmetic modulo p = 2^255 - 19 for Ed25519.
//
// A field element is ten signed limbs in radix 2^25.5 stored as i32 at
// `pointer + 4 * i`: limb i has weight 2^ceil(25.5 * i), so even limbs carry
// 26 bits and odd limbs 25. WebAssembly multiplies 64-bit integers natively
// but has no 64x64->128 product, so 26-bit limbs with i64 products are the
// widest that fit: a product of two limbs below 2^27.4, summed over the ten
// terms of one output limb with factors up to 38, stays below 2^63.
//
// Outputs of feMul, feSq, feInvert and fePow22523 are carried so that
// |even limb| <= 2^25 and |odd limb| <= 2^24 (plus a few units). Call sites
// keep every feMul/feSq input within four such elements added or subtracted
// (|limb| <= 2^27), which keeps the products in range; feAdd and feSub do
// not carry.
//
// Nothing here branches on or indexes memory by the value of an element, so
// the arithmetic is constant time except feEqualsVariableTime.

// Ten limbs take 40 bytes; each element is padded with zeros to 48 bytes, so
// additions, negations and selections are three 16-byte SIMD operations, and
// feMul's unaligned 16-byte loads of limbs m..m+3 (m <= 8) stay inside the
// element. The padding stays zero because every operation maps zero lanes to
// zero.
export const FE_SIZE: usize = 48;

// Scratch elements for the exponentiation chains and byte conversions. They
// contain values derived from secrets while signing, so the signer wipes them
// with feWipeScratch() before it returns.
const SCRATCH_SIZE: usize = 6 * FE_SIZE + 64;
const SCRATCH: usize = memory.data(<i32>SCRATCH_SIZE, 16);
const T0: usize = SCRATCH;
const T1: usize = SCRATCH + FE_SIZE;
const T2: usize = SCRATCH + 2 * FE_SIZE;
const T3: usize = SCRATCH + 3 * FE_SIZE;
const T4: usize = SCRATCH + 4 * FE_SIZE;
const T5: usize = SCRATCH + 5 * FE_SIZE;
const BYTES_A: usize = SCRATCH + 6 * FE_SIZE;
const BYTES_B: usize = BYTES_A + 32;

/** Overwrites the field scratch area with zeros. */
export function feWipeScratch(): void {
  memory.fill(SCRATCH, 0, SCRATCH_SIZE);
}

// Carries the 64-bit limb sums of a product into the reduced form described
// above and stores them. Carries round to nearest, so limbs end up signed and
// centred on zero; the carry out of limb 9 re-enters limb 0 times 19 because
// 2^255 = 19 (mod p).
// @ts-ignore: decorator
@inline function carryStore(
  h: usize,
  h0: i64, h1: i64, h2: i64, h3: i64, h4: i64,
  h5: i64, h6: i64, h7: i64, h8: i64, h9: i64,
): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;

  store<i32>(h, <i32>h0, 0);
  store<i32>(h, <i32>h1, 4);
  store<i32>(h, <i32>h2, 8);
  store<i32>(h, <i32>h3, 12);
  store<i32>(h, <i32>h4, 16);
  store<i32>(h, <i32>h5, 20);
  store<i32>(h, <i32>h6, 24);
  store<i32>(h, <i32>h7, 28);
  store<i32>(h, <i32>h8, 32);
  store<i32>(h, <i32>h9, 36);
}

// The product of limbs i and j has weight 2^(w_i + w_j), which is the weight
// of limb i + j, doubled when both i and j are odd. Terms past limb 9 wrap
// around times 19.
//
// SIMD computes the products two at a time. Lane 0 of accumulator p collects
// output limb 2p and lane 1 limb 2p + 1, so the term for limb i of f is
// (c f_i, f_i) times (g_(2p-i), g_(2p-i+1)) with c = 2 for odd i, because
// limb 2p needs the doubling exactly when i is odd. Wrapped terms
// (2p - i < 0) are summed apart and multiplied by 19 = 16 + 2 + 1 with shifts
// at the end, because 19 g_j may not fit the i32 inputs of extmul. For
// i = 2p + 1 the pair (g_9, g_0) straddles the wrap, so masks split its lanes.
// Each limb sum, and so the bound above, equals the scalar one. With half as
// many multiply instructions this measured about 1.2 times as fast in
// Node 20 on a loaded 2-core AMD EPYC.
export function feMul(h: usize, f: usize, g: usize): void {
  // Lanes 0 and 1 of gMN are limbs M and N of g. Lanes 2 and 3 are unused.
  const g01 = v128.load(g, 0);
  const g12 = v128.load(g, 4);
  const g23 = v128.load(g, 8);
  const g34 = v128.load(g, 12);
  const g45 = v128.load(g, 16);
  const g56 = v128.load(g, 20);
  const g67 = v128.load(g, 24);
  const g78 = v128.load(g, 28);
  const g89 = v128.load(g, 32);
  const g90 = i32x4.replace_lane(v128.load64_zero(g, 36), 1, load<i32>(g));

  const f0 = i32x4.splat(load<i32>(f, 0));
  const f1 = i32x4.replace_lane(i32x4.splat(load<i32>(f, 4)), 0, load<i32>(f, 4) << 1);
  const f2 = i32x4.splat(load<i32>(f, 8));
  const f3 = i32x4.replace_lane(i32x4.splat(load<i32>(f, 12)), 0, load<i32>(f, 12) << 1);
  const f4 = i32x4.splat(load<i32>(f, 16));
  const f5 = i32x4.replace_lane(i32x4.splat(load<i32>(f, 20)), 0, load<i32>(f, 20) << 1);
  const f6 = i32x4.splat(load<i32>(f, 24));
  const f7 = i32x4.replace_lane(i32x4.splat(load<i32>(f, 28)), 0, load<i32>(f, 28) << 1);
  const f8 = i32x4.splat(load<i32>(f, 32));
  const f9 = i32x4.replace_lane(i32x4.splat(load<i32>(f, 36)), 0, load<i32>(f, 36) << 1);

  const lane0 = i64x2(-1, 0);
  const lane1 = i64x2(0, -1);

  const straddle0 = i64x2.extmul_low_i32x4_s(f1, g90);
  let low0 = v128.and(straddle0, lane1);
  low0 = i64x2.add(low0, i64x2.extmul_low_i32x4_s(f0, g01));
  let wrap0 = v128.and(straddle0, lane0);
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f2, g89));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f3, g78));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f4, g67));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f5, g56));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f6, g45));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f7, g34));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f8, g23));
  wrap0 = i64x2.add(wrap0, i64x2.extmul_low_i32x4_s(f9, g12));
  const h0 = i64x2.add(i64x2.add(low0, wrap0), i64x2.add(i64x2.shl(wrap0, 1), i64x2.shl(wrap0, 4)));

  const straddle1 = i64x2.extmul_low_i32x4_s(f3, g90);
  let low1 = v128.and(straddle1, lane1);
  low1 = i64x2.add(low1, i64x2.extmul_low_i32x4_s(f0, g23));
  low1 = i64x2.add(low1, i64x2.extmul_low_i32x4_s(f1, g12));
  low1 = i64x2.add(low1, i64x2.extmul_low_i32x4_s(f2, g01));
  let wrap1 = v128.and(straddle1, lane0);
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f4, g89));
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f5, g78));
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f6, g67));
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f7, g56));
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f8, g45));
  wrap1 = i64x2.add(wrap1, i64x2.extmul_low_i32x4_s(f9, g34));
  const h1 = i64x2.add(i64x2.add(low1, wrap1), i64x2.add(i64x2.shl(wrap1, 1), i64x2.shl(wrap1, 4)));

  const straddle2 = i64x2.extmul_low_i32x4_s(f5, g90);
  let low2 = v128.and(straddle2, lane1);
  low2 = i64x2.add(low2, i64x2.extmul_low_i32x4_s(f0, g45));
  low2 = i64x2.add(low2, i64x2.extmul_low_i32x4_s(f1, g34));
  low2 = i64x2.add(low2, i64x2.extmul_low_i32x4_s(f2, g23));
  low2 = i64x2.add(low2, i64x2.extmul_low_i32x4_s(f3, g12));
  low2 = i64x2.add(low2, i64x2.extmul_low_i32x4_s(f4, g01));
  let wrap2 = v128.and(straddle2, lane0);
  wrap2 = i64x2.add(wrap2, i64x2.extmul_low_i32x4_s(f6, g89));
  wrap2 = i64x2.add(wrap2, i64x2.extmul_low_i32x4_s(f7, g78));
  wrap2 = i64x2.add(wrap2, i64x2.extmul_low_i32x4_s(f8, g67));
  wrap2 = i64x2.add(wrap2, i64x2.extmul_low_i32x4_s(f9, g56));
  const h2 = i64x2.add(i64x2.add(low2, wrap2), i64x2.add(i64x2.shl(wrap2, 1), i64x2.shl(wrap2, 4)));

  const straddle3 = i64x2.extmul_low_i32x4_s(f7, g90);
  let low3 = v128.and(straddle3, lane1);
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f0, g67));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f1, g56));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f2, g45));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f3, g34));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f4, g23));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f5, g12));
  low3 = i64x2.add(low3, i64x2.extmul_low_i32x4_s(f6, g01));
  let wrap3 = v128.and(straddle3, lane0);
  wrap3 = i64x2.add(wrap3, i64x2.extmul_low_i32x4_s(f8, g89));
  wrap3 = i64x2.add(wrap3, i64x2.extmul_low_i32x4_s(f9, g78));
  const h3 = i64x2.add(i64x2.add(low3, wrap3), i64x2.add(i64x2.shl(wrap3, 1), i64x2.shl(wrap3, 4)));

  const straddle4 = i64x2.extmul_low_i32x4_s(f9, g90);
  let low4 = v128.and(straddle4, lane1);
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f0, g89));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f1, g78));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f2, g67));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f3, g56));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f4, g45));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f5, g34));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f6, g23));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f7, g12));
  low4 = i64x2.add(low4, i64x2.extmul_low_i32x4_s(f8, g01));
  let wrap4 = v128.and(straddle4, lane0);
  const h4 = i64x2.add(i64x2.add(low4, wrap4), i64x2.add(i64x2.shl(wrap4, 1), i64x2.shl(wrap4, 4)));

  carryStore(
    h,
    i64x2.extract_lane(h0, 0), i64x2.extract_lane(h0, 1),
    i64x2.extract_lane(h1, 0), i64x2.extract_lane(h1, 1),
    i64x2.extract_lane(h2, 0), i64x2.extract_lane(h2, 1),
    i64x2.extract_lane(h3, 0), i64x2.extract_lane(h3, 1),
    i64x2.extract_lane(h4, 0), i64x2.extract_lane(h4, 1),
  );
}


export function feSq(h: usize, f: usize): void {
  const f0 = <i64>load<i32>(f, 0);
  const f1 = <i64>load<i32>(f, 4);
  const f2 = <i64>load<i32>(f, 8);
  const f3 = <i64>load<i32>(f, 12);
  const f4 = <i64>load<i32>(f, 16);
  const f5 = <i64>load<i32>(f, 20);
  const f6 = <i64>load<i32>(f, 24);
  const f7 = <i64>load<i32>(f, 28);
  const f8 = <i64>load<i32>(f, 32);
  const f9 = <i64>load<i32>(f, 36);
  const f1x2 = f1 * 2;
  const f2x2 = f2 * 2;
  const f3x2 = f3 * 2;
  const f3x4 = f3 * 4;
  const f4x2 = f4 * 2;
  const f5x2 = f5 * 2;
  const f5x4 = f5 * 4;
  const f5x38 = f5 * 38;
  const f6x2 = f6 * 2;
  const f6x19 = f6 * 19;
  const f6x38 = f6 * 38;
  const f7x2 = f7 * 2;
  const f7x4 = f7 * 4;
  const f7x38 = f7 * 38;
  const f7x76 = f7 * 76;
  const f8x2 = f8 * 2;
  const f8x19 = f8 * 19;
  const f8x38 = f8 * 38;
  const f9x2 = f9 * 2;
  const f9x38 = f9 * 38;
  const f9x76 = f9 * 76;
  let h0 = f0 * f0 + f1 * f9x76 + f2 * f8x38 + f3 * f7x76 + f4 * f6x38 + f5 * f5x38;
  let h1 = f0 * f1x2 + f2 * f9x38 + f3 * f8x38 + f4 * f7x38 + f5 * f6x38;
  let h2 = f0 * f2x2 + f1 * f1x2 + f3 * f9x76 + f4 * f8x38 + f5 * f7x76 + f6 * f6x19;
  let h3 = f0 * f3x2 + f1 * f2x2 + f4 * f9x38 + f5 * f8x38 + f6 * f7x38;
  let h4 = f0 * f4x2 + f1 * f3x4 + f2 * f2 + f5 * f9x76 + f6 * f8x38 + f7 * f7x38;
  let h5 = f0 * f5x2 + f1 * f4x2 + f2 * f3x2 + f6 * f9x38 + f7 * f8x38;
  let h6 = f0 * f6x2 + f1 * f5x4 + f2 * f4x2 + f3 * f3x2 + f7 * f9x76 + f8 * f8x19;
  let h7 = f0 * f7x2 + f1 * f6x2 + f2 * f5x2 + f3 * f4x2 + f8 * f9x38;
  let h8 = f0 * f8x2 + f1 * f7x4 + f2 * f6x2 + f3 * f5x4 + f4 * f4 + f9 * f9x38;
  let h9 = f0 * f9x2 + f1 * f8x2 + f2 * f7x2 + f3 * f6x2 + f4 * f5x2;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** Sets h = f^(2^n) for n >= 1. */
export function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

export function feAdd(h: usize, f: usize, g: usize): void {
  v128.store(h, i32x4.add(v128.load(f, 0), v128.load(g, 0)), 0);
  v128.store(h, i32x4.add(v128.load(f, 16), v128.load(g, 16)), 16);
  v128.store(h, i32x4.add(v128.load(f, 32), v128.load(g, 32)), 32);
}

export function feSub(h: usize, f: usize, g: usize): void {
  v128.store(h, i32x4.sub(v128.load(f, 0), v128.load(g, 0)), 0);
  v128.store(h, i32x4.sub(v128.load(f, 16), v128.load(g, 16)), 16);
  v128.store(h, i32x4.sub(v128.load(f, 32), v128.load(g, 32)), 32);
}

export function feNeg(h: usize, f: usize): void {
  v128.store(h, i32x4.neg(v128.load(f, 0)), 0);
  v128.store(h, i32x4.neg(v128.load(f, 16)), 16);
  v128.store(h, i32x4.neg(v128.load(f, 32)), 32);
}

export function feCopy(h: usize, f: usize): void {
  v128.store(h, v128.load(f, 0), 0);
  v128.store(h, v128.load(f, 16), 16);
  v128.store(h, v128.load(f, 32), 32);
}

/** Sets h to the small non-negative integer n. */
export function feSetInt(h: usize, n: i32): void {
  memory.fill(h, 0, FE_SIZE);
  store<i32>(h, n);
}

/** Carries the limbs of a sum back into the reduced form. */
export function feCarry(h: usize): void {
  carryStore(
    h,
    <i64>load<i32>(h, 0), <i64>load<i32>(h, 4), <i64>load<i32>(h, 8), <i64>load<i32>(h, 12), <i64>load<i32>(h, 16),
    <i64>load<i32>(h, 20), <i64>load<i32>(h, 24), <i64>load<i32>(h, 28), <i64>load<i32>(h, 32), <i64>load<i32>(h, 36),
  );
}

/** Sets h = f when mask is -1 and leaves h unchanged when mask is 0, without branching. */
export function feSelect(h: usize, f: usize, mask: i32): void {
  const lanes = i32x4.splat(mask);
  v128.store(h, v128.bitselect(v128.load(f, 0), v128.load(h, 0), lanes), 0);
  v128.store(h, v128.bitselect(v128.load(f, 16), v128.load(h, 16), lanes), 16);
  v128.store(h, v128.bitselect(v128.load(f, 32), v128.load(h, 32), lanes), 32);
}

// Shared prefix of the exponentiation chains: T0 = f^11 and
// T1 = f^(2^250 - 1), with T2..T4 as temporaries. Each step below names the
// exponent it reaches.
function powChain(f: usize): void {
  feSq(T0, f); //                      2
  feSqN(T1, T0, 2); //                 8
  feMul(T1, f, T1); //                 9
  feMul(T0, T0, T1); //                11
  feSq(T2, T0); //                     22
  feMul(T1, T1, T2); //                2^5 - 1
  feSqN(T2, T1, 5);
  feMul(T1, T2, T1); //                2^10 - 1
  feSqN(T2, T1, 10);
  feMul(T2, T2, T1); //                2^20 - 1
  feSqN(T3, T2, 20);
  feMul(T2, T3, T2); //                2^40 - 1
  feSqN(T2, T2, 10);
  feMul(T1, T2, T1); //                2^50 - 1
  feSqN(T2, T1, 50);
  feMul(T2, T2, T1); //                2^100 - 1
  feSqN(T3, T2, 100);
  feMul(T2, T3, T2); //                2^200 - 1
  feSqN(T2, T2, 50);
  feMul(T1, T2, T1); //                2^250 - 1
}

/** Sets h = 1/f (mod p) as f^(p - 2) = f^(2^255 - 21); the inverse of 0 is 0. */
export function feInvert(h: usize, f: usize): void {
  powChain(f);
  feSqN(T1, T1, 5); //                 2^255 - 32
  feMul(h, T1, T0); //                 2^255 - 21
}

/** Sets h = f^((p - 5) / 8) = f^(2^252 - 3), the exponent of the square root in RFC 8032 section 5.1.3. */
export function fePow22523(h: usize, f: usize): void {
  feCopy(T5, f);
  powChain(T5);
  feSqN(T1, T1, 2); //                 2^252 - 4
  feMul(h, T1, T5); //                 2^252 - 3
}

/**
 * Writes the canonical 32-byte little-endian encoding of f (the integer in
 * [0, p)) to `output`. Limbs may be up to 2^30 in magnitude.
 */
export function feToBytes(output: usize, f: usize): void {
  let h0 = <i64>load<i32>(f, 0);
  let h1 = <i64>load<i32>(f, 4);
  let h2 = <i64>load<i32>(f, 8);
  let h3 = <i64>load<i32>(f, 12);
  let h4 = <i64>load<i32>(f, 16);
  let h5 = <i64>load<i32>(f, 20);
  let h6 = <i64>load<i32>(f, 24);
  let h7 = <i64>load<i32>(f, 28);
  let h8 = <i64>load<i32>(f, 32);
  let h9 = <i64>load<i32>(f, 36);
  let c: i64;

  // Three passes of carries rounding down. The first leaves limbs 0..8
  // non-negative and moves the excess of limb 9 into limb 0; the second
  // brings the value into [-19, 2^255 + 19); the third makes every limb
  // non-negative and the value lie in [0, 2^255).
  for (let pass = 0; pass < 3; pass++) {
    c = h0 >> 26; h1 += c; h0 -= c << 26;
    c = h1 >> 25; h2 += c; h1 -= c << 25;
    c = h2 >> 26; h3 += c; h2 -= c << 26;
    c = h3 >> 25; h4 += c; h3 -= c << 25;
    c = h4 >> 26; h5 += c; h4 -= c << 26;
    c = h5 >> 25; h6 += c; h5 -= c << 25;
    c = h6 >> 26; h7 += c; h6 -= c << 26;
    c = h7 >> 25; h8 += c; h7 -= c << 25;
    c = h8 >> 26; h9 += c; h8 -= c << 26;
    c = h9 >> 25; h0 += c * 19; h9 -= c << 25;
  }

  // The value v is now in [0, 2^255), and v >= p exactly when v + 19
  // carries out of bit 255. q is that carry, so v - q * p is canonical.
  let q = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;

  h0 += 19 * q;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  h9 &= (1 << 25) - 1;

  // Limb i starts at bit ceil(25.5 * i): 0, 26, 51, 77, 102, 128, 153, 179, 204, 230.
  const w0 = <u64>h0 | (<u64>h1 << 26) | (<u64>h2 << 51);
  const w1 = (<u64>h2 >> 13) | (<u64>h3 << 13) | (<u64>h4 << 38);
  const w2 = <u64>h5 | (<u64>h6 << 25) | (<u64>h7 << 51);
  const w3 = (<u64>h7 >> 13) | (<u64>h8 << 12) | (<u64>h9 << 38);
  store<u64>(output, w0, 0);
  store<u64>(output, w1, 8);
  store<u64>(output, w2, 16);
  store<u64>(output, w3, 24);
}

/**
 * Reads a 32-byte little-endian integer into h, ignoring bit 255. Values in
 * [p, 2^255) are accepted here and reduced by later arithmetic; decoders that
 * must reject them compare the re-encoding.
 */
export function feFromBytes(h: usize, input: usize): void {
  const mask26: u64 = (1 << 26) - 1;
  const mask25: u64 = (1 << 25) - 1;
  store<i32>(h, <i32>(load<u64>(input, 0) & mask26), 0);
  store<i32>(h, <i32>((load<u64>(input, 3) >> 2) & mask25), 4);
  store<i32>(h, <i32>((load<u64>(input, 6) >> 3) & mask26), 8);
  store<i32>(h, <i32>((load<u64>(input, 9) >> 5) & mask25), 12);
  store<i32>(h, <i32>((load<u64>(input, 12) >> 6) & mask26), 16);
  store<i32>(h, <i32>(load<u64>(input, 16) & mask25), 20);
  store<i32>(h, <i32>((load<u64>(input, 19) >> 1) & mask26), 24);
  store<i32>(h, <i32>((load<u64>(input, 22) >> 3) & mask25), 28);
  store<i32>(h, <i32>((load<u64>(input, 24) >> 12) & mask26), 32);
  store<i32>(h, <i32>((load<u64>(input, 24) >> 38) & mask25), 36);
}

/** Returns 1 when the canonical encoding of f is odd (RFC 8032 calls such an x "negative"), else 0. */
export function feIsNegative(f: usize): i32 {
  feToBytes(BYTES_A, f);
  return load<u8>(BYTES_A) & 1;
}

/** Returns 1 when f = 0 (mod p), else 0, without branching on f. */
export function feIsZero(f: usize): i32 {
  feToBytes(BYTES_A, f);
  const bits = load<u64>(BYTES_A, 0) | load<u64>(BYTES_A, 8) | load<u64>(BYTES_A, 16) | load<u64>(BYTES_A, 24);
  return <i32>(((bits | (0 - bits)) >> 63) ^ 1);
}

/** Returns 1 when f = g (mod p), else 0. Only for public values: it may exit early. */
export function feEqualsVariableTime(f: usize, g: usize): i32 {
  feToBytes(BYTES_A, f);
  feToBytes(BYTES_B, g);
  return i32(memory.compare(BYTES_A, BYTES_B, 32) == 0);
}
