import { assertBytes } from "./bytes.js";
import { IO_CHUNK_SIZE, memoryBytes, readIo, reserveIo, wipeIo } from "./io-area.js";
import { coreExports, type CoreExports } from "./module.js";

/** The SHA-512 functions of the core (assembly/sha512.ts). Pointers into the I/O area, lengths in bytes. */
interface Sha512Exports extends CoreExports {
  sha512Init(): void;
  sha512Update(pointer: number, length: number): void;
  sha512Final(output: number): void;
  sha512Digest(pointer: number, length: number, output: number): void;
}

/** Length of a SHA-512 digest in bytes. */
export const SHA512_DIGEST_LENGTH = 64;

// Layout of the I/O area: the digest at 0, the input from 64.
const DIGEST_OFFSET = 0;
const DATA_OFFSET = 64;

/**
 * Computes the SHA-512 digest (FIPS 180-4) of `data`, which may be any
 * Uint8Array view of any length. Returns a new 64-byte array. Throws
 * INVALID_ARGUMENT when `data` is not a Uint8Array, NOT_READY before ready()
 * resolved.
 */
export function sha512(data: Uint8Array): Uint8Array {
  assertBytes(data, "data");

  const core = coreExports() as Sha512Exports;
  const used = DATA_OFFSET + Math.min(data.length, IO_CHUNK_SIZE);
  const base = reserveIo(core, used);
  const input = base + DATA_OFFSET;

  try {
    if (data.length <= IO_CHUNK_SIZE) {
      memoryBytes(core).set(data, input);
      core.sha512Digest(input, data.length, base + DIGEST_OFFSET);
    } else {
      core.sha512Init();
      for (let offset = 0; offset < data.length; offset += IO_CHUNK_SIZE) {
        const chunk = data.subarray(offset, Math.min(offset + IO_CHUNK_SIZE, data.length));
        memoryBytes(core).set(chunk, input);
        core.sha512Update(input, chunk.length);
      }
      core.sha512Final(base + DIGEST_OFFSET);
    }

    return readIo(core, base + DIGEST_OFFSET, SHA512_DIGEST_LENGTH);
  } finally {
    wipeIo(core, base, used);
  }
}
