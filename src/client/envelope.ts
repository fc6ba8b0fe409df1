import { KeyStateError } from "../errors.js";
import { xchacha20poly1305 } from "../core/index.js";
import { randomBytes, randomNonce } from "../crypto/random.js";
import { encodeContext, type EncryptionContext } from "../format/context.js";
import {
  DATA_KEY_LENGTH,
  DATA_NONCE_LENGTH,
  KIND_ENVELOPE,
  KIND_STREAM,
  STREAM_PREFIX_LENGTH,
  encodeEnvelopeHeader,
  encodeWrapAad,
  parseEnvelopeHeader,
  type EnvelopeHeader,
} from "../format/header.js";
import { isUsable } from "../keys/versions.js";
import { concatBytes } from "./bytes.js";
import { unwrapDataKey, wrapDataKey } from "./data-key.js";
import { ciphertextOf } from "./inputs.js";
import { prepareRemoteSeal, isRemoteKey, unwrapRemote } from "./remote-wrap.js";
import { audited, authorize, freshKeyFor, keyFor, type AuditNote, type Runtime } from "./runtime.js";

/** A fresh data key, wrapped, and the header that carries it. The caller wipes `dataKey`. */
export interface PreparedSeal {
  readonly dataKey: Uint8Array;
  readonly header: Uint8Array;
  /** The payload's AAD: the header's prefix and data section, then the encoded context. */
  readonly dataAad: Uint8Array;
  /** Kind 0x02: the payload nonce. Kind 0x03: the STREAM nonce prefix. */
  readonly nonce: Uint8Array;
  readonly version: number;
}

/**
 * Draws a data key and wraps it with the primary version of wrap key `name`,
 * after the policy allowed "encrypt". Throws KEY_NOT_FOUND, WRONG_PURPOSE, POLICY_DENIED.
 */
export async function prepareSeal(
  runtime: Runtime,
  name: string,
  context: EncryptionContext | undefined,
  kind: typeof KIND_ENVELOPE | typeof KIND_STREAM,
  chunkSize: number,
  note: AuditNote,
): Promise<PreparedSeal> {
  if (isRemoteKey(runtime, name)) return prepareRemoteSeal(runtime, name, context, kind, chunkSize, note);

  await authorize(runtime, "encrypt", name, context);

  const key = await keyFor(runtime, name, ["wrap"]);
  const version = key.primary;
  note.keyVersion = version.version;

  const material = await key.material(version);
  const contextBytes = encodeContext(context);
  const kek = { name, id: version.id };
  const dataKey = randomBytes(DATA_KEY_LENGTH);
  const nonce = randomNonce(kind === KIND_ENVELOPE ? DATA_NONCE_LENGTH : STREAM_PREFIX_LENGTH);

  try {
    const wrapAad = concatBytes(encodeWrapAad(kind, key.info.algorithm, kek), contextBytes);
    const wrappedKey = await wrapDataKey(key.engine, material, dataKey, wrapAad);
    const { header, dataAadBytes } = encodeEnvelopeHeader({
      kind,
      wrapAlgorithm: key.info.algorithm,
      kek,
      wrappedKey,
      nonce,
      chunkSize,
    });

    return { dataKey, header, dataAad: concatBytes(dataAadBytes, contextBytes), nonce, version: version.version };
  } catch (error) {
    dataKey.fill(0);
    throw error;
  }
}

/**
 * Finds the key-encryption key an envelope header names, checks the policy for
 * "decrypt", and unwraps the data key. Every failure here reaches the caller
 * as DECRYPT_FAILED; the audit event keeps the real code.
 */
export async function unwrapFor(
  runtime: Runtime,
  header: EnvelopeHeader,
  context: EncryptionContext | undefined,
  note: AuditNote,
): Promise<Uint8Array> {
  if (isRemoteKey(runtime, header.kek.name)) return unwrapRemote(runtime, header, context, note);
  note.keyName = header.kek.name;

  await authorize(runtime, "decrypt", header.kek.name, context);

  let key = await keyFor(runtime, header.kek.name, ["wrap"]);

  // A version this cache has not seen may come from a rotation by another writer.
  if (key.versionById(header.kek.id) === undefined) key = await freshKeyFor(runtime, header.kek.name, ["wrap"]);

  const version = key.versionById(header.kek.id);
  if (version === undefined) throw new KeyStateError("KEY_NOT_FOUND", "unknown key version");
  note.keyVersion = version.version;
  if (version.status === "destroyed") throw new KeyStateError("KEY_DESTROYED", "key version destroyed");
  if (!isUsable(version.status)) throw new KeyStateError("KEY_DISABLED", "key version disabled");
  if (header.wrapAlgorithm !== key.info.algorithm) throw new KeyStateError("UNSUPPORTED_ALGORITHM", "algorithm mismatch");

  const material = await key.material(version);
  const wrapAad = concatBytes(header.wrapAadBytes, encodeContext(context));
  return unwrapDataKey(key.engine, material, header.wrappedKey, wrapAad);
}

/** Envelope-encrypts one message (kind 0x02). See KeyState.seal. */
export function sealBytes(runtime: Runtime, name: string, data: Uint8Array, context: EncryptionContext | undefined): Promise<Uint8Array> {
  return audited(runtime, "seal", { keyName: name, context }, async (note) => {
    note.bytes = data.length;
    const prepared = await prepareSeal(runtime, name, context, KIND_ENVELOPE, 0, note);

    try {
      const sealed = runtime.pool !== undefined
        ? await runtime.pool.xchacha20poly1305.seal(prepared.dataKey, prepared.nonce, data, prepared.dataAad)
        : xchacha20poly1305.seal(prepared.dataKey, prepared.nonce, data, prepared.dataAad);

      runtime.usage.add(name, prepared.version, data.length);
      return concatBytes(prepared.header, sealed);
    } finally {
      prepared.dataKey.fill(0);
    }
  });
}

/** Opens one envelope (kind 0x02). See KeyState.open. */
export function openBytes(runtime: Runtime, envelope: unknown, context: EncryptionContext | undefined): Promise<Uint8Array> {
  return audited(
    runtime,
    "open",
    { context },
    async (note) => {
      const bytes = ciphertextOf(envelope, "envelope");
      const header = parseEnvelopeHeader(bytes);
      if (header === undefined || header.kind !== KIND_ENVELOPE) {
        throw new KeyStateError("UNSUPPORTED_FORMAT", "not a single-message envelope");
      }

      const dataKey = await unwrapFor(runtime, header, context, note);
      try {
        const dataAad = concatBytes(header.dataAadBytes, encodeContext(context));
        const sealed = bytes.subarray(header.length);
        const plaintext = runtime.pool !== undefined
          ? await runtime.pool.xchacha20poly1305.open(dataKey, header.nonce, sealed, dataAad)
          : xchacha20poly1305.open(dataKey, header.nonce, sealed, dataAad);
        note.bytes = plaintext.length;
        return plaintext;
      } finally {
        dataKey.fill(0);
      }
    },
    true,
  );
}
