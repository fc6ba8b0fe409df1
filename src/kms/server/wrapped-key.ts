import { KeyStateError } from "../../errors.js";
import { assertKeyName } from "../../keys/names.js";
import type { VersionRef } from "./backend.js";

// Layout of a wrapped key, version 1. All integers are big-endian.
//   0  2  magic "KW"
//   2  1  format version, 1
//   3  1  algorithm, 1 = AES-256-GCM
//   4  4  master key version number
//   8  4  master key version id
//  12  1  key name length n (1 to 128)
//  13  n  key name, ASCII
//  13+n   12-byte IV, ciphertext, 16-byte tag
// Bytes 0 to 13+n are the header. AES-GCM authenticates it as associated data
// together with the encoded encryption context, so a wrapped key cannot be
// moved to another key name, version or context.

const MAGIC_0 = 0x4b;
const MAGIC_1 = 0x57;
const FORMAT_VERSION = 1;
const ALGORITHM_AES_256_GCM = 1;
const FIXED_HEADER_LENGTH = 13;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

const ascii = new TextEncoder();
const asciiDecoder = new TextDecoder();

export interface ParsedWrappedKey {
  key: VersionRef;
  header: Uint8Array;
  /** IV || ciphertext || tag, as KmsBackend.encrypt returns it. */
  sealed: Uint8Array;
}

export function encodeHeader(key: VersionRef): Uint8Array {
  const name = ascii.encode(key.name);
  const header = new Uint8Array(FIXED_HEADER_LENGTH + name.length);
  const view = new DataView(header.buffer);

  header[0] = MAGIC_0;
  header[1] = MAGIC_1;
  header[2] = FORMAT_VERSION;
  header[3] = ALGORITHM_AES_256_GCM;
  view.setUint32(4, key.version);
  view.setUint32(8, key.id);
  header[12] = name.length;
  header.set(name, FIXED_HEADER_LENGTH);
  return header;
}

export function joinWrappedKey(header: Uint8Array, sealed: Uint8Array): Uint8Array {
  const blob = new Uint8Array(header.length + sealed.length);
  blob.set(header, 0);
  blob.set(sealed, header.length);
  return blob;
}

/** Splits a wrapped key into its header fields and sealed part. Throws UNSUPPORTED_FORMAT or INVALID_ARGUMENT. */
export function parseWrappedKey(blob: Uint8Array): ParsedWrappedKey {
  if (blob.length < FIXED_HEADER_LENGTH || blob[0] !== MAGIC_0 || blob[1] !== MAGIC_1) {
    throw new KeyStateError("INVALID_ARGUMENT", "wrappedKey is not a KeyState wrapped key; pass the wrappedKey a wrap or generate-data-key response returned");
  }
  if (blob[2] !== FORMAT_VERSION || blob[3] !== ALGORITHM_AES_256_GCM) {
    throw new KeyStateError(
      "UNSUPPORTED_FORMAT",
      `wrappedKey has format version ${blob[2]} and algorithm ${blob[3]}; this proxy reads format 1 with algorithm 1 (AES-256-GCM)`,
    );
  }

  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const nameLength = blob[12]!;
  const headerLength = FIXED_HEADER_LENGTH + nameLength;
  if (blob.length < headerLength + IV_LENGTH + TAG_LENGTH) {
    throw new KeyStateError("INVALID_ARGUMENT", `wrappedKey is truncated: ${blob.length} bytes`);
  }

  const name = asciiDecoder.decode(blob.subarray(FIXED_HEADER_LENGTH, headerLength));
  assertKeyName(name, "the key name in wrappedKey");

  return {
    key: { name, version: view.getUint32(4), id: view.getUint32(8) },
    header: blob.subarray(0, headerLength),
    sealed: blob.subarray(headerLength),
  };
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
