import { KeyStateError } from "../errors.js";
import type { SignatureEngine } from "../crypto/engine.js";
import { assertKeyName } from "../keys/names.js";
import { isUsable, primaryThenNewest } from "../keys/versions.js";
import type { PublicJwk } from "../client/signing.js";
import { audited, authorize, keyFor, type Runtime } from "../client/runtime.js";
import { jwsAlgorithmOf } from "./algorithms.js";
import { keyIdOf } from "./key-id.js";

/** A JWK Set (RFC 7517 section 5). */
export interface Jwks {
  keys: PublicJwk[];
}

/**
 * Exports the public keys of every usable (primary or active) version of a
 * sign key, the primary first. See KeyState.exportJwks.
 */
export function exportJwks(runtime: Runtime, name: unknown): Promise<Jwks> {
  assertKeyName(name);

  return audited(runtime, "export-jwks", { keyName: name }, async () => {
    // The public keys serve verification, so the policy decides on "verify",
    // before the key is read.
    await authorize(runtime, "verify", name);

    const key = await keyFor(runtime, name, ["sign", "mac", "encrypt", "wrap"]);
    if (key.info.purpose === "mac") {
      throw new KeyStateError(
        "WRONG_PURPOSE",
        `key "${name}" is an HMAC-SHA256 key: its secret verifies HS256 tokens and is never published; verify them with ks.verifyToken`,
      );
    }
    if (key.info.purpose !== "sign") {
      throw new KeyStateError("WRONG_PURPOSE", `key "${name}" has purpose "${key.info.purpose}"; a JWKS needs a key with purpose "sign"`);
    }

    const engine = key.engine as SignatureEngine;
    const alg = jwsAlgorithmOf(key.info.algorithm, name) as PublicJwk["alg"];
    const versions = key.info.versions.filter((version) => isUsable(version.status)).sort(primaryThenNewest);

    const keys: PublicJwk[] = [];
    for (const version of versions) {
      const jwk = await engine.publicJwk(await key.material(version));
      keys.push({ ...jwk, kid: keyIdOf(name, version.id), alg, use: "sig" });
    }
    return { keys };
  });
}
