import { KeyStateError } from "../errors.js";
import { isKeyName } from "../keys/names.js";
import type { KeyAlgorithm } from "../keys/types.js";
import { ALGORITHM_IDS, algorithmById } from "./algorithm-ids.js";

// The byte layout of every header is specified in docs/format.md; the
// offsets below follow it. All integers are big-endian.

/** "KS": the first two bytes of every KeyState ciphertext. */
export const MAGIC_0 = 0x4b;
export const MAGIC_1 = 0x53;
/** The format version this code writes and the only one it reads. */
export const FORMAT_VERSION = 0x01;

/** Header kinds, byte 3. */
export const KIND_DIRECT = 0x01;
export const KIND_ENVELOPE = 0x02;
export const KIND_STREAM = 0x03;

/** The cipher of envelope payloads: XChaCha20-Poly1305 in the WASM core, with 24-byte nonces. */
export const DATA_ALGORITHM: KeyAlgorithm = "XCHACHA20-POLY1305";
export const DATA_KEY_LENGTH = 32;
export const DATA_NONCE_LENGTH = 24;
/** STREAM nonce (Hoang, Reyhanitabar, Rogaway, Vizár 2015): prefix || u32 counter || last-chunk flag. */
export const STREAM_PREFIX_LENGTH = 19;

/** Bytes of the nonce each direct-encryption algorithm writes after the key reference. */
export function nonceLength(algorithm: KeyAlgorithm): number {
  if (algorithm === "XCHACHA20-POLY1305") return 24;
  if (algorithm === "AES-256-GCM") return 12;
  throw new KeyStateError("UNSUPPORTED_ALGORITHM", `${algorithm} does not encrypt data directly`);
}

/** A key version as a header names it. */
export interface KeyReference {
  readonly name: string;
  /** The version's random u32 id. */
  readonly id: number;
}

/** A parsed direct-encryption header (kind 0x01). */
export interface DirectHeader {
  readonly kind: typeof KIND_DIRECT;
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyReference;
  readonly nonce: Uint8Array;
  /** The header bytes as read: the AAD, followed by the encoded context. */
  readonly bytes: Uint8Array;
}

/** A parsed envelope header (kind 0x02, one message; kind 0x03, a chunked stream). */
export interface EnvelopeHeader {
  readonly kind: typeof KIND_ENVELOPE | typeof KIND_STREAM;
  /** The algorithm of the key-encryption key, which wrapped the data key. */
  readonly wrapAlgorithm: KeyAlgorithm;
  readonly kek: KeyReference;
  readonly wrappedKey: Uint8Array;
  /** Kind 0x02: the 24-byte nonce. Kind 0x03: the 19-byte STREAM nonce prefix. */
  readonly nonce: Uint8Array;
  /** Kind 0x03 only: plaintext bytes per chunk (every chunk but the last is full). */
  readonly chunkSize: number;
  /** Prefix and wrap section: the AAD of the wrapped data key, before the context. */
  readonly wrapAadBytes: Uint8Array;
  /** Prefix and data section: the AAD of the payload, before the context. */
  readonly dataAadBytes: Uint8Array;
  /** Length of the whole header in bytes. */
  readonly length: number;
}

/** Smallest and largest chunk size a stream header may declare, in bytes. */
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;

/** Writes a kind 0x01 header. */
export function encodeDirectHeader(algorithm: KeyAlgorithm, key: KeyReference, nonce: Uint8Array): Uint8Array {
  const prefix = encodeDirectHeaderPrefix(algorithm, key);
  const bytes = new Uint8Array(prefix.length + nonce.length);

  bytes.set(prefix, 0);
  bytes.set(nonce, prefix.length);

  return bytes;
}

/**
 * Writes the part of a kind 0x01 header before the nonce, which is the same
 * for every message of one key version, so the client computes it once.
 */
export function encodeDirectHeaderPrefix(algorithm: KeyAlgorithm, key: KeyReference): Uint8Array {
  const name = asciiBytes(key.name);
  const bytes = new Uint8Array(6 + name.length + 4);

  writePrefix(bytes, KIND_DIRECT);
  bytes[4] = ALGORITHM_IDS[algorithm];
  bytes[5] = name.length;
  bytes.set(name, 6);
  new DataView(bytes.buffer).setUint32(6 + name.length, key.id);

  return bytes;
}

/** The parts of an envelope header that encodeEnvelopeHeader writes. */
export interface EnvelopeHeaderFields {
  readonly kind: typeof KIND_ENVELOPE | typeof KIND_STREAM;
  readonly wrapAlgorithm: KeyAlgorithm;
  readonly kek: KeyReference;
  readonly wrappedKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly chunkSize?: number;
}

/**
 * Writes the prefix and wrap section of an envelope header, without the
 * wrapped key: the bytes the wrap algorithm authenticates (before the context).
 */
export function encodeWrapAad(kind: number, wrapAlgorithm: KeyAlgorithm, kek: KeyReference): Uint8Array {
  const name = asciiBytes(kek.name);
  const bytes = new Uint8Array(6 + name.length + 4);

  writePrefix(bytes, kind);
  bytes[4] = ALGORITHM_IDS[wrapAlgorithm];
  bytes[5] = name.length;
  bytes.set(name, 6);
  new DataView(bytes.buffer).setUint32(6 + name.length, kek.id);

  return bytes;
}

/** Writes a kind 0x02 or 0x03 header and returns it with the payload AAD (before the context). */
export function encodeEnvelopeHeader(fields: EnvelopeHeaderFields): { header: Uint8Array; dataAadBytes: Uint8Array } {
  const wrapAad = encodeWrapAad(fields.kind, fields.wrapAlgorithm, fields.kek);
  const dataSection = encodeDataSection(fields);
  const header = new Uint8Array(wrapAad.length + 2 + fields.wrappedKey.length + dataSection.length);

  header.set(wrapAad, 0);
  new DataView(header.buffer).setUint16(wrapAad.length, fields.wrappedKey.length);
  header.set(fields.wrappedKey, wrapAad.length + 2);
  header.set(dataSection, wrapAad.length + 2 + fields.wrappedKey.length);

  const dataAadBytes = new Uint8Array(4 + dataSection.length);
  dataAadBytes.set(header.subarray(0, 4), 0);
  dataAadBytes.set(dataSection, 4);

  return { header, dataAadBytes };
}

function encodeDataSection(fields: EnvelopeHeaderFields): Uint8Array {
  if (fields.kind === KIND_ENVELOPE) {
    const section = new Uint8Array(1 + DATA_NONCE_LENGTH);
    section[0] = ALGORITHM_IDS[DATA_ALGORITHM];
    section.set(fields.nonce, 1);
    return section;
  }

  const section = new Uint8Array(1 + 4 + STREAM_PREFIX_LENGTH);
  section[0] = ALGORITHM_IDS[DATA_ALGORITHM];
  new DataView(section.buffer).setUint32(1, fields.chunkSize!);
  section.set(fields.nonce, 5);
  return section;
}

/** Returns the kind byte of a complete or partial ciphertext, or undefined when it is not a KeyState ciphertext. */
export function peekKind(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1 || bytes[2] !== FORMAT_VERSION) return undefined;
  return bytes[3];
}

/**
 * Reads a kind 0x01 header from the start of `bytes`. Throws UNSUPPORTED_FORMAT
 * when the bytes are not one (the client turns that into DECRYPT_FAILED).
 */
export function parseDirectHeader(bytes: Uint8Array): DirectHeader {
  if (peekKind(bytes) !== KIND_DIRECT || bytes.length < 6) throw malformed();

  const algorithm = algorithmById(bytes[4]!);
  if (algorithm !== "XCHACHA20-POLY1305" && algorithm !== "AES-256-GCM") throw malformed();

  const { key, end } = readKeyReference(bytes, 5);
  const headerLength = end + nonceLength(algorithm);
  if (bytes.length < headerLength) throw malformed();

  return {
    kind: KIND_DIRECT,
    algorithm,
    key,
    nonce: bytes.subarray(end, headerLength),
    bytes: bytes.subarray(0, headerLength),
  };
}

/**
 * Reads a kind 0x02 or 0x03 header from the start of `bytes`. Returns
 * undefined when `bytes` ends before the header does (a stream reader then
 * waits for more), and throws UNSUPPORTED_FORMAT when the bytes read so far
 * cannot start a valid header.
 */
export function parseEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader | undefined {
  if (bytes.length < 6) {
    if (!isPrefixOfMagic(bytes)) throw malformed();
    return undefined;
  }

  const kind = peekKind(bytes);
  if (kind !== KIND_ENVELOPE && kind !== KIND_STREAM) throw malformed();

  const wrapAlgorithm = algorithmById(bytes[4]!);
  if (wrapAlgorithm !== "AES-KW" && wrapAlgorithm !== "XCHACHA20-POLY1305" && wrapAlgorithm !== "AES-256-GCM") {
    throw malformed();
  }

  const nameLength = bytes[5]!;
  if (bytes.length < 6 + nameLength + 4 + 2) return undefined;

  const { key: kek, end: wrapAadEnd } = readKeyReference(bytes, 5);
  const wrappedLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(wrapAadEnd);
  const dataStart = wrapAadEnd + 2 + wrappedLength;
  const dataLength = kind === KIND_ENVELOPE ? 1 + DATA_NONCE_LENGTH : 1 + 4 + STREAM_PREFIX_LENGTH;
  if (bytes.length < dataStart + dataLength) return undefined;

  if (algorithmById(bytes[dataStart]!) !== DATA_ALGORITHM) throw malformed();

  let chunkSize = 0;
  let nonce: Uint8Array;
  if (kind === KIND_ENVELOPE) {
    nonce = bytes.slice(dataStart + 1, dataStart + 1 + DATA_NONCE_LENGTH);
  } else {
    chunkSize = new DataView(bytes.buffer, bytes.byteOffset + dataStart + 1, 4).getUint32(0);
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw malformed();
    nonce = bytes.slice(dataStart + 5, dataStart + 5 + STREAM_PREFIX_LENGTH);
  }

  const dataAadBytes = new Uint8Array(4 + dataLength);
  dataAadBytes.set(bytes.subarray(0, 4), 0);
  dataAadBytes.set(bytes.subarray(dataStart, dataStart + dataLength), 4);

  return {
    kind,
    wrapAlgorithm,
    kek,
    wrappedKey: bytes.slice(wrapAadEnd + 2, dataStart),
    nonce,
    chunkSize,
    wrapAadBytes: bytes.slice(0, wrapAadEnd),
    dataAadBytes,
    length: dataStart + dataLength,
  };
}

function readKeyReference(bytes: Uint8Array, lengthOffset: number): { key: KeyReference; end: number } {
  const nameLength = bytes[lengthOffset]!;
  const nameStart = lengthOffset + 1;
  const idStart = nameStart + nameLength;
  if (bytes.length < idStart + 4) throw malformed();

  const name = String.fromCharCode(...bytes.subarray(nameStart, idStart));
  if (!isKeyName(name)) throw malformed();

  const id = new DataView(bytes.buffer, bytes.byteOffset + idStart, 4).getUint32(0);
  return { key: { name, id }, end: idStart + 4 };
}

function writePrefix(bytes: Uint8Array, kind: number): void {
  bytes[0] = MAGIC_0;
  bytes[1] = MAGIC_1;
  bytes[2] = FORMAT_VERSION;
  bytes[3] = kind;
}

function isPrefixOfMagic(bytes: Uint8Array): boolean {
  const expected = [MAGIC_0, MAGIC_1, FORMAT_VERSION];
  for (let i = 0; i < Math.min(bytes.length, 3); i++) {
    if (bytes[i] !== expected[i]) return false;
  }
  if (bytes.length >= 4 && bytes[3] !== KIND_ENVELOPE && bytes[3] !== KIND_STREAM) return false;
  return true;
}

// Key names are checked ASCII (see keys/names.ts), so one char is one byte.
function asciiBytes(name: string): Uint8Array {
  const bytes = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) bytes[i] = name.charCodeAt(i);
  return bytes;
}

function malformed(): KeyStateError {
  return new KeyStateError("UNSUPPORTED_FORMAT", "the input is not a KeyState ciphertext of format version 1");
}
