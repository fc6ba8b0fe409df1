import { keyIdOf } from "../client/signing.js";
import { isKeyName } from "../keys/names.js";

/** A parsed `kid`: the key name and the version id it names. */
export interface KeyId {
  keyName: string;
  versionId: number;
}

const VERSION_ID = /^[0-9a-f]{8}$/;

// kid form: the key name, a colon and the version id as 8 lowercase hex
// digits, e.g. "api-tokens:0a1b2c3d", as exportPublicKey writes it. Key names
// contain no colon, so the form parses back without ambiguity.
export { keyIdOf };

/** Parses a `kid` written by keyIdOf; undefined for any other string. */
export function parseKeyId(kid: string): KeyId | undefined {
  const colon = kid.lastIndexOf(":");
  if (colon < 0) return undefined;

  const keyName = kid.slice(0, colon);
  const hex = kid.slice(colon + 1);
  if (!isKeyName(keyName) || !VERSION_ID.test(hex)) return undefined;

  return { keyName, versionId: Number.parseInt(hex, 16) };
}
