// The token benchmark's cases, runtime-neutral so that Node, Deno and
// workerd run the same code: KeyState's signToken and verifyToken against
// jose's SignJWT and jwtVerify with WebCrypto keys, for EdDSA, ES256 and
// HS256. Nothing here imports a Node module.
import { SignJWT, jwtVerify } from "jose";
import { KeyState, MemoryStore } from "../src/index.js";
import type { WasmSource } from "../src/core/index.js";
import type { BenchCase } from "./harness.js";

/** One measured comparison: KeyState and jose doing the same operation. */
export interface TokenGroup {
  /** e.g. "EdDSA sign". */
  label: string;
  cases: BenchCase[];
}

export const KEYSTATE = "KeyState";
export const JOSE = "jose";

const CLAIMS = { sub: "user-7", iss: "keystate-bench", aud: "bench-api" };
const VERIFY = { issuer: CLAIMS.iss, audience: CLAIMS.aud };

const ALGORITHMS = [
  { alg: "EdDSA", keyAlgorithm: "ED25519", purpose: "sign" },
  { alg: "ES256", keyAlgorithm: "ECDSA-P256", purpose: "sign" },
  { alg: "HS256", keyAlgorithm: "HMAC-SHA256", purpose: "mac" },
] as const;

async function joseKeys(alg: string): Promise<{ signing: CryptoKey; verifying: CryptoKey }> {
  if (alg === "EdDSA") {
    const pair = (await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"])) as CryptoKeyPair;
    return { signing: pair.privateKey, verifying: pair.publicKey };
  }
  if (alg === "ES256") {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    return { signing: pair.privateKey, verifying: pair.publicKey };
  }
  const secret = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign", "verify"]);
  return { signing: secret, verifying: secret };
}

/**
 * Builds the six groups (sign and verify of each algorithm). The KeyState
 * client uses its defaults: the policy check and the in-memory audit log run
 * on every call, as they would in an application.
 */
export async function tokenGroups(wasm?: WasmSource): Promise<TokenGroup[]> {
  const ks = await KeyState.open({ store: new MemoryStore(), principal: "bench", wasm });
  const groups: TokenGroup[] = [];

  for (const { alg, keyAlgorithm, purpose } of ALGORITHMS) {
    const name = `bench-${alg.toLowerCase()}`;
    await ks.createKey(name, { purpose, algorithm: keyAlgorithm });
    const keys = await joseKeys(alg);

    const ksToken = await ks.signToken(name, CLAIMS, { expiresIn: 900 });
    const joseToken = await new SignJWT(CLAIMS).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime("15m").sign(keys.signing);

    groups.push({
      label: `${alg} sign`,
      cases: [
        { name: KEYSTATE, fn: () => ks.signToken(name, CLAIMS, { expiresIn: 900 }) },
        { name: JOSE, fn: () => new SignJWT(CLAIMS).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime("15m").sign(keys.signing) },
      ],
    });
    groups.push({
      label: `${alg} verify`,
      cases: [
        { name: KEYSTATE, fn: () => ks.verifyToken(ksToken, { key: name, ...VERIFY }) },
        { name: JOSE, fn: () => jwtVerify(joseToken, keys.verifying, VERIFY) },
      ],
    });
  }
  return groups;
}
