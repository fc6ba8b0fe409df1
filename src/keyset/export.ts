import { KeyStateError } from "../errors.js";
import { ready } from "../core/index.js";
import type { StoredKey } from "../backends/key-store.js";
import { assertKeyName } from "../keys/names.js";
import { audited, authorize, keyNotFound, type Runtime } from "../client/runtime.js";
import { encodeKeyset } from "./document.js";
import { masterKeyOf } from "./master-key.js";
import { sealKeysetDocument } from "./sealed.js";

/** Options of exportSealedKeyset. */
export interface ExportKeysetOptions {
  /** The 32-byte master key that will open the keyset: bytes, or unpadded base64url. */
  masterKey: Uint8Array | string;
}

/**
 * Reads keys with their material from the store and seals them into the
 * text form of a keyset (docs/keyset.md). Each key needs the policy's
 * "admin" operation and gets an "export-keyset" audit event. Throws
 * INVALID_ARGUMENT, KEY_NOT_FOUND, POLICY_DENIED, UNSUPPORTED_FORMAT.
 */
export async function exportSealedKeyset(runtime: Runtime, names: unknown, options: unknown): Promise<string> {
  if (!Array.isArray(names) || names.length === 0) {
    throw new KeyStateError("INVALID_ARGUMENT", "names must be a non-empty array of key names to put into the keyset");
  }
  for (const name of names) assertKeyName(name, "names[]");
  const masterKey = masterKeyOf((options as Partial<ExportKeysetOptions> | undefined)?.masterKey);

  const keys: StoredKey[] = [];
  for (const name of new Set(names as string[])) {
    keys.push(
      await audited(runtime, "export-keyset", { keyName: name }, async () => {
        await authorize(runtime, "admin", name);
        const read = await runtime.store.getKey(name);
        if (read === undefined) throw keyNotFound(name);
        return read.value;
      }),
    );
  }

  await ready();
  const document = encodeKeyset(keys, runtime.clock());
  try {
    return sealKeysetDocument(document, masterKey);
  } finally {
    // NOTE: JSON.stringify made an intermediate string of the material that
    // cannot be wiped; only these bytes are.
    document.fill(0);
  }
}
