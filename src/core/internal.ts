// Test-only access to the primitives under the AEADs, for the RFC 8439 and
// draft-irtf-cfrg-xchacha vectors of ChaCha20, HChaCha20 and Poly1305. Not
// part of the public keystate/core surface: nothing outside test/ imports it.
import { assertBytes } from "./bytes.js";
import { reserveIo, readIo, wipeIo, writeIo } from "./io-area.js";
import { coreExports, type CoreExports } from "./module.js";

interface PrimitiveExports extends CoreExports {
  chacha20KeystreamBlock(keyPtr: number, noncePtr: number, counter: number, out: number): void;
  chacha20XorStream(keyPtr: number, noncePtr: number, counter: number, ptr: number, length: number): void;
  hchacha20Subkey(keyPtr: number, noncePtr: number, out: number): void;
  poly1305Mac(keyPtr: number, ptr: number, length: number, out: number): void;
}

// key at 0, nonce at 32, output at 64, data from 128.
function withIo<T>(length: number, body: (core: PrimitiveExports, base: number) => T): T {
  const core = coreExports() as PrimitiveExports;
  const base = reserveIo(core, 128 + length);
  try {
    return body(core, base);
  } finally {
    wipeIo(core, base, 128 + length);
  }
}

/** ChaCha20 keystream block `counter` (RFC 8439 section 2.3): 64 bytes. */
export function chacha20Block(key: Uint8Array, nonce: Uint8Array, counter: number): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(nonce, "nonce", 12);
  return withIo(0, (core, base) => {
    writeIo(core, base, key);
    writeIo(core, base + 32, nonce);
    core.chacha20KeystreamBlock(base, base + 32, counter >>> 0, base + 64);
    return readIo(core, base + 64, 64);
  });
}

/** ChaCha20 encryption (RFC 8439 section 2.4) from block `counter`, up to 64 KiB. */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(nonce, "nonce", 12);
  assertBytes(data, "data");
  return withIo(data.length, (core, base) => {
    writeIo(core, base, key);
    writeIo(core, base + 32, nonce);
    writeIo(core, base + 128, data);
    core.chacha20XorStream(base, base + 32, counter >>> 0, base + 128, data.length);
    return readIo(core, base + 128, data.length);
  });
}

/** HChaCha20 (draft-irtf-cfrg-xchacha-03 section 2.2): 32-byte subkey from a key and a 16-byte nonce. */
export function hchacha20(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(nonce, "nonce", 16);
  return withIo(0, (core, base) => {
    writeIo(core, base, key);
    writeIo(core, base + 32, nonce);
    core.hchacha20Subkey(base, base + 32, base + 64);
    return readIo(core, base + 64, 32);
  });
}

/** Poly1305 (RFC 8439 section 2.5): 16-byte tag of `message` under a 32-byte one-time key. */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(key, "key", 32);
  assertBytes(message, "message");
  return withIo(message.length, (core, base) => {
    writeIo(core, base, key);
    writeIo(core, base + 128, message);
    core.poly1305Mac(base, base + 128, message.length, base + 64);
    return readIo(core, base + 64, 16);
  });
}
