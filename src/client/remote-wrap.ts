import { KeyStateError } from "../errors.js";
import { randomBytes } from "../crypto/random.js";
import { encodeContext, type EncryptionContext } from "../format/context.js";
import {
  DATA_KEY_LENGTH,
  DATA_NONCE_LENGTH,
  KIND_ENVELOPE,
  KIND_STREAM,
  STREAM_PREFIX_LENGTH,
  encodeEnvelopeHeader,
  type EnvelopeHeader,
} from "../format/header.js";
import { isKeyName } from "../keys/names.js";
import { concatBytes } from "./bytes.js";
import type { PreparedSeal } from "./envelope.js";
import { authorize, type AuditNote, type Runtime } from "./runtime.js";

/**
 * A key-encryption service outside this process, such as RemoteKms from
 * keystate/kms: it makes and unwraps data keys with master keys the client
 * never holds.
 */
export interface RemoteKeyWrapper {
  /** Returns a 32-byte data key and its wrapped form under the primary version of master key `keyName`. */
  generateDataKey(
    keyName: string,
    options: { context?: EncryptionContext; bytes?: number },
  ): Promise<{ keyVersion: number; keyId: number; plaintext: Uint8Array; wrappedKey: Uint8Array }>;
  /** Unwraps what generateDataKey returned, given the same context. */
  unwrap(wrappedKey: Uint8Array, options: { context?: EncryptionContext }): Promise<{ plaintext: Uint8Array }>;
}

/** A remote key-encryption service and the names of the master keys it contains. */
export interface RemoteWrapping {
  wrapper: RemoteKeyWrapper;
  /** Names of the master keys the remote service holds; seal and open use it for these names only. */
  keys: ReadonlySet<string>;
}

export function isRemoteKey(runtime: Runtime, name: string): boolean {
  return runtime.kms?.keys.has(name) ?? false;
}

/**
 * Like prepareSeal, with a data key from the remote service. The header names
 * the remote master key and version id. Its wrapped key is the service's
 * wrapped key, which authenticates the key name, version and context itself.
 */
export async function prepareRemoteSeal(
  runtime: Runtime,
  name: string,
  context: EncryptionContext | undefined,
  kind: typeof KIND_ENVELOPE | typeof KIND_STREAM,
  chunkSize: number,
  note: AuditNote,
): Promise<PreparedSeal> {
  await authorize(runtime, "encrypt", name, context);

  const remote = await runtime.kms!.wrapper.generateDataKey(name, { context, bytes: note.bytes ?? 0 });
  note.keyVersion = remote.keyVersion;
  if (remote.plaintext.length !== DATA_KEY_LENGTH) {
    remote.plaintext.fill(0);
    throw new KeyStateError("INVALID_ARGUMENT", `the KMS returned a ${remote.plaintext.length}-byte data key for "${name}"; seal needs ${DATA_KEY_LENGTH} bytes`);
  }

  const nonce = randomBytes(kind === KIND_ENVELOPE ? DATA_NONCE_LENGTH : STREAM_PREFIX_LENGTH);
  const { header, dataAadBytes } = encodeEnvelopeHeader({
    kind,
    // The remote master keys that wrap data keys are AES-256-GCM keys.
    wrapAlgorithm: "AES-256-GCM",
    kek: { name, id: remote.keyId },
    wrappedKey: remote.wrappedKey,
    nonce,
    chunkSize,
  });

  return { dataKey: remote.plaintext, header, dataAad: concatBytes(dataAadBytes, encodeContext(context)), nonce, version: remote.keyVersion };
}

/** Like unwrapFor, through the remote service. */
export async function unwrapRemote(runtime: Runtime, header: EnvelopeHeader, context: EncryptionContext | undefined, note: AuditNote): Promise<Uint8Array> {
  note.keyName = header.kek.name;
  await authorize(runtime, "decrypt", header.kek.name, context);

  const { plaintext } = await runtime.kms!.wrapper.unwrap(header.wrappedKey, { context });
  if (plaintext.length !== DATA_KEY_LENGTH) {
    plaintext.fill(0);
    throw new KeyStateError("DECRYPT_FAILED", "decryption failed");
  }
  return plaintext;
}

/** Checks the `kms` option of KeyState.open. Throws INVALID_ARGUMENT. */
export function remoteWrappingOf(option: { wrapper: RemoteKeyWrapper; keys: readonly string[] } | undefined): RemoteWrapping | undefined {
  if (option === undefined) return undefined;

  const { wrapper, keys } = option;
  if (typeof wrapper?.generateDataKey !== "function" || typeof wrapper.unwrap !== "function") {
    throw new KeyStateError("INVALID_ARGUMENT", "options.kms.wrapper must have generateDataKey and unwrap, for example a RemoteKms");
  }
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isKeyName)) {
    throw new KeyStateError("INVALID_ARGUMENT", "options.kms.keys must be a non-empty array of valid key names, the master keys the KMS contains");
  }
  return { wrapper, keys: new Set(keys) };
}
