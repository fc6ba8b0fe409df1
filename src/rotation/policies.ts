import type { KeyStore } from "../backends/key-store.js";
import { KeyStateError, isKeyStateError } from "../errors.js";
import type { RotationPolicy } from "./policy.js";

/** Name of the store document with the rotation policy of each key. */
export const ROTATION_DOCUMENT = "rotation";

/** The rotation document as the store keeps it. */
export interface RotationDocument {
  format: "keystate-rotation";
  /** Policy by key name, as the caller wrote it (durations may be strings). */
  keys: Record<string, RotationPolicy>;
}

function parse(value: unknown): RotationDocument {
  const document = value as Partial<RotationDocument> | null;
  if (document?.format !== "keystate-rotation" || typeof document.keys !== "object" || document.keys === null) {
    throw new KeyStateError("STORE_CORRUPT", 'the store document "rotation" is not a KeyState rotation document; restore it from a backup');
  }
  return document as RotationDocument;
}

/** Returns the rotation policies of every key that has one. */
export async function readRotationPolicies(store: KeyStore): Promise<Record<string, RotationPolicy>> {
  const stored = await store.getDocument(ROTATION_DOCUMENT);
  return stored === undefined ? {} : parse(stored.value).keys;
}

/**
 * Sets (or with `undefined` removes) the rotation policy of key `name`,
 * with compare-and-swap and a retry when another writer got there first.
 * The caller validates the policy first (resolveRotationPolicy).
 */
export async function writeRotationPolicy(store: KeyStore, name: string, policy: RotationPolicy | undefined): Promise<void> {
  for (;;) {
    const stored = await store.getDocument(ROTATION_DOCUMENT);
    const keys = { ...(stored === undefined ? {} : parse(stored.value).keys) };

    if (policy === undefined) delete keys[name];
    else keys[name] = structuredClone(policy);

    try {
      await store.putDocument(ROTATION_DOCUMENT, { format: "keystate-rotation", keys } satisfies RotationDocument, stored?.revision ?? null);
      return;
    } catch (error) {
      if (!isKeyStateError(error, "CONFLICT")) throw error;
    }
  }
}
