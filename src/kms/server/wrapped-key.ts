import { KeyStateError } from "../../errors.js";
import { assertKeyName } from "../../keys/names.js";
import type { VersionRef } from "./backend.js";

// Layout of a wrapped key, version 1. All integers are big-endian.
//   0  2  magic "KW"
//   2  1  format version, 1
//   3  1  algorithm, 1 = AES-256-GCM, 2 = AES-KW
//   4  4  master key version number
//   8  4  master key version id
//  12  1  key name length n (1 to 128)
//  13  n  key name, ASCII
//  13+n   AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag
//         AES-KW: the RFC 3394 output, 8 bytes longer than the plaintext
// Bytes 0 to 13+n are the header. The header and the encoded encryption
// context form the associated data: AES-GCM authenticates it directly, and
// AES-KW, which has no associated data, wraps under a key derived from the
// master key and that data (see SoftwareBackend). Either way a wrapped key
// cannot be moved to another key name, version or context.

const MAGIC_0 = 0x4b;
const MAGIC_1 = 0x57;
const FORMAT_VERSION = 1;
const ALGORITHM_IDS = { "AES-256-GCM": 1, "AES-KW": 2 } as const;
const FIXED_HEADER_LENGTH = 13;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
// RFC 3394 wraps at least 16 bytes into at least 24.
const MIN_KW_OUTPUT_LENGTH = 24;

/** Master-key algorithms a wrapped key can name. */
export type WrapAlgorithm = keyof typeof ALGORITHM_IDS;

const ascii = new TextEncoder();
const asciiDecoder = new TextDecoder();

export interface ParsedWrappedKey {
  key: VersionRef;
  algorithm: WrapAlgorithm;
  header: Uint8Array;
  /** The output of KmsBackend.encrypt: IV || ciphertext || tag for AES-256-GCM, the RFC 3394 output for AES-KW. */
  sealed: Uint8Array;
}

export function encodeHeader(key: VersionRef, algorithm: WrapAlgorithm): Uint8Array {
  const name = ascii.encode(key.name);
  const header = new Uint8Array(FIXED_HEADER_LENGTH + name.length);
  const view = new DataView(header.buffer);

  header[0] = MAGIC_0;
  header[1] = MAGIC_1;
  header[2] = FORMAT_VERSION;
  header[3] = ALGORITHM_IDS[algorithm];
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
  const algorithm = (Object.keys(ALGORITHM_IDS) as WrapAlgorithm[]).find((name) => ALGORITHM_IDS[name] === blob[3]);
  if (blob[2] !== FORMAT_VERSION || algorithm === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_FORMAT",
      `wrappedKey has format version ${blob[2]} and algorithm ${blob[3]}; this proxy reads format 1 with algorithm 1 (AES-256-GCM) or 2 (AES-KW)`,
    );
  }

  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const nameLength = blob[12]!;
  const headerLength = FIXED_HEADER_LENGTH + nameLength;
  const minSealedLength = algorithm === "AES-KW" ? MIN_KW_OUTPUT_LENGTH : IV_LENGTH + TAG_LENGTH;
  if (blob.length < headerLength + minSealedLength) {
    throw new KeyStateError("INVALID_ARGUMENT", `wrappedKey is truncated: ${blob.length} bytes`);
  }

  const name = asciiDecoder.decode(blob.subarray(FIXED_HEADER_LENGTH, headerLength));
  assertKeyName(name, "the key name in wrappedKey");

  return {
    key: { name, version: view.getUint32(4), id: view.getUint32(8) },
    algorithm,
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
