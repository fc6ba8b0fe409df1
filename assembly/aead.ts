// ChaCha20-Poly1305 (RFC 8439 section 2.8) and XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha-03 section 2.3), driven by the TypeScript side:
//
//   aeadInit -> aeadAad* -> (aeadEncrypt | aeadDecrypt)* -> aeadFinish | aeadVerify
//
// Every length except the last of the AAD calls and the last of the data
// calls must be a multiple of 64 (the keystream advances in whole blocks and
// Poly1305 pads each call's tail). aeadSeal and aeadOpen do the whole thing
// in one call for inputs that fit in the I/O area at once.
//
// The key, the XChaCha subkey, the ChaCha state, the keystream and the
// Poly1305 state stay in static areas between calls; aeadFinish, aeadVerify,
// aeadSeal and aeadOpen clear them all before they return, and aeadWipe
// clears them after an aborted computation.

import {
  chacha20Block,
  chacha20Setup,
  chacha20Wipe,
  chacha20XorInPlace,
  hchacha20,
} from "./chacha20";
import { chacha20Poly1305Segments } from "./chacha20poly1305";
import { zero16 } from "./small-memory";
import {
  poly1305Blocks,
  poly1305Finish,
  poly1305Init,
  poly1305UpdateMessage,
  poly1305UpdatePadded,
  poly1305Wipe,
} from "./poly1305";

// The 16-word ChaCha20 state (key and nonce).
const CHACHA: usize = memory.data(64, 16);
// 64 bytes for the Poly1305 key block, the HChaCha20 working state and the
// computed tag; the XChaCha subkey and shortened nonce after it.
const SCRATCH: usize = memory.data(64, 16);
const SUBKEY: usize = memory.data(32, 16);
const NONCE12: usize = memory.data(16, 16);
// Counter of the next keystream block, byte counts of AAD and ciphertext.
const COUNTERS: usize = memory.data(32, 16);
const BLOCK_COUNTER = COUNTERS;
const AAD_LENGTH = COUNTERS + 8;
const DATA_LENGTH = COUNTERS + 16;

/**
 * Starts an AEAD computation with the 32-byte key at keyPtr and the nonce at
 * noncePtr: 24 bytes when `extended` is 1 (XChaCha20-Poly1305), 12 bytes
 * otherwise (ChaCha20-Poly1305).
 */
export function aeadInit(keyPtr: usize, noncePtr: usize, extended: i32): void {
  if (extended != 0) {
    // draft-irtf-cfrg-xchacha-03 section 2.3: subkey = HChaCha20(key,
    // nonce[0..16]); the ChaCha20 nonce is 4 zero bytes || nonce[16..24].
    hchacha20(keyPtr, noncePtr, SUBKEY, SCRATCH);
    store<u32>(NONCE12, 0);
    store<u64>(NONCE12, load<u64>(noncePtr, 16), 4);
    chacha20Setup(CHACHA, SUBKEY, NONCE12);
    zero16(SUBKEY, 32);
  } else {
    chacha20Setup(CHACHA, keyPtr, noncePtr);
  }

  // RFC 8439 section 2.6: the one-time Poly1305 key is the first 32 bytes of
  // keystream block 0; encryption starts at block 1.
  chacha20Block(CHACHA, 0, SCRATCH);
  poly1305Init(SCRATCH);
  zero16(SCRATCH, 64);

  store<u64>(BLOCK_COUNTER, 1);
  store<u64>(AAD_LENGTH, 0);
  store<u64>(DATA_LENGTH, 0);
}

/** Absorbs `length` bytes of associated data at ptr. */
export function aeadAad(ptr: usize, length: usize): void {
  poly1305UpdatePadded(ptr, length);
  store<u64>(AAD_LENGTH, load<u64>(AAD_LENGTH) + length);
}

/** Encrypts `length` bytes at ptr in place and absorbs the ciphertext. */
export function aeadEncrypt(ptr: usize, length: usize): void {
  const segments = length >> 8;
  const tail = ptr + (segments << 8);
  const tailLength = length & 255;

  let counter = <u32>load<u64>(BLOCK_COUNTER);
  counter = chacha20Poly1305Segments(CHACHA, ptr, segments, counter, 0);
  counter = chacha20XorInPlace(CHACHA, tail, tailLength, counter);
  poly1305UpdatePadded(tail, tailLength);

  store<u64>(BLOCK_COUNTER, counter);
  store<u64>(DATA_LENGTH, load<u64>(DATA_LENGTH) + length);
}

/** Absorbs the `length` bytes of ciphertext at ptr and decrypts them in place. */
export function aeadDecrypt(ptr: usize, length: usize): void {
  const segments = length >> 8;
  const tail = ptr + (segments << 8);
  const tailLength = length & 255;

  let counter = <u32>load<u64>(BLOCK_COUNTER);
  counter = chacha20Poly1305Segments(CHACHA, ptr, segments, counter, 1);
  poly1305UpdatePadded(tail, tailLength);
  counter = chacha20XorInPlace(CHACHA, tail, tailLength, counter);

  store<u64>(BLOCK_COUNTER, counter);
  store<u64>(DATA_LENGTH, load<u64>(DATA_LENGTH) + length);
}

/** Writes the 16-byte tag to out and clears every secret. */
export function aeadFinish(tagPtr: usize): void {
  computeTag(tagPtr);
  aeadWipe();
}

/**
 * Compares the computed tag with the 16 bytes at tagPtr in constant time,
 * clears every secret, and returns 1 when they are equal, 0 otherwise.
 */
export function aeadVerify(tagPtr: usize): i32 {
  computeTag(SCRATCH);
  const equal = tagsEqual(SCRATCH, tagPtr);
  aeadWipe();
  return equal;
}

/**
 * One-call seal: encrypts `dataLength` bytes at dataPtr in place and writes
 * the tag to tagPtr. Arguments as for aeadInit and aeadAad.
 */
export function aeadSeal(
  keyPtr: usize,
  noncePtr: usize,
  extended: i32,
  aadPtr: usize,
  aadLength: usize,
  dataPtr: usize,
  dataLength: usize,
  tagPtr: usize,
): void {
  aeadInit(keyPtr, noncePtr, extended);
  aeadAad(aadPtr, aadLength);
  aeadEncrypt(dataPtr, dataLength);
  aeadFinish(tagPtr);
}

/**
 * One-call open: decrypts `dataLength` bytes at dataPtr in place and checks
 * the tag at tagPtr. Returns 1 when it matched; otherwise overwrites the
 * decrypted bytes with zeros and returns 0.
 */
export function aeadOpen(
  keyPtr: usize,
  noncePtr: usize,
  extended: i32,
  aadPtr: usize,
  aadLength: usize,
  dataPtr: usize,
  dataLength: usize,
  tagPtr: usize,
): i32 {
  aeadInit(keyPtr, noncePtr, extended);
  aeadAad(aadPtr, aadLength);
  aeadDecrypt(dataPtr, dataLength);

  const equal = aeadVerify(tagPtr);
  if (equal == 0) memory.fill(dataPtr, 0, dataLength);
  return equal;
}

/** Clears the key, subkey, keystream, Poly1305 state and counters. */
export function aeadWipe(): void {
  zero16(CHACHA, 64);
  zero16(SCRATCH, 64);
  zero16(SUBKEY, 32);
  zero16(NONCE12, 16);
  zero16(COUNTERS, 32);
  chacha20Wipe();
  poly1305Wipe();
}

// RFC 8439 section 2.8: after the padded AAD and ciphertext, one block with
// their lengths in bytes as 64-bit little-endian integers.
function computeTag(out: usize): void {
  store<u64>(SCRATCH, load<u64>(AAD_LENGTH), 0);
  store<u64>(SCRATCH, load<u64>(DATA_LENGTH), 8);
  poly1305Blocks(SCRATCH, 1, 1 << 24);
  poly1305Finish(out);
}

// Returns 1 when the 16 bytes at a and b are equal; no branch depends on them.
function tagsEqual(a: usize, b: usize): i32 {
  const difference =
    (load<u32>(a, 0) ^ load<u32>(b, 0)) |
    (load<u32>(a, 4) ^ load<u32>(b, 4)) |
    (load<u32>(a, 8) ^ load<u32>(b, 8)) |
    (load<u32>(a, 12) ^ load<u32>(b, 12));
  return <i32>(((difference | (0 - difference)) >>> 31) ^ 1);
}

// Test-only exports: the primitives on their own, for the RFC vectors.
// Each clears what it used before returning.

/** Writes ChaCha20 keystream block `counter` for the key and 12-byte nonce to out (64 bytes). */
export function chacha20KeystreamBlock(keyPtr: usize, noncePtr: usize, counter: u32, out: usize): void {
  chacha20Setup(CHACHA, keyPtr, noncePtr);
  chacha20Block(CHACHA, counter, out);
  aeadWipe();
}

/** Xors the ChaCha20 keystream from block `counter` into `length` bytes at ptr. */
export function chacha20XorStream(keyPtr: usize, noncePtr: usize, counter: u32, ptr: usize, length: usize): void {
  chacha20Setup(CHACHA, keyPtr, noncePtr);
  chacha20XorInPlace(CHACHA, ptr, length, counter);
  aeadWipe();
}

/** Writes the HChaCha20 subkey for the key and 16-byte nonce to out (32 bytes). */
export function hchacha20Subkey(keyPtr: usize, noncePtr: usize, out: usize): void {
  hchacha20(keyPtr, noncePtr, out, SCRATCH);
  aeadWipe();
}

/** Writes the Poly1305 tag of `length` bytes at ptr under the 32-byte one-time key to out. */
export function poly1305Mac(keyPtr: usize, ptr: usize, length: usize, out: usize): void {
  poly1305Init(keyPtr);
  poly1305UpdateMessage(ptr, length);
  poly1305Finish(out);
  aeadWipe();
}
