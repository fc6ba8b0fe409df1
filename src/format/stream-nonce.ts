import { KeyStateError } from "../errors.js";
import { DATA_NONCE_LENGTH, STREAM_PREFIX_LENGTH } from "./header.js";

/** Largest chunk index: the counter is a u32. */
export const MAX_CHUNK_INDEX = 0xffffffff;

/**
 * Builds the nonce of chunk `index` in the STREAM construction
 * (Hoang, Reyhanitabar, Rogaway and Vizár, "Online Authenticated-Encryption
 * and its Nonce-Reuse Misuse-Resistance", 2015): the 19-byte random prefix,
 * the chunk index as a u32 big-endian, and 0x01 for the last chunk or 0x00.
 * Because the index and the flag are in the nonce, a chunk moved, repeated,
 * dropped from the end or marked last too early fails its tag check.
 */
export function streamNonce(prefix: Uint8Array, index: number, last: boolean, into?: Uint8Array): Uint8Array {
  if (index > MAX_CHUNK_INDEX) {
    throw new KeyStateError("INVALID_ARGUMENT", "the stream is longer than 2^32 chunks; split it into several streams");
  }

  const nonce = into ?? new Uint8Array(DATA_NONCE_LENGTH);
  nonce.set(prefix, 0);
  nonce[STREAM_PREFIX_LENGTH] = index >>> 24;
  nonce[STREAM_PREFIX_LENGTH + 1] = (index >>> 16) & 0xff;
  nonce[STREAM_PREFIX_LENGTH + 2] = (index >>> 8) & 0xff;
  nonce[STREAM_PREFIX_LENGTH + 3] = index & 0xff;
  nonce[STREAM_PREFIX_LENGTH + 4] = last ? 1 : 0;

  return nonce;
}
