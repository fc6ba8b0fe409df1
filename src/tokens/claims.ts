import { KeyStateError, type KeyStateErrorCode } from "../errors.js";

/**
 * A JWT claims set (RFC 7519 section 4). Times are NumericDate: seconds
 * since the Unix epoch. Any other member is a private claim of any JSON type.
 */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [name: string]: unknown;
}

/** The claims a verifier requires, and the clock it checks times with. */
export interface ClaimExpectations {
  /** Accepted audiences: the token's `aud` (a string or a list) must contain one of them. */
  audience?: string | readonly string[];
  /** Accepted issuers: the token's `iss` must equal one of them. */
  issuer?: string | readonly string[];
  /** The required `sub`. */
  subject?: string;
  /** Claims that must be present, whatever their value. */
  requiredClaims?: readonly string[];
  /** Seconds by which exp, nbf and iat may be off, on either side of now. */
  clockTolerance: number;
  /** Maximum age in seconds, counted from `iat`, which then must be present. */
  maxAge?: number;
}

const TIME_CLAIMS = ["exp", "nbf", "iat"] as const;
const STRING_CLAIMS = ["iss", "sub", "jti"] as const;

/**
 * Returns the name of the first registered claim of the wrong type, or
 * undefined. Times must be finite numbers, iss, sub and jti strings, and aud
 * a string or a list of strings.
 */
export function misTypedClaim(claims: Record<string, unknown>): string | undefined {
  for (const name of TIME_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) return name;
  }
  for (const name of STRING_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && typeof value !== "string") return name;
  }

  const aud = claims.aud;
  if (aud !== undefined && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((entry) => typeof entry === "string"))) {
    return "aud";
  }
  return undefined;
}

/**
 * Checks the claims of a token whose signature verified, at `now` seconds
 * since the epoch. Throws TOKEN_INVALID (a registered claim of the wrong
 * type), TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, TOKEN_CLAIM_MISMATCH.
 */
export function checkClaims(claims: JwtClaims, expected: ClaimExpectations, now: number): void {
  const wrong = misTypedClaim(claims);
  if (wrong !== undefined) throw claimError("TOKEN_INVALID", `token claim "${wrong}" has the wrong type for RFC 7519`);

  for (const name of expected.requiredClaims ?? []) {
    if (claims[name] === undefined) throw claimError("TOKEN_CLAIM_MISMATCH", `token has no "${name}" claim, which the verifier requires`);
  }

  checkTimes(claims, expected, now);

  const issuers = listOf(expected.issuer);
  if (issuers !== undefined && (claims.iss === undefined || !issuers.includes(claims.iss))) {
    throw claimError("TOKEN_CLAIM_MISMATCH", 'token claim "iss" is not an accepted issuer');
  }

  if (expected.subject !== undefined && claims.sub !== expected.subject) {
    throw claimError("TOKEN_CLAIM_MISMATCH", 'token claim "sub" is not the expected subject');
  }

  const audiences = listOf(expected.audience);
  if (audiences !== undefined) {
    const tokenAudiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
    if (!tokenAudiences.some((entry) => audiences.includes(entry))) {
      throw claimError("TOKEN_CLAIM_MISMATCH", 'token claim "aud" names no accepted audience');
    }
  }
}

// RFC 7519 sections 4.1.4 and 4.1.5: the token is valid from nbf (inclusive)
// until exp (exclusive). The tolerance widens that window on both sides.
function checkTimes(claims: JwtClaims, expected: ClaimExpectations, now: number): void {
  const tolerance = expected.clockTolerance;

  if (claims.exp !== undefined && now - tolerance >= claims.exp) {
    throw claimError("TOKEN_EXPIRED", 'token expired: its "exp" time has passed');
  }
  if (claims.nbf !== undefined && now + tolerance < claims.nbf) {
    throw claimError("TOKEN_NOT_YET_VALID", 'token is not valid yet: its "nbf" time is in the future');
  }
  if (claims.iat !== undefined && now + tolerance < claims.iat) {
    throw claimError("TOKEN_NOT_YET_VALID", 'token claim "iat" is in the future; check the clocks of issuer and verifier');
  }

  if (expected.maxAge !== undefined) {
    if (claims.iat === undefined) throw claimError("TOKEN_CLAIM_MISMATCH", 'token has no "iat" claim, which maxAge needs');
    if (now - tolerance - claims.iat > expected.maxAge) {
      throw claimError("TOKEN_EXPIRED", 'token is older than maxAge, counted from its "iat" time');
    }
  }
}

function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? [value] : value;
}

function claimError(code: KeyStateErrorCode, message: string): KeyStateError {
  return new KeyStateError(code, message);
}
