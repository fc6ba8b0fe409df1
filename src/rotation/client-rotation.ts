import { KeyStateError } from "../errors.js";
import { encodeContext, validateContext, type EncryptionContext } from "../format/context.js";
import { encodeEnvelopeHeader, encodeWrapAad, parseDirectHeader, parseEnvelopeHeader } from "../format/header.js";
import { engineFor } from "../crypto/engines.js";
import { concatBytes } from "../client/bytes.js";
import { wrapDataKey } from "../client/data-key.js";
import { decrypt, encrypt, type EncryptOptions } from "../client/encryption.js";
import { unwrapFor } from "../client/envelope.js";
import { ciphertextOf, optionsOf } from "../client/inputs.js";
import { isRemoteKey } from "../client/remote-wrap.js";
import { audited, authorize, freshKeyFor, keyNotFound, type Runtime } from "../client/runtime.js";
import { assertKeyName } from "../keys/names.js";
import { writeRotationPolicy } from "./policies.js";
import { resolveRotationPolicy, type RotationPolicy } from "./policy.js";
import { rotateDue, rotateIfDue, setMinDecryptionVersion, type RotationResult, type RotatorOptions } from "./rotator.js";

// The client's side of rotation: rotations through a client's store, policy
// and audit log, and moving ciphertext to the newest key version.

/** Rotator options acting as the client's principal, with its policy, audit log and key generation. */
export function rotatorFor(runtime: Runtime): RotatorOptions {
  return {
    store: runtime.store,
    now: runtime.clock,
    audit: runtime.audit,
    authorizer: runtime.authorizer,
    principal: runtime.principal,
    generate: (info) => engineFor(info.algorithm).generate(runtime.store.capabilities.cryptoKeys),
  };
}

/**
 * Rotates or promotes every due key once. The client's pending usage
 * counters are written first, because rotation by use count reads them from
 * the store. A key that failed is returned with its error.
 */
export async function rotateDueFor(runtime: Runtime): Promise<{ results: RotationResult[]; errors: { key: string; error: unknown }[] }> {
  await runtime.usage.flush();
  const outcome = await rotateDue(rotatorFor(runtime));

  for (const result of outcome.results) {
    if (result.action === "rotated" || result.action === "promoted") await runtime.cache.get(result.key, { fresh: true });
  }

  return outcome;
}

/** Rotates or promotes key `name` when due: the check-on-use form for short-lived processes. */
export async function rotateIfDueFor(runtime: Runtime, name: string): Promise<RotationResult> {
  await runtime.usage.flush();
  const result = await rotateIfDue(rotatorFor(runtime), name);

  if (result.action === "rotated" || result.action === "promoted") await runtime.cache.get(name, { fresh: true });
  return result;
}

/**
 * Sets (or with `undefined` removes) the rotation policy of key `name`.
 * Policy operation "rotate". Throws KEY_NOT_FOUND, POLICY_DENIED,
 * INVALID_ARGUMENT naming the bad setting.
 */
export function setRotationPolicyFor(runtime: Runtime, name: unknown, policy: RotationPolicy | undefined): Promise<void> {
  assertKeyName(name);

  return audited(runtime, "set-rotation", { keyName: name }, async () => {
    const stored = await runtime.store.getKey(name);
    if (stored === undefined) throw keyNotFound(name);

    await authorize(runtime, "rotate", name);
    if (policy !== undefined) resolveRotationPolicy(policy, stored.value.info.algorithm);
    await writeRotationPolicy(runtime.store, name, policy);
  });
}

/** Disables every active version of `name` below `minVersion`; see setMinDecryptionVersion. */
export async function setMinDecryptionVersionFor(runtime: Runtime, name: unknown, minVersion: number): Promise<number[]> {
  assertKeyName(name);
  const disabled = await setMinDecryptionVersion(rotatorFor(runtime), name, minVersion);

  if (disabled.length > 0) await runtime.cache.get(name, { fresh: true });
  return disabled;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Moves an envelope (what seal returned, one message or a whole stream) to
 * the primary version of its wrap key: unwraps the data key and wraps it
 * again, leaving nonce, chunk size and payload bytes as they are. The
 * payload is never decrypted. An envelope already under the primary comes
 * back unchanged. Policy operations "decrypt" and "encrypt" on the wrap key.
 * Throws DECRYPT_FAILED for any problem with the envelope, UNSUPPORTED_FORMAT
 * for a KMS-wrapped envelope.
 *
 * NOTE: AES-KW wrap keys authenticate no associated data, so with them a
 * wrong `context` is not detected here. The payload stays bound to the
 * original context, and opening with the wrong one fails as before.
 */
export function rewrapEnvelope(runtime: Runtime, envelope: unknown, options: unknown): Promise<Uint8Array> {
  const context: EncryptionContext | undefined = validateContext(optionsOf<EncryptOptions>(options).context);

  return audited(
    runtime,
    "rewrap",
    { context },
    async (note) => {
      const bytes = ciphertextOf(envelope, "envelope");
      const header = parseEnvelopeHeader(bytes);
      if (header === undefined) throw new KeyStateError("UNSUPPORTED_FORMAT", "not an envelope");

      if (isRemoteKey(runtime, header.kek.name)) {
        throw new KeyStateError("UNSUPPORTED_FORMAT", `envelopes under KMS key "${header.kek.name}" are rewrapped by the KMS, not by the client`);
      }

      const dataKey = await unwrapFor(runtime, header, context, note);

      try {
        const key = await freshKeyFor(runtime, header.kek.name, ["wrap"]);
        if (key.primary.id === header.kek.id) return bytes.slice();

        await authorize(runtime, "encrypt", header.kek.name, context);

        const kek = { name: header.kek.name, id: key.primary.id };
        const wrapAad = concatBytes(encodeWrapAad(header.kind, key.info.algorithm, kek), encodeContext(context));
        const wrappedKey = await wrapDataKey(key.engine, await key.material(key.primary), dataKey, wrapAad);
        const rewritten = encodeEnvelopeHeader({
          kind: header.kind,
          wrapAlgorithm: key.info.algorithm,
          kek,
          wrappedKey,
          nonce: header.nonce,
          chunkSize: header.chunkSize,
        });

        // The payload stays valid only if its associated data is unchanged.
        if (!sameBytes(rewritten.dataAadBytes, header.dataAadBytes)) {
          throw new KeyStateError("INTERNAL", "rewrapping would change the payload's associated data");
        }

        note.keyVersion = key.primary.version;
        return concatBytes(rewritten.header, bytes.subarray(header.length));
      } finally {
        dataKey.fill(0);
      }
    },
    true,
  );
}

/**
 * Moves a direct ciphertext (what encrypt returned) to the primary version
 * of its key: decrypts and encrypts again with the same context, wiping the
 * plaintext afterwards. A ciphertext already under the primary comes back
 * unchanged. Recorded as one decrypt and one encrypt event. Throws what
 * decrypt and encrypt throw.
 */
export async function reencryptDirect(runtime: Runtime, ciphertext: unknown, options: unknown): Promise<Uint8Array> {
  const bytes = ciphertextOf(ciphertext);
  const plaintext = await decrypt(runtime, bytes, options);

  try {
    const name = parseDirectHeader(bytes).key.name;
    const key = await freshKeyFor(runtime, name, ["encrypt"]);
    if (key.primary.id === parseDirectHeader(bytes).key.id) return bytes.slice();

    return await encrypt(runtime, name, plaintext, options);
  } finally {
    plaintext.fill(0);
  }
}
