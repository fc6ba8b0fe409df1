import { KeyStateError } from "../errors.js";
import { constantTimeEqual, describeValue } from "../core/bytes.js";
import type { MacEngine, SignatureEngine } from "../crypto/engine.js";
import { assertKeyName } from "../keys/names.js";
import type { KeyVersionInfo } from "../keys/types.js";
import { isUsable, primaryThenNewest } from "../keys/versions.js";
import type { CachedKey } from "../client/key-cache.js";
import { optionsOf } from "../client/inputs.js";
import { audited, authorize, keyFor, type AuditNote, type Runtime } from "../client/runtime.js";
import { acceptsJwsAlgorithm } from "./algorithms.js";
import { checkClaims, type ClaimExpectations, type JwtClaims } from "./claims.js";
import { parseCompact, type ParsedToken } from "./compact.js";
import { parseKeyId } from "./key-id.js";

/** Options of verifyToken. Times are in seconds. */
export interface VerifyTokenOptions {
  /**
   * The key, or keys, that may have signed the token. Required: the token's
   * `kid` only picks a version among these, so a token can never choose a
   * key the caller did not name.
   */
  key: string | readonly string[];
  /** Accepted audiences: the token's `aud` must contain one of them. */
  audience?: string | readonly string[];
  /** Accepted issuers: the token's `iss` must be one of them. */
  issuer?: string | readonly string[];
  /** The required `sub`. */
  subject?: string;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Seconds by which exp, nbf and iat may be off, on either side of now. Default 0. */
  clockTolerance?: number;
  /** Maximum seconds since `iat`; the token must then carry `iat`. */
  maxAge?: number;
  /** The required header `typ`, compared without case as RFC 7515 section 4.1.9 advises. */
  type?: string;
}

/**
 * Verifies a compact JWS/JWT and returns its claims. See KeyState.verifyToken.
 * The signature is checked before any claim, so the time and claim codes are
 * reported only for authentic tokens.
 */
export function verifyToken(runtime: Runtime, token: unknown, options: unknown): Promise<JwtClaims> {
  if (typeof token !== "string") {
    throw new KeyStateError("INVALID_ARGUMENT", `token must be a string in the compact JWS form, got ${describeValue(token)}`);
  }
  const checked = optionsOf<VerifyTokenOptions>(options);
  const keyNames = keyNamesOf(checked.key);
  const expected = expectationsOf(checked);
  const type = optionalString(checked.type, "type");

  const note: AuditNote = keyNames.length === 1 ? { keyName: keyNames[0]! } : {};
  return audited(runtime, "verify-token", note, async (note) => {
    const parsed = parseCompact(token);
    if (type !== undefined && parsed.header.typ?.toLowerCase() !== type.toLowerCase()) {
      throw new KeyStateError("TOKEN_INVALID", `token header "typ" is not "${type}"`);
    }

    await verifySignature(runtime, parsed, keyNames, note);

    const claims = parsed.payload as JwtClaims;
    checkClaims(claims, expected, Math.floor(runtime.clock() / 1000));
    return claims;
  });
}

// Finds the version that signed: the one the kid names when it names one of
// `keyNames`, else every usable version of every named key whose algorithm
// matches the header. The policy and the named keys are checked first, and
// those errors name the failing key, because `keyNames` comes from the
// application, not from the token. After that, every failure that a forged
// token can cause gives the same TOKEN_INVALID message.
async function verifySignature(runtime: Runtime, parsed: ParsedToken, keyNames: readonly string[], note: AuditNote): Promise<void> {
  const keys = await namedKeys(runtime, keyNames, note);

  const kid = parsed.header.kid === undefined ? undefined : parseKeyId(parsed.header.kid);
  if (parsed.header.kid !== undefined && (kid === undefined || !keys.has(kid.keyName))) throw signatureFailed();

  const names = kid === undefined ? keyNames : [kid.keyName];
  for (const name of names) {
    const key = keys.get(name)!;
    if (!acceptsJwsAlgorithm(key.info.algorithm, parsed.header.alg)) {
      if (kid !== undefined) throw new KeyStateError("TOKEN_INVALID", `token header "alg" does not match the ${key.info.algorithm} key it names`);
      continue;
    }

    note.keyName = name;
    for (const version of candidates(key, kid?.versionId)) {
      if (await signatureMatches(key, version, parsed)) {
        note.keyVersion = version.version;
        return;
      }
    }
  }

  throw signatureFailed();
}

// Asks the policy for "verify" on every named key before reading any of them,
// so a denied principal does not learn which names exist. Then loads each key
// and throws KEY_NOT_FOUND or WRONG_PURPOSE for the first that is missing or
// neither a sign nor a mac key. The audit note names the key that failed.
async function namedKeys(runtime: Runtime, keyNames: readonly string[], note: AuditNote): Promise<Map<string, CachedKey>> {
  for (const name of keyNames) {
    note.keyName = name;
    await authorize(runtime, "verify", name);
  }

  const keys = new Map<string, CachedKey>();
  for (const name of keyNames) {
    note.keyName = name;
    keys.set(name, await keyFor(runtime, name, ["sign", "mac"]));
  }

  if (keyNames.length > 1) delete note.keyName;
  return keys;
}

function candidates(key: CachedKey, versionId: number | undefined): KeyVersionInfo[] {
  if (versionId !== undefined) {
    const version = key.versionById(versionId);
    return version !== undefined && isUsable(version.status) ? [version] : [];
  }
  return key.info.versions.filter((version) => isUsable(version.status)).sort(primaryThenNewest);
}

async function signatureMatches(key: CachedKey, version: KeyVersionInfo, parsed: ParsedToken): Promise<boolean> {
  const material = await key.material(version);

  if (key.engine.kind === "mac") {
    const expected = await (key.engine as MacEngine).mac(material, parsed.signingInput);
    return constantTimeEqual(expected, parsed.signature);
  }
  return (key.engine as SignatureEngine).verify(material, parsed.signingInput, parsed.signature);
}

// One message for an unknown kid, a revoked or destroyed version and a
// signature that does not match, so the error gives a forger no information.
function signatureFailed(): KeyStateError {
  return new KeyStateError("TOKEN_INVALID", "token signature did not verify with any usable version of the named keys");
}

function keyNamesOf(value: unknown): readonly string[] {
  const names = typeof value === "string" ? [value] : value;
  if (!Array.isArray(names) || names.length === 0) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `options.key must name the key (or list the keys) that may have signed the token, got ${describeValue(value)}`,
    );
  }
  for (const name of names) assertKeyName(name, "options.key");
  return names as readonly string[];
}

function expectationsOf(options: Partial<VerifyTokenOptions>): ClaimExpectations {
  const clockTolerance = nonNegativeSeconds(options.clockTolerance, "clockTolerance") ?? 0;
  const maxAge = nonNegativeSeconds(options.maxAge, "maxAge");

  return {
    clockTolerance,
    ...(maxAge !== undefined && { maxAge }),
    ...(options.audience !== undefined && { audience: stringOrList(options.audience, "audience") }),
    ...(options.issuer !== undefined && { issuer: stringOrList(options.issuer, "issuer") }),
    ...(options.subject !== undefined && { subject: optionalString(options.subject, "subject")! }),
    ...(options.requiredClaims !== undefined && { requiredClaims: stringOrList(options.requiredClaims, "requiredClaims") as readonly string[] }),
  };
}

function nonNegativeSeconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `options.${name} must be a number of seconds, 0 or more, got ${typeof value === "number" ? value : describeValue(value)}`,
    );
  }
  return value;
}

function stringOrList(value: unknown, name: string): string | readonly string[] {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) return value as readonly string[];
  throw new KeyStateError("INVALID_ARGUMENT", `options.${name} must be a string or an array of strings, got ${describeValue(value)}`);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value.length > 0) return value;
  throw new KeyStateError("INVALID_ARGUMENT", `options.${name} must be a non-empty string, got ${describeValue(value)}`);
}
