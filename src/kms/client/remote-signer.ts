import { KeyStateError } from "../../errors.js";
import { encodeBase64Url } from "../../format/base64url.js";
import type { RemoteKms, RemotePublicKey } from "./remote-kms.js";

const encoder = new TextEncoder();
const MAX_KID_ATTEMPTS = 3;

/** JWS `alg` of each signing algorithm (RFC 7518 section 3.4, RFC 8037). */
const JWS_ALGORITHMS = { "ECDSA-P256": "ES256", ED25519: "EdDSA" } as const;

/**
 * Signs with a key in the KMS proxy: raw signatures, and compact JWS
 * (RFC 7515) whose `kid` names the key version that signed, in the
 * library's `name:id` form, so verifiers pick the key from a JWKS.
 */
export class RemoteSigner {
  readonly #kms: RemoteKms;
  readonly keyName: string;

  constructor(kms: RemoteKms, keyName: string) {
    this.#kms = kms;
    this.keyName = keyName;
  }

  /** Returns the raw signature of `message`: 64 bytes for Ed25519 and for ECDSA P-256 (r || s). */
  async sign(message: Uint8Array): Promise<Uint8Array> {
    return (await this.#kms.sign(this.keyName, message)).signature;
  }

  /** Returns the public JWK of the primary version, or of `version`. */
  async publicJwk(version?: number): Promise<RemotePublicKey["jwk"]> {
    return (await this.#kms.getPublicKey(this.keyName, { version })).jwk;
  }

  /**
   * Returns a compact JWS of `payload` (bytes, or a string as UTF-8) with
   * `alg` and `kid` in the protected header, plus `header` fields. Throws
   * CONFLICT when the key keeps rotating between reading the kid and signing.
   */
  async signJws(payload: Uint8Array | string, header: Record<string, unknown> = {}): Promise<string> {
    const payloadPart = encodeBase64Url(typeof payload === "string" ? encoder.encode(payload) : payload);

    // The proxy signs with whatever version is primary when the request
    // arrives, so the kid is read first and checked against the signature's.
    for (let attempt = 1; attempt <= MAX_KID_ATTEMPTS; attempt++) {
      const publicKey = await this.#kms.getPublicKey(this.keyName);
      const protectedHeader = { ...header, alg: JWS_ALGORITHMS[publicKey.algorithm as keyof typeof JWS_ALGORITHMS], kid: publicKey.kid };
      const signingInput = `${encodeBase64Url(encoder.encode(JSON.stringify(protectedHeader)))}.${payloadPart}`;

      const signed = await this.#kms.sign(this.keyName, encoder.encode(signingInput));
      if (signed.kid === publicKey.kid) return `${signingInput}.${encodeBase64Url(signed.signature)}`;
    }
    throw new KeyStateError("CONFLICT", `key "${this.keyName}" rotated while signing ${MAX_KID_ATTEMPTS} times in a row; retry later`);
  }
}
