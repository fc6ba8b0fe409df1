import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

import { KeyStateError } from "../../errors.js";
import { decodeBase64Url, encodeBase64Url } from "../../format/base64url.js";

/**
 * One principal's credentials as the proxy stores them: the SHA-256 of its
 * bearer token, never the token, and the HMAC secret of request signing,
 * which the proxy needs in clear to check signatures.
 */
export interface PrincipalCredential {
  principal: string;
  /** Hex SHA-256 of the bearer token's UTF-8 bytes. */
  tokenSha256: string;
  /** Base64url HMAC-SHA256 secret, at least 32 bytes. When present, every request of this principal must be signed. */
  signingSecret?: string;
}

/** The tokens file: `{ "principals": [PrincipalCredential, ...] }`. */
export interface TokensDocument {
  principals: PrincipalCredential[];
}

export interface AuthenticatedPrincipal {
  principal: string;
  signingSecret?: Uint8Array;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const MIN_SIGNING_SECRET_BYTES = 32;

/** Returns the hex SHA-256 of a bearer token: the form a tokens file stores. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Issues a new bearer token (32 random bytes, base64url) and, with
 * `signing`, a signing secret. Returns both in clear for the client and the
 * entry to add to the tokens file.
 */
export function issueToken(principal: string, options: { signing?: boolean } = {}): {
  token: string;
  signingSecret?: string;
  credential: PrincipalCredential;
} {
  const token = encodeBase64Url(randomBytes(32));
  const credential: PrincipalCredential = { principal, tokenSha256: hashToken(token) };
  if (!options.signing) return { token, credential };

  const signingSecret = encodeBase64Url(randomBytes(32));
  credential.signingSecret = signingSecret;
  return { token, signingSecret, credential };
}

/** Looks up principals by bearer token. */
export class TokenTable {
  readonly #byHash = new Map<string, AuthenticatedPrincipal>();

  /** Throws INVALID_ARGUMENT for a malformed entry or a token hash listed twice. */
  constructor(document: TokensDocument) {
    if (document === null || typeof document !== "object" || !Array.isArray(document.principals)) {
      // The output of `keystate kms issue-token` is one entry plus the secrets, not a whole file.
      const hint = document !== null && typeof document === "object" && "entry" in document
        ? '; this is the output of keystate kms issue-token: copy its "entry" object into the "principals" array'
        : "";
      throw new KeyStateError("INVALID_ARGUMENT", `tokens must be { "principals": [{ "principal", "tokenSha256", "signingSecret"? }] }${hint}`);
    }

    for (const [index, entry] of document.principals.entries()) {
      const where = `tokens entry ${index}`;
      if (typeof entry?.principal !== "string" || entry.principal.length === 0) {
        throw new KeyStateError("INVALID_ARGUMENT", `${where} needs a non-empty "principal" string`);
      }
      if (typeof entry.tokenSha256 !== "string" || !HEX_SHA256.test(entry.tokenSha256)) {
        throw new KeyStateError("INVALID_ARGUMENT", `${where} (${entry.principal}) needs "tokenSha256": 64 lowercase hex digits of SHA-256(token)`);
      }
      if (this.#byHash.has(entry.tokenSha256)) {
        throw new KeyStateError("INVALID_ARGUMENT", `${where} (${entry.principal}) repeats a token hash; issue each principal its own token`);
      }

      const principal: AuthenticatedPrincipal = { principal: entry.principal };
      if (entry.signingSecret !== undefined) {
        const secret = decodeBase64Url(String(entry.signingSecret), `${where} signingSecret`);
        if (secret.length < MIN_SIGNING_SECRET_BYTES) {
          throw new KeyStateError("INVALID_ARGUMENT", `${where} (${entry.principal}) has a signingSecret of ${secret.length} bytes; use at least ${MIN_SIGNING_SECRET_BYTES}`);
        }
        principal.signingSecret = secret;
      }
      this.#byHash.set(entry.tokenSha256, principal);
    }
  }

  /** Reads a tokens file. Throws INVALID_ARGUMENT for a missing or malformed file. */
  static async fromFile(path: string): Promise<TokenTable> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new KeyStateError("INVALID_ARGUMENT", `cannot read the tokens file ${path}; create it with keystate kms issue-token`, { cause: error });
    }

    try {
      return new TokenTable(JSON.parse(text) as TokensDocument);
    } catch (error) {
      if (error instanceof KeyStateError) {
        throw new KeyStateError(error.code, `the tokens file ${path} is invalid: ${error.message}`, { cause: error });
      }
      throw new KeyStateError("INVALID_ARGUMENT", `the tokens file ${path} is not valid JSON`, { cause: error });
    }
  }

  /** Returns the principal whose token this is, or undefined. */
  authenticate(token: string): AuthenticatedPrincipal | undefined {
    // Looking up the hash, not the token, means a lookup's timing depends
    // only on a hash the caller cannot steer towards a stored one.
    return this.#byHash.get(hashToken(token));
  }
}
