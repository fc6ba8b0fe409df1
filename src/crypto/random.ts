// getRandomValues fills at most 65536 bytes per call (WebCrypto's QuotaExceededError limit).
const MAX_PER_CALL = 65536;

/** Returns `length` bytes from the platform CSPRNG (crypto.getRandomValues). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_PER_CALL) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + MAX_PER_CALL, length)));
  }
  return bytes;
}

// Nonces are public, so they may come from a pool filled 4 KiB at a time,
// which saves a getRandomValues call per message. Keys never come from it.
const NONCE_POOL_SIZE = 4096;
let noncePool = new Uint8Array(0);
let noncePoolOffset = 0;

/** Returns `length` random bytes for a nonce or other public value, from a pool refilled by crypto.getRandomValues. */
export function randomNonce(length: number): Uint8Array {
  return fillNonce(new Uint8Array(length));
}

/** Fills `target` (at most 4096 bytes) with random bytes for a nonce, from the same pool as randomNonce. Returns `target`. */
export function fillNonce(target: Uint8Array): Uint8Array {
  if (noncePoolOffset + target.length > noncePool.length) {
    noncePool = crypto.getRandomValues(new Uint8Array(NONCE_POOL_SIZE));
    noncePoolOffset = 0;
  }

  // A plain loop: for nonces of 12 to 24 bytes it is faster than set() on a new subarray.
  for (let i = 0; i < target.length; i++) target[i] = noncePool[noncePoolOffset + i]!;
  noncePoolOffset += target.length;
  return target;
}
