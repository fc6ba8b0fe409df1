import { KeyStateError } from "../errors.js";
import { decodeBase64Url, encodeBase64Url } from "../format/base64url.js";

/** The protected header of a token. Only these members are read; any other is carried but ignored. */
export interface TokenHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

/** A compact JWS split into its parts, before any check of the signature. */
export interface ParsedToken {
  header: TokenHeader;
  payload: Record<string, unknown>;
  /** ASCII bytes of "<header>.<payload>", the JWS signing input (RFC 7515 section 5.1). */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Returns the signing input "<base64url(header)>.<base64url(payload)>" of a compact JWS. */
export function signingInputOf(header: TokenHeader, payload: Record<string, unknown>): string {
  return `${encodeJson(header)}.${encodeJson(payload)}`;
}

/** Returns the ASCII bytes of a signing input. */
export function asciiBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Splits a compact JWS (RFC 7515 section 7.1) whose payload is a JWT claims
 * set: three base64url parts without padding, a JSON object header with a
 * string `alg`, and a JSON object payload. Throws TOKEN_INVALID. The header
 * must not be unsecured (`alg` "none") and must not list `crit` extensions,
 * which KeyState does not implement (RFC 7515 section 4.1.11 says to reject them).
 */
export function parseCompact(token: string): ParsedToken {
  const parts = token.split(".");
  if (parts.length !== 3) {
    throw malformed(`a compact JWS has 3 parts separated by ".", this token has ${parts.length}`);
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = decodeJsonObject(headerPart, "header");
  if (typeof header.alg !== "string") throw malformed('the header has no string "alg"');
  if (header.alg === "none") throw malformed('the header has "alg": "none"; unsecured tokens are never accepted');
  if (header.crit !== undefined) throw malformed('the header lists "crit" extensions, which KeyState does not implement');
  if (header.kid !== undefined && typeof header.kid !== "string") throw malformed('the header "kid" is not a string');
  if (header.typ !== undefined && typeof header.typ !== "string") throw malformed('the header "typ" is not a string');

  const payload = decodeJsonObject(payloadPart, "payload");
  const signature = decodePart(signaturePart, "signature");
  if (signature.length === 0) throw malformed("the signature is empty");

  return {
    header: header as TokenHeader,
    payload,
    signingInput: encoder.encode(`${headerPart}.${payloadPart}`),
    signature,
  };
}

/** Returns a TOKEN_INVALID error for a token that cannot be parsed; `reason` names the part, never a secret. */
export function malformed(reason: string): KeyStateError {
  return new KeyStateError("TOKEN_INVALID", `token is malformed: ${reason}`);
}

function encodeJson(value: unknown): string {
  return encodeBase64Url(encoder.encode(JSON.stringify(value)));
}

function decodeJsonObject(part: string, name: string): Record<string, unknown> {
  const bytes = decodePart(part, name);

  let value: unknown;
  try {
    value = JSON.parse(strictDecoder.decode(bytes));
  } catch {
    throw malformed(`the ${name} is not UTF-8 JSON`);
  }

  if (value === null || typeof value !== "object" || Array.isArray(value)) throw malformed(`the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

function decodePart(part: string, name: string): Uint8Array {
  try {
    return decodeBase64Url(part, name);
  } catch {
    throw malformed(`the ${name} is not base64url without padding`);
  }
}
