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
