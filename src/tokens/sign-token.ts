import { KeyStateError } from "../errors.js";
import { describeValue } from "../core/bytes.js";
import type { MacEngine, SignatureEngine } from "../crypto/engine.js";
import { encodeBase64Url } from "../format/base64url.js";
import { assertKeyName } from "../keys/names.js";
import { optionsOf } from "../client/inputs.js";
import { audited, authorize, keyFor, type Runtime } from "../client/runtime.js";
import { jwsAlgorithmOf } from "./algorithms.js";
import { misTypedClaim, type JwtClaims } from "./claims.js";
import { asciiBytes, signingInputOf, type TokenHeader } from "./compact.js";
import { keyIdOf } from "./key-id.js";

/** Options of signToken. Times are in seconds. */
export interface SignTokenOptions {
  /** Sets `exp` to now plus this many seconds. Conflicts with an `exp` in the claims. */
  expiresIn?: number;
  /** Sets `nbf` to now plus this many seconds (0 for now). Conflicts with an `nbf` in the claims. */
  notBefore?: number;
  /** Whether to set `iat` to now when the claims have none. Default true. */
  issuedAt?: boolean;
  /** The header `typ`. Default "JWT"; null leaves it out. */
  type?: string | null;
}

/**
 * Signs a JWT with the primary version of a sign or mac key. See
 * KeyState.signToken. Arguments are checked before the audited operation, as
 * sign does.
 */
export function signToken(runtime: Runtime, name: unknown, claims: unknown, options: unknown): Promise<string> {
  assertKeyName(name);
  const checked = optionsOf<SignTokenOptions>(options);
  const type = checkedType(checked.type);
  const now = Math.floor(runtime.clock() / 1000);
  const payload = payloadOf(claims, checked, now);

  return audited(runtime, "sign-token", { keyName: name }, async (note) => {
    const key = await keyFor(runtime, name, ["sign", "mac"]);
    const alg = jwsAlgorithmOf(key.info.algorithm, name);
    const version = key.primary;
    note.keyVersion = version.version;

    await authorize(runtime, key.info.purpose === "mac" ? "mac" : "sign", name);

    const header: TokenHeader = { alg, ...(type !== null && { typ: type }), kid: keyIdOf(name, version.id) };
    const signingInput = signingInputOf(header, payload);
    const input = asciiBytes(signingInput);
    note.bytes = input.length;

    const material = await key.material(version);
    const signature =
      key.engine.kind === "mac"
        ? await (key.engine as MacEngine).mac(material, input)
        : await (key.engine as SignatureEngine).sign(material, input);

    runtime.usage.add(name, version.version, input.length);
    return `${signingInput}.${encodeBase64Url(signature)}`;
  });
}

function payloadOf(claims: unknown, options: Partial<SignTokenOptions>, now: number): JwtClaims {
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    throw new KeyStateError("INVALID_ARGUMENT", `claims must be a plain object of JWT claims, got ${describeValue(claims)}`);
  }

  const payload: JwtClaims = { ...(claims as JwtClaims) };
  const wrong = misTypedClaim(payload);
  if (wrong !== undefined) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `claims.${wrong} has the wrong type: exp, nbf and iat are seconds since the epoch, iss, sub and jti strings, aud a string or a list of strings`,
    );
  }

  if (options.issuedAt !== undefined && typeof options.issuedAt !== "boolean") {
    throw new KeyStateError("INVALID_ARGUMENT", `options.issuedAt must be a boolean, got ${describeValue(options.issuedAt)}`);
  }
  if (payload.iat === undefined && options.issuedAt !== false) payload.iat = now;

  const expiresIn = seconds(options.expiresIn, "expiresIn");
  if (expiresIn !== undefined) {
    if (payload.exp !== undefined) throw conflict("exp", "expiresIn");
    payload.exp = now + expiresIn;
  }

  const notBefore = seconds(options.notBefore, "notBefore");
  if (notBefore !== undefined) {
    if (payload.nbf !== undefined) throw conflict("nbf", "notBefore");
    payload.nbf = now + notBefore;
  }

  // JSON.stringify drops undefined members and throws on cycles and BigInt;
  // both are caller errors, reported before the audited operation starts.
  try {
    JSON.stringify(payload);
  } catch (error) {
    throw new KeyStateError("INVALID_ARGUMENT", "claims must be JSON-serialisable: no cycles and no BigInt values", { cause: error });
  }
  return payload;
}

function seconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `options.${name} must be a whole number of seconds, 0 or more, got ${typeof value === "number" ? value : describeValue(value)}`);
  }
  return value;
}

function checkedType(value: unknown): string | null {
  if (value === undefined) return "JWT";
  if (value === null || (typeof value === "string" && value.length > 0)) return value;
  throw new KeyStateError("INVALID_ARGUMENT", `options.type must be a non-empty string or null, got ${describeValue(value)}`);
}

function conflict(claim: string, option: string): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", `claims.${claim} and options.${option} both set it; pass only one of them`);
}
