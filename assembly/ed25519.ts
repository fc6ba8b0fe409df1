// Ed25519 (RFC 8032 section 5.1): public keys, signatures and strict
// verification over byte ranges in linear memory.
//
// Points on -x^2 + y^2 = 1 + d x^2 y^2 use extended coordinates (X:Y:Z:T)
// with x = X/Z, y = Y/Z and x y = T/Z, and the unified formulas of Hisil,
// Wong, Carter and Dawson ("Twisted Edwards curves revisited", 2008) for
// a = -1, which are complete on this curve.
//
// Signing is constant time: the secret scalar and the nonce select table
// entries by masks over whole table rows, and no branch depends on them.
// Verification handles public data only and uses variable-time windows.

import {
  FE_SIZE,
  feAdd,
  feCarry,
  feCopy,
  feEqualsVariableTime,
  feFromBytes,
  feInvert,
  feIsNegative,
  feIsZero,
  feMul,
  feNeg,
  fePow22523,
  feSelect,
  feSetInt,
  feSq,
  feSub,
  feToBytes,
  feWipeScratch,
} from "./field25519";
import { scIsCanonical, scMulAdd, scReduce64, scWipeScratch } from "./scalar25519";
import { SHA512_CONTEXT_SIZE, sha512Absorb, sha512Finish, sha512Start } from "./sha512";

// Extended point: X, Y, Z, T.
const POINT_SIZE: usize = 4 * FE_SIZE;
const X: usize = 0;
const Y: usize = FE_SIZE;
const Z: usize = 2 * FE_SIZE;
const T: usize = 3 * FE_SIZE;

// Affine point prepared for mixed addition: y + x, y - x and 2 d x y, nine
// 16-byte vectors.
const NIELS_SIZE: usize = 3 * FE_SIZE;
const YPLUSX: usize = 0;
const YMINUSX: usize = FE_SIZE;
const XY2D: usize = 2 * FE_SIZE;

// Projective point prepared for addition: Y + X, Y - X, Z and 2 d T.
const CACHED_SIZE: usize = 4 * FE_SIZE;
const CACHED_Z: usize = 2 * FE_SIZE;
const T2D: usize = 3 * FE_SIZE;

// Fixed-base table for signing: row j contains k * 1024^j * B for k = 1..16.
// baseMultiply() explains the choice of radix.
const BASE_ROWS: usize = 26;
const BASE_ROW_ENTRIES: usize = 16;
const BASE_ROW_SIZE: usize = BASE_ROW_ENTRIES * NIELS_SIZE;
// Signed radix-32 digits of a scalar below 2^255: 51 five-bit windows and a carry.
const BASE_DIGITS: usize = 52;
// Odd multiples B, 3B, ..., 127B for verification (width-8 windows).
const VERIFY_BASE_ENTRIES: usize = 64;
// Odd multiples A, 3A, ..., 15A of the public key (width-5 windows).
const VERIFY_KEY_ENTRIES: usize = 8;

// Public constants, filled in by initialise() on first use.
const CONSTANTS_SIZE: usize =
  3 * FE_SIZE + POINT_SIZE + BASE_ROWS * BASE_ROW_SIZE + VERIFY_BASE_ENTRIES * NIELS_SIZE;
const CONSTANTS: usize = memory.data(<i32>CONSTANTS_SIZE, 16);
const D: usize = CONSTANTS;
const D2: usize = D + FE_SIZE;
const SQRT_M1: usize = D2 + FE_SIZE;
const BASE: usize = SQRT_M1 + FE_SIZE;
const BASE_TABLE: usize = BASE + POINT_SIZE;
const VERIFY_BASE_TABLE: usize = BASE_TABLE + BASE_ROWS * BASE_ROW_SIZE;
let initialised = false;

// Scratch for building the tables: eight points, their running Z products
// and the running inverse. Public values only.
const BATCH: usize = 8;
const BATCH_SIZE: usize = BATCH * POINT_SIZE + BATCH * FE_SIZE + FE_SIZE;
const BATCH_AREA: usize = memory.data(<i32>BATCH_SIZE, 16);
const BATCH_POINTS: usize = BATCH_AREA;
const BATCH_PRODUCTS: usize = BATCH_POINTS + BATCH * POINT_SIZE;
const BATCH_INVERSE: usize = BATCH_PRODUCTS + BATCH * FE_SIZE;

// Per-call state and temporaries. Everything in the SECRET area can contain
// seeds, secret scalars, nonces or values derived from them, and
// wipeSecrets() overwrites it before any signing export returns.
const SECRET_SIZE: usize =
  64 + 32 * 4 + 64 + 32 + SHA512_CONTEXT_SIZE + 8 * FE_SIZE + 4 * POINT_SIZE + CACHED_SIZE + NIELS_SIZE + 64;
const SECRET: usize = memory.data(<i32>SECRET_SIZE, 16);
const EXPANDED: usize = SECRET; //                 SHA-512(seed): clamped scalar a, then the prefix
const NONCE: usize = EXPANDED + 64; //              r
const CHALLENGE: usize = NONCE + 32; //             k
const ENCODED_A: usize = CHALLENGE + 32; //         public key A
const ENCODED_R: usize = ENCODED_A + 32; //         R
const NONCE_HASH: usize = ENCODED_R + 32; //        SHA-512(prefix || M), then SHA-512(R || A || M)
const BYTES: usize = NONCE_HASH + 64;
const HASH: usize = BYTES + 32;
const F0: usize = HASH + SHA512_CONTEXT_SIZE;
const F1: usize = F0 + FE_SIZE;
const F2: usize = F1 + FE_SIZE;
const F3: usize = F2 + FE_SIZE;
const F4: usize = F3 + FE_SIZE;
const F5: usize = F4 + FE_SIZE;
const F6: usize = F5 + FE_SIZE;
const F7: usize = F6 + FE_SIZE;
const P0: usize = F7 + FE_SIZE;
const P1: usize = P0 + POINT_SIZE;
const P2: usize = P1 + POINT_SIZE;
const P3: usize = P2 + POINT_SIZE;
const CACHED: usize = P3 + POINT_SIZE;
const SELECTED: usize = CACHED + CACHED_SIZE;
const DIGITS: usize = SELECTED + NIELS_SIZE;

// Verification state: public data only.
const VERIFY_SIZE: usize = 32 * 3 + 64 + 2 * 256 + 2 * 40 + POINT_SIZE + VERIFY_KEY_ENTRIES * CACHED_SIZE;
const VERIFY: usize = memory.data(<i32>VERIFY_SIZE, 16);
const VERIFY_R: usize = VERIFY;
const VERIFY_S: usize = VERIFY_R + 32;
const VERIFY_K: usize = VERIFY_S + 32;
const VERIFY_HASH: usize = VERIFY_K + 32;
const NAF_S: usize = VERIFY_HASH + 64;
const NAF_K: usize = NAF_S + 256;
const NAF_WORDS: usize = NAF_K + 256;
const NEG_A: usize = NAF_WORDS + 2 * 40;
const KEY_TABLE: usize = NEG_A + POINT_SIZE;

function wipeSecrets(): void {
  memory.fill(SECRET, 0, SECRET_SIZE);
  feWipeScratch();
  scWipeScratch();
}

/** Overwrites every secret the signing exports keep between calls; call it when a streamed signature is abandoned. */
export function ed25519Wipe(): void {
  wipeSecrets();
}

// ---------------------------------------------------------------------------
// Point arithmetic

function setIdentity(p: usize): void {
  feSetInt(p + X, 0);
  feSetInt(p + Y, 1);
  feSetInt(p + Z, 1);
  feSetInt(p + T, 0);
}

// r = 2p (dbl-2008-hwcd with a = -1). T of the result is computed only when
// an addition follows, because doubling itself never reads T.
function pointDouble(r: usize, p: usize, withT: bool): void {
  feSq(F0, p + X); //            A = X^2
  feSq(F1, p + Y); //            B = Y^2
  feSq(F2, p + Z);
  feAdd(F2, F2, F2); //          C = 2 Z^2
  feAdd(F3, p + X, p + Y);
  feSq(F3, F3);
  feSub(F3, F3, F0);
  feSub(F3, F3, F1); //          E = (X + Y)^2 - A - B
  feSub(F4, F1, F0); //          G = -A + B
  feSub(F5, F4, F2); //          F = G - C
  feAdd(F6, F0, F1);
  feNeg(F6, F6); //              H = -A - B

  feMul(r + X, F3, F5);
  feMul(r + Y, F4, F6);
  feMul(r + Z, F5, F4);
  if (withT) feMul(r + T, F3, F6);
}

// r = p + q, or p - q when `subtract` is set, for a prepared affine q
// (add-2008-hwcd-3 with Z2 = 1). Subtracting uses -q = (y - x, y + x, -2dxy).
// r may be p. `subtract` is public wherever it is not constant.
function addNiels(r: usize, p: usize, q: usize, subtract: bool): void {
  feAdd(F0, p + Y, p + X);
  feSub(F1, p + Y, p + X);
  feMul(F0, F0, q + (subtract ? YMINUSX : YPLUSX)); //   B
  feMul(F1, F1, q + (subtract ? YPLUSX : YMINUSX)); //   A
  feMul(F2, p + T, q + XY2D); //                          C (negated when subtracting)
  feAdd(F3, p + Z, p + Z); //                             D

  feSub(F4, F0, F1); //                                   E = B - A
  feAdd(F5, F0, F1); //                                   H = B + A
  if (subtract) {
    feAdd(F6, F3, F2); //                                 F = D + C
    feSub(F7, F3, F2); //                                 G = D - C
  } else {
    feSub(F6, F3, F2); //                                 F = D - C
    feAdd(F7, F3, F2); //                                 G = D + C
  }

  feMul(r + X, F4, F6);
  feMul(r + Y, F7, F5);
  feMul(r + Z, F6, F7);
  feMul(r + T, F4, F5);
}

// r = p + q or p - q for a prepared projective q (add-2008-hwcd-3). r may be p.
function addCached(r: usize, p: usize, q: usize, subtract: bool): void {
  feAdd(F0, p + Y, p + X);
  feSub(F1, p + Y, p + X);
  feMul(F0, F0, q + (subtract ? YMINUSX : YPLUSX)); //   B
  feMul(F1, F1, q + (subtract ? YPLUSX : YMINUSX)); //   A
  feMul(F2, p + T, q + T2D); //                           C (negated when subtracting)
  feMul(F3, p + Z, q + CACHED_Z);
  feAdd(F3, F3, F3); //                                   D

  feSub(F4, F0, F1);
  feAdd(F5, F0, F1);
  if (subtract) {
    feAdd(F6, F3, F2);
    feSub(F7, F3, F2);
  } else {
    feSub(F6, F3, F2);
    feAdd(F7, F3, F2);
  }

  feMul(r + X, F4, F6);
  feMul(r + Y, F7, F5);
  feMul(r + Z, F6, F7);
  feMul(r + T, F4, F5);
}

function toCached(r: usize, p: usize): void {
  feAdd(r + YPLUSX, p + Y, p + X);
  feSub(r + YMINUSX, p + Y, p + X);
  feCopy(r + CACHED_Z, p + Z);
  feMul(r + T2D, p + T, D2);
}

// Converts the eight extended points at BATCH_POINTS to the affine table
// entries r, r + NIELS_SIZE, ... with one field inversion for all eight
// (Montgomery's trick: invert the product of the Z, then peel off each 1/Z).
// Uses F0..F2, so call it outside the adders.
function batchToNiels(r: usize): void {
  feCopy(BATCH_PRODUCTS, BATCH_POINTS + Z);
  for (let i: usize = 1; i < BATCH; i++) {
    feMul(BATCH_PRODUCTS + i * FE_SIZE, BATCH_PRODUCTS + (i - 1) * FE_SIZE, BATCH_POINTS + i * POINT_SIZE + Z);
  }
  feInvert(BATCH_INVERSE, BATCH_PRODUCTS + (BATCH - 1) * FE_SIZE); // 1/(Z_0 ... Z_7)

  for (let i = <isize>BATCH - 1; i >= 0; i--) {
    const point = BATCH_POINTS + <usize>i * POINT_SIZE;
    const entry = r + <usize>i * NIELS_SIZE;
    if (i > 0) {
      feMul(F0, BATCH_INVERSE, BATCH_PRODUCTS + <usize>(i - 1) * FE_SIZE); // 1/Z_i
      feMul(BATCH_INVERSE, BATCH_INVERSE, point + Z); //                   1/(Z_0 ... Z_(i-1))
    } else {
      feCopy(F0, BATCH_INVERSE);
    }

    feMul(F1, point + X, F0); //  x
    feMul(F2, point + Y, F0); //  y
    feAdd(entry + YPLUSX, F2, F1);
    feCarry(entry + YPLUSX);
    feSub(entry + YMINUSX, F2, F1);
    feCarry(entry + YMINUSX);
    feMul(F0, F1, F2);
    feMul(entry + XY2D, F0, D2);
  }
}

// Fills BATCH_POINTS with p, p + step, ..., p + 7 step and converts them to
// the eight table entries from r; returns with P2 = p + 8 step. `step` is a
// prepared projective point.
function fillBatch(r: usize, p: usize, step: usize): void {
  memory.copy(P2, p, POINT_SIZE);
  for (let i: usize = 0; i < BATCH; i++) {
    memory.copy(BATCH_POINTS + i * POINT_SIZE, P2, POINT_SIZE);
    addCached(P2, P2, step, false);
  }
  batchToNiels(r);
}

// RFC 8032 section 5.1.2: the encoding is y with the low bit of x in bit 255.
// `inverseZ` is 1/Z, computed by the caller so two points can share one
// inversion.
function encodePoint(output: usize, p: usize, inverseZ: usize): void {
  feMul(F0, p + X, inverseZ);
  feMul(F1, p + Y, inverseZ);
  feToBytes(output, F1);
  store<u8>(output + 31, load<u8>(output + 31) | <u8>(feIsNegative(F0) << 7));
}

// RFC 8032 section 5.1.3, strict: rejects y >= p, points off the curve and
// x = 0 with the sign bit set. Returns 1 and sets p on success, else 0.
// Variable time: only for public encodings.
function decodePoint(p: usize, input: usize): i32 {
  feFromBytes(p + Y, input);
  feToBytes(BYTES, p + Y);
  const sign = load<u8>(input + 31) >> 7;
  if (memory.compare(BYTES, input, 31) != 0 || load<u8>(BYTES + 31) != (load<u8>(input + 31) & 0x7f)) return 0;

  feSetInt(p + Z, 1);
  feSq(F0, p + Y);
  feSub(F1, F0, p + Z); //       u = y^2 - 1
  feMul(F2, F0, D);
  feAdd(F2, F2, p + Z); //       v = d y^2 + 1

  // x = u v^3 (u v^7)^((p - 5) / 8)
  feSq(F3, F2);
  feMul(F3, F3, F2); //          v^3
  feSq(F4, F3);
  feMul(F4, F4, F2); //          v^7
  feMul(F4, F4, F1); //          u v^7
  fePow22523(F4, F4);
  feMul(F4, F4, F3);
  feMul(p + X, F4, F1);

  feSq(F5, p + X);
  feMul(F5, F5, F2); //          v x^2
  if (!feEqualsVariableTime(F5, F1)) {
    feNeg(F6, F1);
    if (!feEqualsVariableTime(F5, F6)) return 0;
    feMul(p + X, p + X, SQRT_M1);
  }

  if (feIsZero(p + X) && sign == 1) return 0;
  if (<u8>feIsNegative(p + X) != sign) feNeg(p + X, p + X);
  feMul(p + T, p + X, p + Y);
  return 1;
}

// ---------------------------------------------------------------------------
// Constants and tables

function initialise(): void {
  if (initialised) return;

  // d = -121665 / 121666 and sqrt(-1) = 2^((p - 1) / 4) (RFC 8032 section 5.1).
  feSetInt(F0, 121666);
  feInvert(F0, F0);
  feSetInt(F1, 121665);
  feMul(D, F1, F0);
  feNeg(D, D);
  feAdd(D2, D, D);
  feCarry(D2);
  feSetInt(F7, 2);
  fePow22523(SQRT_M1, F7); //     2^(2^252 - 3)
  feSq(SQRT_M1, SQRT_M1);
  feMul(SQRT_M1, SQRT_M1, F7); // 2^(2^253 - 5)

  // B is the point with y = 4/5 and positive (even) x.
  feSetInt(F0, 5);
  feInvert(F0, F0);
  feSetInt(F1, 4);
  feMul(F0, F0, F1);
  feToBytes(NONCE, F0);
  decodePoint(BASE, NONCE);

  // Row j: k * 1024^j * B for k = 1..16, with P1 = 1024^j * B. The second
  // batch of a row starts where the first left P2.
  memory.copy(P1, BASE, POINT_SIZE);
  for (let row: usize = 0; row < BASE_ROWS; row++) {
    const entries = BASE_TABLE + row * BASE_ROW_SIZE;
    toCached(CACHED, P1);
    fillBatch(entries, P1, CACHED);
    fillBatch(entries + BATCH * NIELS_SIZE, P2, CACHED);
    for (let i = 0; i < 10; i++) pointDouble(P1, P1, i == 9);
  }

  // (2i + 1) * B for i = 0..63, eight at a time.
  pointDouble(P1, BASE, true);
  toCached(CACHED, P1);
  memory.copy(P3, BASE, POINT_SIZE);
  for (let i: usize = 0; i < VERIFY_BASE_ENTRIES; i += BATCH) {
    fillBatch(VERIFY_BASE_TABLE + i * NIELS_SIZE, P3, CACHED);
    memory.copy(P3, P2, POINT_SIZE);
  }

  wipeSecrets();
  initialised = true;
}

// ---------------------------------------------------------------------------
// Fixed-base multiplication for signing (constant time)

// SELECTED = digit * 1024^row * B for a digit in [-16, 16], reading every entry
// of the row and keeping the wanted one by masks.
function selectBase(row: usize, digit: i32): void {
  const negative = digit >> 31;
  const magnitude = digit - ((digit & negative) << 1);

  // At most one entry matches, so OR-ing every entry ANDed with its mask
  // keeps the match. The identity (y + x, y - x, 2dxy) = (1, 1, 0) enters
  // the same way when the digit is 0. The nine 16-byte vectors of the result
  // stay in locals while the row is scanned.
  const identity = v128.and(i32x4(1, 0, 0, 0), i32x4.splat((magnitude - 1) >> 31));
  let v0 = identity;
  let v1 = i32x4(0, 0, 0, 0);
  let v2 = i32x4(0, 0, 0, 0);
  let v3 = identity;
  let v4 = i32x4(0, 0, 0, 0);
  let v5 = i32x4(0, 0, 0, 0);
  let v6 = i32x4(0, 0, 0, 0);
  let v7 = i32x4(0, 0, 0, 0);
  let v8 = i32x4(0, 0, 0, 0);

  const entries = BASE_TABLE + row * BASE_ROW_SIZE;
  for (let k = 1; k <= <i32>BASE_ROW_ENTRIES; k++) {
    const mask = i32x4.splat(((magnitude ^ k) - 1) >> 31);
    const entry = entries + <usize>(k - 1) * NIELS_SIZE;
    v0 = v128.or(v0, v128.and(v128.load(entry, 0), mask));
    v1 = v128.or(v1, v128.and(v128.load(entry, 16), mask));
    v2 = v128.or(v2, v128.and(v128.load(entry, 32), mask));
    v3 = v128.or(v3, v128.and(v128.load(entry, 48), mask));
    v4 = v128.or(v4, v128.and(v128.load(entry, 64), mask));
    v5 = v128.or(v5, v128.and(v128.load(entry, 80), mask));
    v6 = v128.or(v6, v128.and(v128.load(entry, 96), mask));
    v7 = v128.or(v7, v128.and(v128.load(entry, 112), mask));
    v8 = v128.or(v8, v128.and(v128.load(entry, 128), mask));
  }

  // -(x, y) swaps y + x with y - x and negates 2 d x y.
  const flip = i32x4.splat(negative);
  v128.store(SELECTED, v128.bitselect(v3, v0, flip), 0);
  v128.store(SELECTED, v128.bitselect(v4, v1, flip), 16);
  v128.store(SELECTED, v128.bitselect(v5, v2, flip), 32);
  v128.store(SELECTED, v128.bitselect(v0, v3, flip), 48);
  v128.store(SELECTED, v128.bitselect(v1, v4, flip), 64);
  v128.store(SELECTED, v128.bitselect(v2, v5, flip), 80);
  v128.store(SELECTED, v128.bitselect(i32x4.neg(v6), v6, flip), 96);
  v128.store(SELECTED, v128.bitselect(i32x4.neg(v7), v7, flip), 112);
  v128.store(SELECTED, v128.bitselect(i32x4.neg(v8), v8, flip), 128);
}

// r = s * B for a 32-byte scalar s below 2^255. s is written as 52 signed
// digits e_i in [-16, 16) with s = sum e_i 32^i (the last digit is the final
// carry, 0 or 1). The odd-position digits are summed first and multiplied by
// 32, so only five doublings are needed and every addition reads a row of
// the table. Radix 32 takes 52 additions where radix 16 took 64, and a row
// scan of 16 entries costs less than the 12 additions it saves.
function baseMultiply(r: usize, scalar: usize): void {
  let carry: i32 = 0;
  for (let i: usize = 0; i < BASE_DIGITS - 1; i++) {
    // Window i is bits 5i..5i+4. The 16-bit load at byte 31 also reads the
    // byte after the scalar, but the mask drops it.
    const bit: usize = i * 5;
    let digit = ((<i32>load<u16>(scalar + (bit >> 3)) >> <i32>(bit & 7)) & 31) + carry;
    carry = (digit + 16) >> 5;
    digit -= carry << 5;
    store<i8>(DIGITS + i, <i8>digit);
  }
  store<i8>(DIGITS + BASE_DIGITS - 1, <i8>carry);

  setIdentity(r);
  for (let i: usize = 1; i < BASE_DIGITS; i += 2) {
    selectBase(i >> 1, <i32>load<i8>(DIGITS + i));
    addNiels(r, r, SELECTED, false);
  }

  for (let i = 0; i < 5; i++) pointDouble(r, r, i == 4);

  for (let i: usize = 0; i < BASE_DIGITS; i += 2) {
    selectBase(i >> 1, <i32>load<i8>(DIGITS + i));
    addNiels(r, r, SELECTED, false);
  }
}

// ---------------------------------------------------------------------------
// Exports: public key and signing

// EXPANDED = SHA-512(seed) with the scalar half clamped (RFC 8032 section 5.1.5).
function expandSeed(seed: usize): void {
  sha512Start(HASH);
  sha512Absorb(HASH, seed, 32);
  sha512Finish(HASH, EXPANDED);
  store<u8>(EXPANDED, load<u8>(EXPANDED) & 248);
  store<u8>(EXPANDED + 31, (load<u8>(EXPANDED + 31) & 127) | 64);
}

/** Writes the 32-byte public key of the 32-byte seed at `seed` to `output`. */
export function ed25519PublicKey(seed: usize, output: usize): void {
  initialise();
  expandSeed(seed);
  baseMultiply(P0, EXPANDED);
  feInvert(P1, P0 + Z);
  encodePoint(output, P0, P1);
  wipeSecrets();
}

/**
 * Starts a signature with the 32-byte seed at `seed`. Feed the message with
 * ed25519Update, call ed25519SignMiddle, feed the same message again, then
 * call ed25519SignFinish. The seed may be wiped by the caller once this
 * returns.
 */
export function ed25519SignBegin(seed: usize): void {
  initialise();
  expandSeed(seed);

  // RFC 8032 section 5.1.6 step 2: r = SHA-512(prefix || M).
  sha512Start(HASH);
  sha512Absorb(HASH, EXPANDED + 32, 32);
}

/** Absorbs `length` message bytes at `input` into the signature or verification in progress. */
export function ed25519Update(input: usize, length: usize): void {
  sha512Absorb(HASH, input, length);
}

/** Ends the first pass over the message: derives the nonce, R and A, and starts k = SHA-512(R || A || M). */
export function ed25519SignMiddle(): void {
  sha512Finish(HASH, NONCE_HASH);
  scReduce64(NONCE, NONCE_HASH);
  memory.fill(NONCE_HASH, 0, 64);

  // A = a B and R = r B share one field inversion: 1/(Z_A Z_R).
  baseMultiply(P0, EXPANDED);
  baseMultiply(P1, NONCE);
  feMul(F0, P0 + Z, P1 + Z);
  feInvert(P2, F0);
  feMul(P2 + FE_SIZE, P2, P1 + Z); //   1/Z_A
  feMul(P2 + 2 * FE_SIZE, P2, P0 + Z); // 1/Z_R
  encodePoint(ENCODED_A, P0, P2 + FE_SIZE);
  encodePoint(ENCODED_R, P1, P2 + 2 * FE_SIZE);

  sha512Start(HASH);
  sha512Absorb(HASH, ENCODED_R, 32);
  sha512Absorb(HASH, ENCODED_A, 32);
}

/** Writes the 64-byte signature R || S to `output` and wipes every secret. */
export function ed25519SignFinish(output: usize): void {
  sha512Finish(HASH, NONCE_HASH);
  scReduce64(CHALLENGE, NONCE_HASH);

  // S = (r + k a) mod L
  scMulAdd(output + 32, CHALLENGE, EXPANDED, NONCE);
  memory.copy(output, ENCODED_R, 32);
  wipeSecrets();
}

/** Signs `length` bytes at `message` with the 32-byte seed at `seed` and writes the 64-byte signature to `output`. */
export function ed25519Sign(seed: usize, message: usize, length: usize, output: usize): void {
  ed25519SignBegin(seed);
  sha512Absorb(HASH, message, length);
  ed25519SignMiddle();
  sha512Absorb(HASH, message, length);
  ed25519SignFinish(output);
}

// ---------------------------------------------------------------------------
// Exports: verification (variable time, public inputs)

/**
 * Starts verifying the 64-byte signature at `signature` under the 32-byte
 * public key at `publicKey`. Returns 0 when either is malformed: S >= L, or A
 * not a canonical encoding of a curve point. Otherwise returns 1; feed the
 * message with ed25519Update and call ed25519VerifyFinish.
 */
export function ed25519VerifyBegin(publicKey: usize, signature: usize): i32 {
  initialise();
  if (!scIsCanonical(signature + 32)) return 0;
  if (!decodePoint(NEG_A, publicKey)) return 0;

  feNeg(NEG_A + X, NEG_A + X);
  feNeg(NEG_A + T, NEG_A + T);
  memory.copy(VERIFY_R, signature, 32);
  memory.copy(VERIFY_S, signature + 32, 32);

  sha512Start(HASH);
  sha512Absorb(HASH, signature, 32);
  sha512Absorb(HASH, publicKey, 32);
  return 1;
}

// Writes the width-w non-adjacent form of the 32-byte scalar at `scalar`
// (below 2^253) as 256 signed digits at `digits`: every non-zero digit is odd
// and below 2^(w-1) in magnitude, and any w consecutive digits hold at most
// one non-zero digit.
function computeNaf(digits: usize, scalar: usize, width: u32): void {
  memory.copy(NAF_WORDS, scalar, 32);
  store<u64>(NAF_WORDS, 0, 32);
  memory.fill(digits, 0, 256);

  const windowSize: u64 = 1 << width;
  const windowMask: u64 = windowSize - 1;
  let carry: u64 = 0;
  let position: u32 = 0;
  while (position < 256) {
    const word = position >> 6;
    const shift = position & 63;
    let bits = load<u64>(NAF_WORDS + (word << 3)) >> shift;
    if (shift != 0) bits |= load<u64>(NAF_WORDS + ((word + 1) << 3)) << (64 - shift);

    const window = carry + (bits & windowMask);
    if ((window & 1) == 0) {
      position++;
      continue;
    }

    if (window < windowSize >> 1) {
      carry = 0;
      store<i8>(digits + position, <i8>window);
    } else {
      carry = 1;
      store<i8>(digits + position, <i8>(<i64>window - <i64>windowSize));
    }
    position += width;
  }
}

/** Returns 1 when the signature started by ed25519VerifyBegin is valid for the message fed since, else 0. */
export function ed25519VerifyFinish(): i32 {
  sha512Finish(HASH, VERIFY_HASH);
  scReduce64(VERIFY_K, VERIFY_HASH);

  // Cofactorless check: encode [S]B + [k](-A) and compare it with R.
  computeNaf(NAF_S, VERIFY_S, 8);
  computeNaf(NAF_K, VERIFY_K, 5);

  // Odd multiples of -A: (2i + 1)(-A).
  pointDouble(P1, NEG_A, true);
  toCached(CACHED, P1);
  memory.copy(P2, NEG_A, POINT_SIZE);
  for (let i: usize = 0; i < VERIFY_KEY_ENTRIES; i++) {
    toCached(KEY_TABLE + i * CACHED_SIZE, P2);
    if (i + 1 < VERIFY_KEY_ENTRIES) addCached(P2, P2, CACHED, false);
  }

  let top = 255;
  while (top >= 0 && load<i8>(NAF_S + top) == 0 && load<i8>(NAF_K + top) == 0) top--;

  setIdentity(P0);
  for (let i = top; i >= 0; i--) {
    const digitS = <i32>load<i8>(NAF_S + i);
    const digitK = <i32>load<i8>(NAF_K + i);
    pointDouble(P0, P0, digitS != 0 || digitK != 0);

    if (digitS > 0) addNiels(P0, P0, VERIFY_BASE_TABLE + <usize>(digitS >> 1) * NIELS_SIZE, false);
    if (digitS < 0) addNiels(P0, P0, VERIFY_BASE_TABLE + <usize>(-digitS >> 1) * NIELS_SIZE, true);
    if (digitK > 0) addCached(P0, P0, KEY_TABLE + <usize>(digitK >> 1) * CACHED_SIZE, false);
    if (digitK < 0) addCached(P0, P0, KEY_TABLE + <usize>(-digitK >> 1) * CACHED_SIZE, true);
  }

  feInvert(P1, P0 + Z);
  encodePoint(BYTES, P0, P1);
  const valid = i32(memory.compare(BYTES, VERIFY_R, 32) == 0);

  memory.fill(VERIFY, 0, VERIFY_SIZE);
  wipeSecrets();
  return valid;
}

/**
 * Verifies the 64-byte signature at `signature` over `length` bytes at
 * `message` under the 32-byte public key at `publicKey`. Returns 1 when it is
 * valid, else 0.
 */
export function ed25519Verify(publicKey: usize, message: usize, length: usize, signature: usize): i32 {
  if (!ed25519VerifyBegin(publicKey, signature)) {
    memory.fill(VERIFY, 0, VERIFY_SIZE);
    return 0;
  }
  sha512Absorb(HASH, message, length);
  return ed25519VerifyFinish();
}
