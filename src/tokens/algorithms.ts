import { KeyStateError } from "../errors.js";
import type { KeyAlgorithm } from "../keys/types.js";

/** The JWS `alg` values KeyState signs with (RFC 7518 section 3.1, RFC 8037 section 3.1). */
export type JwsAlgorithm = "EdDSA" | "ES256" | "HS256";

const JWS_ALGORITHMS: Partial<Record<KeyAlgorithm, JwsAlgorithm>> = {
  ED25519: "EdDSA",
  "ECDSA-P256": "ES256",
  "HMAC-SHA256": "HS256",
};

// RFC 9864 registers "Ed25519" as the fully specified name of EdDSA over
// Ed25519; tokens from libraries that use it verify with ED25519 keys too.
const ACCEPTED_ALGORITHMS: Partial<Record<KeyAlgorithm, readonly string[]>> = {
  ED25519: ["EdDSA", "Ed25519"],
  "ECDSA-P256": ["ES256"],
  "HMAC-SHA256": ["HS256"],
};

/** Returns the JWS `alg` a key of `algorithm` signs with. Throws UNSUPPORTED_ALGORITHM for encryption and wrapping algorithms. */
export function jwsAlgorithmOf(algorithm: KeyAlgorithm, keyName: string): JwsAlgorithm {
  const alg = JWS_ALGORITHMS[algorithm];
  if (alg === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      `key "${keyName}" uses ${algorithm}, which cannot sign tokens; use an ED25519, ECDSA-P256 or HMAC-SHA256 key`,
    );
  }
  return alg;
}

/** Returns true when a token whose header names `alg` may be verified with a key of `algorithm`. */
export function acceptsJwsAlgorithm(algorithm: KeyAlgorithm, alg: string): boolean {
  return ACCEPTED_ALGORITHMS[algorithm]?.includes(alg) ?? false;
}
