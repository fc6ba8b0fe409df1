import { IO_CHUNK_SIZE, memoryBytes, reserveIo, wipeIo } from "../core/io-area.js";
import { coreExports, type CoreExports } from "../core/module.js";

/** The streaming AEAD exports of the core (assembly/aead.ts). Pointers into the I/O area, lengths in bytes. */
interface StreamingAeadExports extends CoreExports {
  aeadInit(keyPtr: number, noncePtr: number, extended: number): void;
  aeadAad(ptr: number, length: number): void;
  aeadEncrypt(ptr: number, length: number): void;
  aeadFinish(tagPtr: number): void;
  aeadWipe(): void;
}

// I/O area layout during one call: key, nonce, tag, then one chunk of data.
const KEY_OFFSET = 0;
const NONCE_OFFSET = 32;
const TAG_OFFSET = 64;
const DATA_OFFSET = 128;
const IO_LENGTH = DATA_OFFSET + IO_CHUNK_SIZE;

/**
 * Seals with XChaCha20-Poly1305 straight into `output` at `offset`
 * (ciphertext, then the 16-byte tag), so a large message is copied once
 * into the core and once out, with no extra copy to put a header in front.
 * Arguments are checked by the caller: a 32-byte key, a 24-byte nonce and
 * room for plaintext.length + 16 bytes. Uses the core's streaming exports,
 * each call but the last on a multiple of 64 bytes, as the core requires.
 */
export function xchacha20Poly1305SealInto(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  output: Uint8Array,
  offset: number,
): void {
  const core = coreExports() as StreamingAeadExports;
  const base = reserveIo(core, IO_LENGTH);
  const data = base + DATA_OFFSET;
  const used = DATA_OFFSET + Math.min(IO_CHUNK_SIZE, Math.max(plaintext.length, aad.length));

  try {
    let memory = memoryBytes(core);
    memory.set(key, base + KEY_OFFSET);
    memory.set(nonce, base + NONCE_OFFSET);
    core.aeadInit(base + KEY_OFFSET, base + NONCE_OFFSET, 1);

    for (let start = 0; start < aad.length; start += IO_CHUNK_SIZE) {
      const chunk = aad.subarray(start, Math.min(start + IO_CHUNK_SIZE, aad.length));
      memoryBytes(core).set(chunk, data);
      core.aeadAad(data, chunk.length);
    }

    for (let start = 0; start < plaintext.length; start += IO_CHUNK_SIZE) {
      const chunk = plaintext.subarray(start, Math.min(start + IO_CHUNK_SIZE, plaintext.length));
      memory = memoryBytes(core);
      memory.set(chunk, data);
      core.aeadEncrypt(data, chunk.length);
      output.set(memory.subarray(data, data + chunk.length), offset + start);
    }

    core.aeadFinish(base + TAG_OFFSET);
    output.set(memoryBytes(core).subarray(base + TAG_OFFSET, base + TAG_OFFSET + 16), offset + plaintext.length);
  } finally {
    // aeadFinish already cleared the core's state; this covers an exception between calls.
    core.aeadWipe();
    wipeIo(core, base, used);
  }
}
