import { Buffer } from "node:buffer";

/** Encodes bytes as unpadded base64url (RFC 4648 section 5). */
export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** Decodes unpadded base64url into a fresh array; characters outside the alphabet are skipped, so callers validate first. */
export function decodeBase64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}
