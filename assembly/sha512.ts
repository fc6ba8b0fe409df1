// SHA-512 (FIPS 180-4 sections 5 and 6.4) over byte ranges in linear memory.
//
// A hash context is a fixed 208-byte record at a caller-chosen static
// address: the eight 64-bit chaining words, a 128-byte block buffer, the
// number of bytes buffered and the total message length in bytes. The
// exported functions drive one context reserved here; Ed25519 keeps its own.

export const SHA512_CONTEXT_SIZE: usize = 208;
export const SHA512_DIGEST_SIZE: usize = 64;

const BLOCK_SIZE: usize = 128;
const STATE_OFFSET: usize = 0;
const BUFFER_OFFSET: usize = 64;
const BUFFERED_OFFSET: usize = 192;
const TOTAL_OFFSET: usize = 200;

// The context behind the sha512* exports.
const EXPORTED_CONTEXT: usize = memory.data(<i32>SHA512_CONTEXT_SIZE, 16);

// @ts-ignore: decorator
@inline function bigSigma0(x: u64): u64 {
  return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39);
}

// @ts-ignore: decorator
@inline function bigSigma1(x: u64): u64 {
  return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41);
}

// @ts-ignore: decorator
@inline function smallSigma0(x: u64): u64 {
  return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >> 7);
}

// @ts-ignore: decorator
@inline function smallSigma1(x: u64): u64 {
  return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >> 6);
}

// @ts-ignore: decorator
@inline function choose(x: u64, y: u64, z: u64): u64 {
  return z ^ (x & (y ^ z));
}

// @ts-ignore: decorator
@inline function majority(x: u64, y: u64, z: u64): u64 {
  return (x & y) | (z & (x | y));
}

/**
 * Applies the SHA-512 compression function to the 128-byte block at `block`.
 * The 80 rounds are unrolled so the message schedule and the working
 * variables stay in locals: nothing derived from the message is written to
 * linear memory except the chaining words.
 */
function compress(context: usize, block: usize): void {
  const state = context + STATE_OFFSET;
  let a = load<u64>(state, 0);
  let b = load<u64>(state, 8);
  let c = load<u64>(state, 16);
  let d = load<u64>(state, 24);
  let e = load<u64>(state, 32);
  let f = load<u64>(state, 40);
  let g = load<u64>(state, 48);
  let h = load<u64>(state, 56);
  let t1: u64;

  // FIPS 180-4 section 6.4.2: schedule words are read big-endian, and the
  // round constants are the first 64 bits of the fractional parts of the
  // cube roots of the first 80 primes (section 4.2.3).
  let w0 = bswap<u64>(load<u64>(block, 0));
  let w1 = bswap<u64>(load<u64>(block, 8));
  let w2 = bswap<u64>(load<u64>(block, 16));
  let w3 = bswap<u64>(load<u64>(block, 24));
  let w4 = bswap<u64>(load<u64>(block, 32));
  let w5 = bswap<u64>(load<u64>(block, 40));
  let w6 = bswap<u64>(load<u64>(block, 48));
  let w7 = bswap<u64>(load<u64>(block, 56));
  let w8 = bswap<u64>(load<u64>(block, 64));
  let w9 = bswap<u64>(load<u64>(block, 72));
  let w10 = bswap<u64>(load<u64>(block, 80));
  let w11 = bswap<u64>(load<u64>(block, 88));
  let w12 = bswap<u64>(load<u64>(block, 96));
  let w13 = bswap<u64>(load<u64>(block, 104));
  let w14 = bswap<u64>(load<u64>(block, 112));
  let w15 = bswap<u64>(load<u64>(block, 120));
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x428a2f98d728ae22 + w0;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x7137449123ef65cd + w1;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0xb5c0fbcfec4d3b2f + w2;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0xe9b5dba58189dbbc + w3;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x3956c25bf348b538 + w4;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x59f111f1b605d019 + w5;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x923f82a4af194f9b + w6;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0xab1c5ed5da6d8118 + w7;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0xd807aa98a3030242 + w8;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x12835b0145706fbe + w9;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x243185be4ee4b28c + w10;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x550c7dc3d5ffb4e2 + w11;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x72be5d74f27b896f + w12;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x80deb1fe3b1696b1 + w13;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x9bdc06a725c71235 + w14;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0xc19bf174cf692694 + w15;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0xe49b69c19ef14ad2 + w0;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0xefbe4786384f25e3 + w1;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x0fc19dc68b8cd5b5 + w2;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x240ca1cc77ac9c65 + w3;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x2de92c6f592b0275 + w4;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x4a7484aa6ea6e483 + w5;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x5cb0a9dcbd41fbd4 + w6;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x76f988da831153b5 + w7;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x983e5152ee66dfab + w8;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0xa831c66d2db43210 + w9;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0xb00327c898fb213f + w10;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0xbf597fc7beef0ee4 + w11;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0xc6e00bf33da88fc2 + w12;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0xd5a79147930aa725 + w13;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x06ca6351e003826f + w14;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x142929670a0e6e70 + w15;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x27b70a8546d22ffc + w0;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x2e1b21385c26c926 + w1;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x4d2c6dfc5ac42aed + w2;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x53380d139d95b3df + w3;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x650a73548baf63de + w4;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x766a0abb3c77b2a8 + w5;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x81c2c92e47edaee6 + w6;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x92722c851482353b + w7;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0xa2bfe8a14cf10364 + w8;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0xa81a664bbc423001 + w9;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0xc24b8b70d0f89791 + w10;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0xc76c51a30654be30 + w11;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0xd192e819d6ef5218 + w12;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0xd69906245565a910 + w13;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0xf40e35855771202a + w14;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x106aa07032bbd1b8 + w15;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x19a4c116b8d2d0c8 + w0;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x1e376c085141ab53 + w1;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x2748774cdf8eeb99 + w2;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x34b0bcb5e19b48a8 + w3;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x391c0cb3c5c95a63 + w4;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x4ed8aa4ae3418acb + w5;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x5b9cca4f7763e373 + w6;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x682e6ff3d6b2b8a3 + w7;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x748f82ee5defb2fc + w8;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x78a5636f43172f60 + w9;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x84c87814a1f0ab72 + w10;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x8cc702081a6439ec + w11;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x90befffa23631e28 + w12;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0xa4506cebde82bde9 + w13;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0xbef9a3f7b2c67915 + w14;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0xc67178f2e372532b + w15;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0xca273eceea26619c + w0;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0xd186b8c721c0c207 + w1;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0xeada7dd6cde0eb1e + w2;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0xf57d4f7fee6ed178 + w3;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x06f067aa72176fba + w4;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x0a637dc5a2c898a6 + w5;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x113f9804bef90dae + w6;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x1b710b35131c471b + w7;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  t1 = h + bigSigma1(e) + choose(e, f, g) + 0x28db77f523047d84 + w8;
  d += t1;
  h = t1 + bigSigma0(a) + majority(a, b, c);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  t1 = g + bigSigma1(d) + choose(d, e, f) + 0x32caab7b40c72493 + w9;
  c += t1;
  g = t1 + bigSigma0(h) + majority(h, a, b);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  t1 = f + bigSigma1(c) + choose(c, d, e) + 0x3c9ebe0a15c9bebc + w10;
  b += t1;
  f = t1 + bigSigma0(g) + majority(g, h, a);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  t1 = e + bigSigma1(b) + choose(b, c, d) + 0x431d67c49c100d4c + w11;
  a += t1;
  e = t1 + bigSigma0(f) + majority(f, g, h);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  t1 = d + bigSigma1(a) + choose(a, b, c) + 0x4cc5d4becb3e42b6 + w12;
  h += t1;
  d = t1 + bigSigma0(e) + majority(e, f, g);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  t1 = c + bigSigma1(h) + choose(h, a, b) + 0x597f299cfc657e2a + w13;
  g += t1;
  c = t1 + bigSigma0(d) + majority(d, e, f);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  t1 = b + bigSigma1(g) + choose(g, h, a) + 0x5fcb6fab3ad6faec + w14;
  f += t1;
  b = t1 + bigSigma0(c) + majority(c, d, e);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = a + bigSigma1(f) + choose(f, g, h) + 0x6c44198c4a475817 + w15;
  e += t1;
  a = t1 + bigSigma0(b) + majority(b, c, d);

  store<u64>(state, load<u64>(state, 0) + a, 0);
  store<u64>(state, load<u64>(state, 8) + b, 8);
  store<u64>(state, load<u64>(state, 16) + c, 16);
  store<u64>(state, load<u64>(state, 24) + d, 24);
  store<u64>(state, load<u64>(state, 32) + e, 32);
  store<u64>(state, load<u64>(state, 40) + f, 40);
  store<u64>(state, load<u64>(state, 48) + g, 48);
  store<u64>(state, load<u64>(state, 56) + h, 56);
}

/** Starts a new SHA-512 computation in the context at `context`. */
export function sha512Start(context: usize): void {
  // FIPS 180-4 section 5.3.5: the first 64 bits of the fractional parts of
  // the square roots of the first eight primes.
  const state = context + STATE_OFFSET;
  store<u64>(state, 0x6a09e667f3bcc908, 0);
  store<u64>(state, 0xbb67ae8584caa73b, 8);
  store<u64>(state, 0x3c6ef372fe94f82b, 16);
  store<u64>(state, 0xa54ff53a5f1d36f1, 24);
  store<u64>(state, 0x510e527fade682d1, 32);
  store<u64>(state, 0x9b05688c2b3e6c1f, 40);
  store<u64>(state, 0x1f83d9abfb41bd6b, 48);
  store<u64>(state, 0x5be0cd19137e2179, 56);
  memory.fill(context + BUFFER_OFFSET, 0, BLOCK_SIZE);
  store<u64>(context, 0, BUFFERED_OFFSET);
  store<u64>(context, 0, TOTAL_OFFSET);
}

/** Absorbs `length` bytes at `input` into the context. */
export function sha512Absorb(context: usize, input: usize, length: usize): void {
  const buffer = context + BUFFER_OFFSET;
  let buffered = <usize>load<u64>(context, BUFFERED_OFFSET);
  store<u64>(context, load<u64>(context, TOTAL_OFFSET) + <u64>length, TOTAL_OFFSET);

  if (buffered > 0) {
    const take = min(BLOCK_SIZE - buffered, length);
    memory.copy(buffer + buffered, input, take);
    buffered += take;
    input += take;
    length -= take;

    if (buffered < BLOCK_SIZE) {
      store<u64>(context, <u64>buffered, BUFFERED_OFFSET);
      return;
    }

    compress(context, buffer);
    buffered = 0;
  }

  while (length >= BLOCK_SIZE) {
    compress(context, input);
    input += BLOCK_SIZE;
    length -= BLOCK_SIZE;
  }

  memory.copy(buffer, input, length);
  store<u64>(context, <u64>length, BUFFERED_OFFSET);
}

/**
 * Pads the message (FIPS 180-4 section 5.1.2), writes the 64-byte digest to
 * `output` and wipes the context.
 */
export function sha512Finish(context: usize, output: usize): void {
  const buffer = context + BUFFER_OFFSET;
  const buffered = <usize>load<u64>(context, BUFFERED_OFFSET);
  const total = load<u64>(context, TOTAL_OFFSET);

  store<u8>(buffer + buffered, 0x80);
  memory.fill(buffer + buffered + 1, 0, BLOCK_SIZE - buffered - 1);

  if (buffered >= BLOCK_SIZE - 16) {
    compress(context, buffer);
    memory.fill(buffer, 0, BLOCK_SIZE);
  }

  // The length field is the 128-bit big-endian count of message bits.
  store<u64>(buffer, bswap<u64>(total >> 61), BLOCK_SIZE - 16);
  store<u64>(buffer, bswap<u64>(total << 3), BLOCK_SIZE - 8);
  compress(context, buffer);

  for (let i: usize = 0; i < 8; i++) {
    store<u64>(output + (i << 3), bswap<u64>(load<u64>(context + STATE_OFFSET + (i << 3))));
  }

  memory.fill(context, 0, SHA512_CONTEXT_SIZE);
}

/** Starts an incremental hash in the exported context. */
export function sha512Init(): void {
  sha512Start(EXPORTED_CONTEXT);
}

/** Absorbs `length` bytes at `input` into the exported context. */
export function sha512Update(input: usize, length: usize): void {
  sha512Absorb(EXPORTED_CONTEXT, input, length);
}

/** Writes the 64-byte digest of the exported context to `output` and wipes the context. */
export function sha512Final(output: usize): void {
  sha512Finish(EXPORTED_CONTEXT, output);
}

/** Hashes `length` bytes at `input` in one call and writes the 64-byte digest to `output`. */
export function sha512Digest(input: usize, length: usize, output: usize): void {
  sha512Start(EXPORTED_CONTEXT);
  sha512Absorb(EXPORTED_CONTEXT, input, length);
  sha512Finish(EXPORTED_CONTEXT, output);
}
