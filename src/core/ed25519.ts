import { assertBytes } from "./bytes.js";
import { IO_CHUNK_SIZE, memoryBytes, readIo, reserveIo, wipeIo } from "./io-area.js";
import { coreExports, type CoreExports } from "./module.js";

/** The Ed25519 functions of the core (assembly/ed25519.ts). Pointers into the I/O area, lengths in bytes. */
interface Ed25519Exports extends CoreExports {
  ed25519PublicKey(seed: number, output: number): void;
  ed25519Sign(seed: number, message: number, length: number, output: number): void;
  ed25519SignBegin(seed: number): void;
  ed25519Update(pointer: number, length: number): void;
  ed25519SignMiddle(): void;
  ed25519SignFinish(output: number): void;
  ed25519Verify(publicKey: number, message: number, length: number, signature: number): number;
  ed25519VerifyBegin(publicKey: number, signature: number): number;
  ed25519VerifyFinish(): number;
  ed25519Wipe(): void;
}

/** Ed25519 (RFC 8032 section 5.1) with 32-byte seeds as secret keys. */
export interface Ed25519 {
  /** Seed (secret key) length in bytes: 32. */
  readonly SEED_LENGTH: 32;
  /** Public key length in bytes: 32. */
  readonly PUBLIC_KEY_LENGTH: 32;
  /** Signature length in bytes: 64. */
  readonly SIGNATURE_LENGTH: 64;

  /**
   * Derives the 32-byte public key of a 32-byte seed. Throws INVALID_ARGUMENT
   * for a seed of the wrong type or length, NOT_READY before ready() resolved.
   */
  getPublicKey(seed: Uint8Array): Uint8Array;

  /**
   * Signs `message` (any length) with a 32-byte seed and returns the 64-byte
   * signature R || S. Signing is deterministic: the same seed and message
   * give the same signature. Throws INVALID_ARGUMENT for a seed of the wrong
   * type or length or a message that is not a Uint8Array, NOT_READY before
   * ready() resolved.
   */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;

  /**
   * Checks a signature strictly (see docs/ed25519.md): returns false for any
   * signature that is invalid or malformed, a signature of the wrong length
   * included. Throws INVALID_ARGUMENT only when an argument is not a
   * Uint8Array or the public key is not 32 bytes long, NOT_READY before
   * ready() resolved.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

const SEED_LENGTH = 32;
const PUBLIC_KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

// Layout of the I/O area during one call: the seed or public key at 0, the
// signature or derived public key at 32, the message (or one chunk of it)
// from 128. A message that fits in one chunk takes one call into the core;
// a longer one streams through the same place twice when signing (once for
// the nonce, once for the challenge) and once when verifying.
const KEY_OFFSET = 0;
const SIGNATURE_OFFSET = 32;
const MESSAGE_OFFSET = 128;

function getPublicKey(seed: Uint8Array): Uint8Array {
  assertBytes(seed, "seed", SEED_LENGTH);

  const core = coreExports() as Ed25519Exports;
  const used = MESSAGE_OFFSET;
  const base = reserveIo(core, used);

  try {
    memoryBytes(core).set(seed, base + KEY_OFFSET);
    core.ed25519PublicKey(base + KEY_OFFSET, base + SIGNATURE_OFFSET);
    return readIo(core, base + SIGNATURE_OFFSET, PUBLIC_KEY_LENGTH);
  } finally {
    wipeIo(core, base, used);
  }
}

function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(seed, "seed", SEED_LENGTH);
  assertBytes(message, "message");

  const core = coreExports() as Ed25519Exports;
  const streamed = message.length > IO_CHUNK_SIZE;
  const used = MESSAGE_OFFSET + Math.min(message.length, IO_CHUNK_SIZE);
  const base = reserveIo(core, used);
  const data = base + MESSAGE_OFFSET;
  let finished = false;

  try {
    const memory = memoryBytes(core);
    memory.set(seed, base + KEY_OFFSET);

    if (!streamed) {
      memory.set(message, data);
      core.ed25519Sign(base + KEY_OFFSET, data, message.length, base + SIGNATURE_OFFSET);
    } else {
      core.ed25519SignBegin(base + KEY_OFFSET);
      wipeIo(core, base + KEY_OFFSET, SEED_LENGTH);
      streamMessage(core, message, data);
      core.ed25519SignMiddle();
      streamMessage(core, message, data);
      core.ed25519SignFinish(base + SIGNATURE_OFFSET);
    }
    finished = true;

    return readIo(core, base + SIGNATURE_OFFSET, SIGNATURE_LENGTH);
  } finally {
    // A completed call has wiped the core's signing state already; one that
    // stopped between calls has not.
    if (!finished) core.ed25519Wipe();
    wipeIo(core, base, used);
  }
}

function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  assertBytes(publicKey, "publicKey", PUBLIC_KEY_LENGTH);
  assertBytes(message, "message");
  assertBytes(signature, "signature");
  if (signature.length !== SIGNATURE_LENGTH) return false;

  const core = coreExports() as Ed25519Exports;
  const streamed = message.length > IO_CHUNK_SIZE;
  const used = MESSAGE_OFFSET + Math.min(message.length, IO_CHUNK_SIZE);
  const base = reserveIo(core, used);
  const data = base + MESSAGE_OFFSET;

  try {
    const memory = memoryBytes(core);
    memory.set(publicKey, base + KEY_OFFSET);
    memory.set(signature, base + SIGNATURE_OFFSET);

    if (!streamed) {
      memory.set(message, data);
      return core.ed25519Verify(base + KEY_OFFSET, data, message.length, base + SIGNATURE_OFFSET) === 1;
    }

    if (core.ed25519VerifyBegin(base + KEY_OFFSET, base + SIGNATURE_OFFSET) !== 1) return false;
    streamMessage(core, message, data);
    return core.ed25519VerifyFinish() === 1;
  } finally {
    wipeIo(core, base, used);
  }
}

// Feeds `message` to ed25519Update through the I/O area at `data`, one chunk per call.
function streamMessage(core: Ed25519Exports, message: Uint8Array, data: number): void {
  for (let offset = 0; offset < message.length; offset += IO_CHUNK_SIZE) {
    const chunk = message.subarray(offset, Math.min(offset + IO_CHUNK_SIZE, message.length));
    memoryBytes(core).set(chunk, data);
    core.ed25519Update(data, chunk.length);
  }
}

/** Ed25519 on the WebAssembly core. Every function is synchronous after ready(). */
export const ed25519: Ed25519 = Object.freeze({
  SEED_LENGTH,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  getPublicKey,
  sign,
  verify,
});
