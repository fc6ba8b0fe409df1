// The wire protocol of the KMS proxy, shared by the server and RemoteKms.
// Browser-safe: WebCrypto and TextEncoder only, no Node modules.
// docs/kms-proxy.md describes every route, header and status.

import type { KeyStateErrorCode } from "../errors.js";
import { encodeBase64Url } from "../format/base64url.js";

/**
 * Master-key algorithms the proxy serves. AES-KW keys come only from a key
 * store, where the KeyState client creates them as its default wrap keys.
 */
export type KmsAlgorithm = "AES-256-GCM" | "AES-KW" | "ECDSA-P256" | "ED25519";

/** The use of a master key: wrapping data keys, or signing. */
export type KmsPurpose = "wrap" | "sign";

/** One version of a master key, as the proxy lists it. */
export interface KmsKeyVersion {
  /** 1, 2, 3 ... in order of creation. */
  version: number;
  /** Random unsigned 32-bit id; wrapped keys and signature `kid`s carry it. */
  id: number;
  /** Milliseconds since the Unix epoch, when the backend records it. */
  createdAt?: number;
}

/** Public metadata of a master key. Never contains material. */
export interface KmsKeyInfo {
  name: string;
  purpose: KmsPurpose;
  algorithm: KmsAlgorithm;
  /** The version that wraps or signs; every listed version unwraps or verifies. */
  primaryVersion: number;
  versions: KmsKeyVersion[];
}

/** Body of every error response. */
export interface KmsErrorBody {
  error: { code: KeyStateErrorCode; message: string; requestId?: string };
}

/** Algorithms POST /v1/keys creates, on every backend. */
export const KMS_ALGORITHMS: readonly KmsAlgorithm[] = ["AES-256-GCM", "ECDSA-P256", "ED25519"];

export function purposeOf(algorithm: KmsAlgorithm): KmsPurpose {
  return algorithm === "AES-256-GCM" || algorithm === "AES-KW" ? "wrap" : "sign";
}

/** Header names of request signing. */
export const SIGNATURE_HEADERS = {
  timestamp: "x-keystate-timestamp",
  nonce: "x-keystate-nonce",
  signature: "x-keystate-signature",
} as const;

export const REQUEST_ID_HEADER = "x-request-id";

const encoder = new TextEncoder();

/**
 * Builds the string a signed request's HMAC-SHA256 covers: a fixed label,
 * the method, the path with its query, the timestamp (milliseconds since the
 * Unix epoch), the nonce and the hex SHA-256 of the body, one per line.
 */
export async function canonicalRequest(
  method: string,
  pathWithQuery: string,
  timestamp: string,
  nonce: string,
  body: Uint8Array,
): Promise<string> {
  const bodyHash = await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>);
  return ["KEYSTATE-HMAC-SHA256", method.toUpperCase(), pathWithQuery, timestamp, nonce, toHex(new Uint8Array(bodyHash))].join("\n");
}

/** Computes the base64url HMAC-SHA256 of `canonical` under `secret`. */
export async function signCanonical(secret: Uint8Array, canonical: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(canonical));
  return encodeBase64Url(new Uint8Array(mac));
}

export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}
