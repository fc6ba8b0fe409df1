import { KeyStateError } from "../errors.js";
import { describeValue } from "../core/bytes.js";
import type { CipherEngine } from "../crypto/engine.js";
import { fillNonce } from "../crypto/random.js";
import { secretOf } from "../crypto/xchacha20-poly1305.js";
import { encodeContext, validateContext, type EncryptionContext } from "../format/context.js";
import { parseDirectHeader } from "../format/header.js";
import type { KeyMaterial } from "../keys/material.js";
import { assertKeyName } from "../keys/names.js";
import type { KeyVersionInfo } from "../keys/types.js";
import { isUsable } from "../keys/versions.js";
import { concatBytes } from "./bytes.js";
import type { CachedKey } from "./key-cache.js";
import { bytesOf, ciphertextOf, optionsOf } from "./inputs.js";
import {
  assertOpen,
  audited,
  auditedSync,
  authorize,
  authorizeSync,
  freshKeyFor,
  keyFor,
  loadedKeyFor,
  newRequestId,
  recordFailure,
  recordSuccess,
  type AuditNote,
  type Runtime,
} from "./runtime.js";

/** Options of encrypt and decrypt. */
export interface EncryptOptions {
  /** String pairs bound to the ciphertext: decryption needs the same pairs. Not stored in the ciphertext. */
  context?: EncryptionContext;
}

/** Checked arguments of encrypt. */
interface EncryptInput {
  name: string;
  plaintext: Uint8Array;
  context: EncryptionContext | undefined;
}

function encryptInput(name: unknown, plaintext: unknown, options: unknown): EncryptInput {
  assertKeyName(name);
  const data = bytesOf(plaintext, "plaintext");
  const context = validateContext(optionsOf<EncryptOptions>(options).context);
  return { name, plaintext: data, context };
}

function decryptInput(ciphertext: unknown, options: unknown): { ciphertext: unknown; context: EncryptionContext | undefined } {
  if (!(ciphertext instanceof Uint8Array) && typeof ciphertext !== "string") {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `ciphertext must be a Uint8Array or a "ks1." string, got ${describeValue(ciphertext)}`,
    );
  }
  const context = validateContext(optionsOf<EncryptOptions>(options).context);
  return { ciphertext, context };
}

/**
 * Encrypts with the primary version of an encrypt key. See KeyState.encrypt.
 * The steps of audited() are written out here, without its closure, because
 * this is the hot path for small messages.
 */
export async function encrypt(runtime: Runtime, name: unknown, plaintext: unknown, options: unknown): Promise<Uint8Array> {
  const input = encryptInput(name, plaintext, options);
  const note: AuditNote = { keyName: input.name, context: input.context };
  const requestId = newRequestId();
  let ciphertext: Uint8Array;

  try {
    assertOpen(runtime);
    // The policy comes before any read of the key, so a denied principal touches no material.
    await authorize(runtime, "encrypt", input.name, input.context);

    // A fresh cache entry of the right purpose needs no promise; keyFor reads the store or throws.
    const cached = runtime.cache.peekFresh(input.name);
    const key = cached !== undefined && cached.info.purpose === "encrypt" ? cached : await keyFor(runtime, input.name, ENCRYPT);
    const version = key.primary;
    note.keyVersion = version.version;
    note.bytes = input.plaintext.length;

    const material = key.loadedMaterial(version.version) ?? (await key.material(version));
    const engine = key.engine as CipherEngine;
    const { header, nonce, aad } = directHeader(key, version, engine, input.context);

    // Core algorithms run inline unless a pool is given, saving a promise per call.
    if (runtime.pool === undefined && engine.encryptSync !== undefined) {
      ciphertext = encryptInline(engine, material, header, nonce, input.plaintext, aad);
    } else {
      ciphertext = concatBytes(header, await encryptWith(runtime, engine, material, nonce, input.plaintext, aad));
    }

    runtime.usage.add(input.name, version.version, input.plaintext.length);
  } catch (error) {
    throw await recordFailure(runtime, "encrypt", note, requestId, error, false);
  }

  await recordSuccess(runtime, "encrypt", note, requestId);
  return ciphertext;
}

const ENCRYPT = ["encrypt"] as const;

/** Decrypts a direct ciphertext with the key version its header names. See KeyState.decrypt. */
export function decrypt(runtime: Runtime, ciphertext: unknown, options: unknown): Promise<Uint8Array> {
  const input = decryptInput(ciphertext, options);

  return audited(
    runtime,
    "decrypt",
    { context: input.context },
    async (note) => {
      const bytes = ciphertextOf(input.ciphertext);
      const header = parseDirectHeader(bytes);
      note.keyName = header.key.name;

      await authorize(runtime, "decrypt", header.key.name, input.context);

      let key = await keyFor(runtime, header.key.name, ["encrypt"]);

      // A version this cache has not seen may come from a rotation by another writer.
      if (key.versionById(header.key.id) === undefined) key = await freshKeyFor(runtime, header.key.name, ["encrypt"]);

      const version = usableVersion(key, header.key.id, header.algorithm);
      note.keyVersion = version;

      const material = await key.material(key.info.versions.find((entry) => entry.version === version)!);
      const aad = concatBytes(header.bytes, encodeContext(input.context));
      const plaintext = await decryptWith(runtime, key.engine as CipherEngine, material, header.nonce, bytes.subarray(header.bytes.length), aad);
      note.bytes = plaintext.length;
      return plaintext;
    },
    true,
  );
}

/** Encrypts synchronously for ks.sync: core algorithms only, with a key loaded by ks.load. */
export function encryptSync(runtime: Runtime, name: unknown, plaintext: unknown, options: unknown): Uint8Array {
  const input = encryptInput(name, plaintext, options);

  return auditedSync(runtime, "encrypt", { keyName: input.name, context: input.context }, (note) => {
    const key = loadedKeyFor(runtime, input.name, ["encrypt"]);
    const engine = synchronousCipher(key);
    const version = key.primary;
    note.keyVersion = version.version;
    note.bytes = input.plaintext.length;

    authorizeSync(runtime, "encrypt", input.name, input.context);

    const material = loadedMaterial(key, version.version);
    const { header, nonce, aad } = directHeader(key, version, engine, input.context);
    const ciphertext = encryptInline(engine, material, header, nonce, input.plaintext, aad);

    runtime.usage.add(input.name, version.version, input.plaintext.length);
    return ciphertext;
  });
}

/** Decrypts synchronously for ks.sync. */
export function decryptSync(runtime: Runtime, ciphertext: unknown, options: unknown): Uint8Array {
  const input = decryptInput(ciphertext, options);

  return auditedSync(
    runtime,
    "decrypt",
    { context: input.context },
    (note) => {
      const bytes = ciphertextOf(input.ciphertext);
      const header = parseDirectHeader(bytes);
      note.keyName = header.key.name;

      const key = loadedKeyFor(runtime, header.key.name, ["encrypt"]);
      const engine = synchronousCipher(key);
      authorizeSync(runtime, "decrypt", header.key.name, input.context);

      const version = usableVersion(key, header.key.id, header.algorithm);
      note.keyVersion = version;

      const aad = concatBytes(header.bytes, encodeContext(input.context));
      const plaintext = engine.decryptSync!(loadedMaterial(key, version), header.nonce, bytes.subarray(header.bytes.length), aad);
      note.bytes = plaintext.length;
      return plaintext;
    },
    true,
  );
}

// Above this many plaintext bytes the core seals straight into the result,
// because copying a large ciphertext behind the header costs measurable time.
// Below it, one core call and a small copy are cheaper.
const SEAL_INTO_THRESHOLD = 64 * 1024;

// Returns header || ciphertext || tag, encrypted by a synchronous engine.
function encryptInline(
  engine: CipherEngine,
  material: KeyMaterial,
  header: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (plaintext.length <= SEAL_INTO_THRESHOLD || engine.encryptIntoSync === undefined) {
    return concatBytes(header, engine.encryptSync!(material, nonce, plaintext, aad));
  }

  const output = new Uint8Array(header.length + plaintext.length + engine.tagLength);
  output.set(header, 0);
  engine.encryptIntoSync(material, nonce, plaintext, aad, output, header.length);
  return output;
}

// Builds the header of a new direct ciphertext with a fresh nonce, and the
// AAD (header, then encoded context) in one allocation: header and nonce are views into it.
function directHeader(
  key: CachedKey,
  version: KeyVersionInfo,
  engine: CipherEngine,
  context: EncryptionContext | undefined,
): { header: Uint8Array; nonce: Uint8Array; aad: Uint8Array } {
  const prefix = key.directHeaderPrefix(version);
  const contextBytes = encodeContext(context);
  const headerLength = prefix.length + engine.nonceLength;
  const aad = new Uint8Array(headerLength + contextBytes.length);

  aad.set(prefix, 0);
  const nonce = fillNonce(aad.subarray(prefix.length, headerLength));
  aad.set(contextBytes, headerLength);

  return { header: aad.subarray(0, headerLength), nonce, aad };
}

// Returns the number of the version with header id `id` when it may decrypt.
// The codes thrown here reach only the audit event; the caller sees DECRYPT_FAILED.
function usableVersion(key: CachedKey, id: number, algorithm: string): number {
  const version = key.versionById(id);
  if (version === undefined) throw new KeyStateError("KEY_NOT_FOUND", "unknown key version");
  if (version.status === "destroyed") throw new KeyStateError("KEY_DESTROYED", "key version destroyed");
  if (!isUsable(version.status)) throw new KeyStateError("KEY_DISABLED", "key version disabled");
  if (algorithm !== key.info.algorithm) throw new KeyStateError("UNSUPPORTED_ALGORITHM", "algorithm mismatch");
  return version.version;
}

function synchronousCipher(key: CachedKey): CipherEngine {
  const engine = key.engine as CipherEngine;
  if (!engine.synchronous || engine.encryptSync === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      `key "${key.info.name}" uses ${engine.algorithm}, which runs in WebCrypto and has no synchronous form; use the asynchronous method`,
    );
  }
  return engine;
}

/** Returns material that ks.load loaded. Throws NOT_READY. */
export function loadedMaterial(key: CachedKey, version: number): KeyMaterial {
  const material = key.loadedMaterial(version);
  if (material === undefined) {
    throw new KeyStateError(
      "NOT_READY",
      `version ${version} of key "${key.info.name}" is not loaded; call await ks.load("${key.info.name}") first, and again after each rotation`,
    );
  }
  return material;
}

/** Encrypts through the pool when there is one and the core runs the algorithm. */
export function encryptWith(
  runtime: Runtime,
  engine: CipherEngine,
  material: KeyMaterial,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  if (runtime.pool !== undefined && engine.algorithm === "XCHACHA20-POLY1305") {
    return runtime.pool.xchacha20poly1305.seal(secretOf(material), nonce, plaintext, aad);
  }
  if (engine.encryptSync !== undefined) return Promise.resolve(engine.encryptSync(material, nonce, plaintext, aad));
  return engine.encrypt(material, nonce, plaintext, aad);
}

/** Decrypts through the pool when there is one and the core runs the algorithm. Throws DECRYPT_FAILED. */
export function decryptWith(
  runtime: Runtime,
  engine: CipherEngine,
  material: KeyMaterial,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  if (runtime.pool !== undefined && engine.algorithm === "XCHACHA20-POLY1305") {
    return runtime.pool.xchacha20poly1305.open(secretOf(material), nonce, ciphertext, aad);
  }
  if (engine.decryptSync !== undefined) {
    try {
      return Promise.resolve(engine.decryptSync(material, nonce, ciphertext, aad));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return engine.decrypt(material, nonce, ciphertext, aad);
}
