import { KeyStateError } from "../errors.js";
import { assertBytes, optionalBytes } from "./bytes.js";
import { IO_CHUNK_SIZE, memoryBytes, reserveIo } from "./io-area.js";
import { coreExports, type CoreExports } from "./module.js";

/** The AEAD functions of the core (assembly/aead.ts). Pointers into the I/O area, lengths in bytes. */
interface AeadExports extends CoreExports {
  aeadInit(keyPtr: number, noncePtr: number, extended: number): void;
  aeadAad(ptr: number, length: number): void;
  aeadEncrypt(ptr: number, length: number): void;
  aeadDecrypt(ptr: number, length: number): void;
  aeadFinish(tagPtr: number): void;
  aeadVerify(tagPtr: number): number;
  aeadSeal(
    keyPtr: number,
    noncePtr: number,
    extended: number,
    aadPtr: number,
    aadLength: number,
    dataPtr: number,
    dataLength: number,
    tagPtr: number,
  ): void;
  aeadOpen(
    keyPtr: number,
    noncePtr: number,
    extended: number,
    aadPtr: number,
    aadLength: number,
    dataPtr: number,
    dataLength: number,
    tagPtr: number,
  ): number;
  aeadWipe(): void;
}

/** An AEAD of the ChaCha20-Poly1305 family, bound to its nonce length. */
export interface ChaChaAead {
  /** Key length in bytes: 32. */
  readonly KEY_LENGTH: 32;
  /** Nonce length in bytes: 24 for XChaCha20-Poly1305, 12 for ChaCha20-Poly1305. */
  readonly NONCE_LENGTH: 24 | 12;
  /** Tag length in bytes: 16, appended to the ciphertext by seal(). */
  readonly TAG_LENGTH: 16;

  /**
   * Encrypts and authenticates `plaintext` (and authenticates `aad`, which
   * is not encrypted). Returns a new array: ciphertext || 16-byte tag.
   * Throws INVALID_ARGUMENT for a key or nonce of the wrong type or length,
   * NOT_READY before ready() resolved.
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;

  /**
   * Checks and decrypts `sealed` (ciphertext || tag) with the same key,
   * nonce and aad that sealed it. Returns a new array with the plaintext.
   * Throws DECRYPT_FAILED, with no further reason, when anything differs or
   * `sealed` is shorter than a tag; INVALID_ARGUMENT and NOT_READY as seal().
   */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}

const KEY_LENGTH = 32;
const TAG_LENGTH = 16;

// Layout of the I/O area during one call. Inputs that fit in one chunk go in
// at DATA_OFFSET (data, then the tag when sealing, then the AAD) and take one
// call into the core; longer ones stream through the same place
// IO_CHUNK_SIZE bytes at a time, a multiple of 64 as the core requires of
// every call but the last. The key, nonce and tag have fixed places before it.
const KEY_OFFSET = 0;
const NONCE_OFFSET = 32;
const TAG_OFFSET = 64;
const DATA_OFFSET = 128;
const IO_LENGTH = DATA_OFFSET + IO_CHUNK_SIZE;

function createAead(nonceLength: 24 | 12): ChaChaAead {
  const extended = nonceLength === 24 ? 1 : 0;

  return Object.freeze({
    KEY_LENGTH,
    NONCE_LENGTH: nonceLength,
    TAG_LENGTH,

    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
      assertBytes(key, "key", KEY_LENGTH);
      assertBytes(nonce, "nonce", nonceLength);
      assertBytes(plaintext, "plaintext");
      const associated = optionalBytes(aad, "aad");

      const core = coreExports() as AeadExports;
      return seal(core, extended, key, nonce, plaintext, associated);
    },

    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
      assertBytes(key, "key", KEY_LENGTH);
      assertBytes(nonce, "nonce", nonceLength);
      assertBytes(sealed, "sealed");
      const associated = optionalBytes(aad, "aad");

      const core = coreExports() as AeadExports;
      if (sealed.length < TAG_LENGTH) throw decryptFailed();
      return open(core, extended, key, nonce, sealed, associated);
    },
  });
}

function seal(
  core: AeadExports,
  extended: number,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const length = plaintext.length;
  const base = reserveIo(core, IO_LENGTH);
  const data = base + DATA_OFFSET;
  const streamed = length + TAG_LENGTH + aad.length > IO_CHUNK_SIZE;
  const used = streamed ? IO_LENGTH : DATA_OFFSET + length + TAG_LENGTH + aad.length;
  // One view for the whole call: nothing below grows memory.
  const memory = memoryBytes(core);

  try {
    memory.set(key, base + KEY_OFFSET);
    memory.set(nonce, base + NONCE_OFFSET);

    if (!streamed) {
      // Data, then its tag, then the AAD: one slice returns ciphertext || tag.
      const tag = data + length;
      const aadPointer = tag + TAG_LENGTH;
      memory.set(plaintext, data);
      memory.set(aad, aadPointer);
      core.aeadSeal(base, base + NONCE_OFFSET, extended, aadPointer, aad.length, data, length, tag);
      return memory.slice(data, tag + TAG_LENGTH);
    }

    const sealed = new Uint8Array(length + TAG_LENGTH);
    core.aeadInit(base, base + NONCE_OFFSET, extended);
    absorbAad(core, memory, aad, data);

    for (let offset = 0; offset < length; offset += IO_CHUNK_SIZE) {
      const chunk = plaintext.subarray(offset, Math.min(offset + IO_CHUNK_SIZE, length));
      memory.set(chunk, data);
      core.aeadEncrypt(data, chunk.length);
      sealed.set(memory.subarray(data, data + chunk.length), offset);
    }

    core.aeadFinish(base + TAG_OFFSET);
    sealed.set(memory.subarray(base + TAG_OFFSET, base + TAG_OFFSET + TAG_LENGTH), length);
    return sealed;
  } finally {
    if (streamed) core.aeadWipe();
    memory.fill(0, base, base + used);
  }
}

function open(
  core: AeadExports,
  extended: number,
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const length = sealed.length - TAG_LENGTH;
  const base = reserveIo(core, IO_LENGTH);
  const data = base + DATA_OFFSET;
  const streamed = length + aad.length > IO_CHUNK_SIZE;
  const used = streamed ? IO_LENGTH : DATA_OFFSET + length + aad.length;
  // One view for the whole call: nothing below grows memory.
  const memory = memoryBytes(core);
  let opened: Uint8Array | undefined;

  try {
    memory.set(key, base + KEY_OFFSET);
    memory.set(nonce, base + NONCE_OFFSET);
    memory.set(sealed.subarray(length), base + TAG_OFFSET);

    if (!streamed) {
      // The core zeroes the decrypted bytes itself when the tag does not match.
      memory.set(sealed.subarray(0, length), data);
      memory.set(aad, data + length);
      const valid = core.aeadOpen(base, base + NONCE_OFFSET, extended, data + length, aad.length, data, length, base + TAG_OFFSET);
      if (valid !== 1) throw decryptFailed();

      return memory.slice(data, data + length);
    }

    // Streamed: decrypt into a private buffer that is released only when the
    // tag matched, and wiped otherwise.
    opened = new Uint8Array(length);
    core.aeadInit(base, base + NONCE_OFFSET, extended);
    absorbAad(core, memory, aad, data);

    for (let offset = 0; offset < length; offset += IO_CHUNK_SIZE) {
      const chunk = sealed.subarray(offset, Math.min(offset + IO_CHUNK_SIZE, length));
      memory.set(chunk, data);
      core.aeadDecrypt(data, chunk.length);
      opened.set(memory.subarray(data, data + chunk.length), offset);
    }

    if (core.aeadVerify(base + TAG_OFFSET) !== 1) throw decryptFailed();

    const result = opened;
    opened = undefined;
    return result;
  } finally {
    opened?.fill(0);
    if (streamed) core.aeadWipe();
    memory.fill(0, base, base + used);
  }
}

// Streams the AAD through the I/O area at `data`.
function absorbAad(core: AeadExports, memory: Uint8Array, aad: Uint8Array, data: number): void {
  for (let offset = 0; offset < aad.length; offset += IO_CHUNK_SIZE) {
    const chunk = aad.subarray(offset, Math.min(offset + IO_CHUNK_SIZE, aad.length));
    memory.set(chunk, data);
    core.aeadAad(data, chunk.length);
  }
}

function decryptFailed(): KeyStateError {
  return new KeyStateError("DECRYPT_FAILED", "decryption failed");
}

/** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03): 32-byte key, 24-byte nonce, 16-byte tag. */
export const xchacha20poly1305: ChaChaAead = createAead(24);

/** ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag. */
export const chacha20poly1305: ChaChaAead = createAead(12);
