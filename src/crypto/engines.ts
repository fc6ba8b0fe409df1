import { KeyStateError } from "../errors.js";
import type { KeyAlgorithm, KeyPurpose } from "../keys/types.js";
import { aesGcmEngine } from "./aes-gcm.js";
import { aesKwEngine } from "./aes-kw.js";
import { ecdsaP256Engine } from "./ecdsa-p256.js";
import { ed25519Engine } from "./ed25519.js";
import type { Engine } from "./engine.js";
import { hmacSha256Engine } from "./hmac-sha256.js";
import { xchacha20Poly1305Engine } from "./xchacha20-poly1305.js";

const ENGINES: Readonly<Record<KeyAlgorithm, Engine>> = {
  "XCHACHA20-POLY1305": xchacha20Poly1305Engine,
  "AES-256-GCM": aesGcmEngine,
  "AES-KW": aesKwEngine,
  ED25519: ed25519Engine,
  "ECDSA-P256": ecdsaP256Engine,
  "HMAC-SHA256": hmacSha256Engine,
};

/** The algorithm a new key of each purpose gets when the caller names none. */
export const DEFAULT_ALGORITHMS: Readonly<Record<KeyPurpose, KeyAlgorithm>> = {
  encrypt: "XCHACHA20-POLY1305",
  sign: "ED25519",
  mac: "HMAC-SHA256",
  wrap: "AES-KW",
};

/** Returns the engine of `algorithm`. Throws UNSUPPORTED_ALGORITHM naming the supported ones. */
export function engineFor(algorithm: unknown): Engine {
  const engine = typeof algorithm === "string" ? ENGINES[algorithm as KeyAlgorithm] : undefined;
  if (engine === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      `algorithm ${JSON.stringify(algorithm)} is not supported; use one of ${Object.keys(ENGINES).join(", ")}`,
    );
  }
  return engine;
}
