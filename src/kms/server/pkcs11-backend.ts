import { createHash, randomInt } from "node:crypto";
import type * as Pkcs11Types from "pkcs11js";

import { KeyStateError } from "../../errors.js";
import { assertKeyName } from "../../keys/names.js";
import { purposeOf, type KmsAlgorithm, type KmsKeyInfo } from "../protocol.js";
import type { KmsBackend, VersionRef } from "./backend.js";
import { concatBytes } from "./wrapped-key.js";

type Pkcs11Module = typeof Pkcs11Types;
type Handle = Buffer;

// PKCS#11 3.0 values that pkcs11js 2.1 has no names for.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;

// DER encodings of the curve OIDs (CKA_EC_PARAMS) and of the SPKI prefixes
// that precede the raw public key: RFC 5480 for P-256, RFC 8410 for Ed25519.
const P256_OID = Buffer.from("06082a8648ce3d030107", "hex");
const ED25519_OID = Buffer.from("06032b6570", "hex");
const P256_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

const LABEL_PREFIX = "keystate:";
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;

export interface Pkcs11BackendOptions {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  modulePath: string;
  /** Label of the token that contains the master keys. */
  tokenLabel: string;
  /** User PIN of the token. */
  pin: string;
  /** Sessions opened at most, so at most this many operations run in the token at once. Default 4. */
  maxSessions?: number;
  /**
   * How long the list of key objects is trusted before the token is searched
   * again, in milliseconds. Default 2000. A version another process created
   * is found at once when a request names it; a rotation by another process
   * becomes primary here within this interval.
   */
  refreshIntervalMs?: number;
}

interface VersionObject {
  version: number;
  id: number;
  /** The secret key (AES) or private key (signing). */
  handle: Handle;
  publicHandle?: Handle;
}

interface KeyObjects {
  algorithm: KmsAlgorithm;
  versions: VersionObject[];
}

// One loaded module per path and process: C_Initialize and C_Login apply to
// the whole process, so backends on the same module share them.
interface LoadedModule {
  pkcs11: Pkcs11Types.PKCS11;
  references: number;
}
const loadedModules = new Map<string, LoadedModule>();

/**
 * Master keys in a PKCS#11 token. Keys are generated in the token as
 * CKA_SENSITIVE=true and CKA_EXTRACTABLE=false, so their values never leave
 * it: AES-256 keys wrap with CKM_AES_GCM, EC P-256 keys sign with CKM_ECDSA
 * over a SHA-256 digest, Ed25519 keys sign with CKM_EDDSA. Each key version
 * is one token object labelled "keystate:<name>:<version>" whose CKA_ID is
 * the 4-byte version id.
 */
export class Pkcs11Backend implements KmsBackend {
  readonly kind = "pkcs11";

  readonly #lib: Pkcs11Module;
  readonly #pkcs11: Pkcs11Types.PKCS11;
  readonly #modulePath: string;
  readonly #slot: Handle;
  readonly #maxSessions: number;
  readonly #refreshIntervalMs: number;
  readonly #idle: Handle[] = [];
  readonly #waiting: Array<(session: Handle) => void> = [];
  #open = 0;
  #keys = new Map<string, KeyObjects>();
  #refreshedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  private constructor(lib: Pkcs11Module, pkcs11: Pkcs11Types.PKCS11, options: Pkcs11BackendOptions, slot: Handle) {
    this.#lib = lib;
    this.#pkcs11 = pkcs11;
    this.#modulePath = options.modulePath;
    this.#slot = slot;
    this.#maxSessions = options.maxSessions ?? 4;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 2000;
  }

  /**
   * Loads the module, finds the token by label and logs in. Throws
   * INVALID_ARGUMENT for a missing module, token or a rejected PIN, and
   * UNSUPPORTED_ALGORITHM when pkcs11js is not installed.
   */
  static async open(options: Pkcs11BackendOptions): Promise<Pkcs11Backend> {
    if (!Number.isInteger(options.maxSessions ?? 4) || (options.maxSessions ?? 4) < 1) {
      throw new KeyStateError("INVALID_ARGUMENT", `maxSessions must be a positive integer, got ${options.maxSessions}`);
    }

    const lib = await loadPkcs11js();
    const pkcs11 = initializeModule(lib, options.modulePath);

    try {
      const slot = findTokenSlot(pkcs11, options.tokenLabel);
      const backend = new Pkcs11Backend(lib, pkcs11, options, slot);
      const session = await backend.#acquire();
      try {
        loginOnce(pkcs11, session, lib.CKU_USER, options.pin, options.tokenLabel);
      } finally {
        backend.#release(session);
      }
      await backend.#refresh();
      return backend;
    } catch (error) {
      releaseModule(options.modulePath);
      throw error;
    }
  }

  async listKeys(): Promise<KmsKeyInfo[]> {
    await this.#refresh();
    return [...this.#keys.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, key]) => describe(name, key));
  }

  async getKey(name: string): Promise<KmsKeyInfo | undefined> {
    if (Date.now() - this.#refreshedAt > this.#refreshIntervalMs) await this.#refresh();
    const key = this.#keys.get(name);
    return key === undefined ? undefined : describe(name, key);
  }

  async createKey(name: string, algorithm: KmsAlgorithm): Promise<KmsKeyInfo> {
    assertKeyName(name);
    await this.#refresh();
    if (this.#keys.has(name)) {
      throw new KeyStateError("KEY_EXISTS", `key "${name}" already exists in the token; rotate it or choose another name`);
    }

    await this.#generate(name, algorithm, 1);
    await this.#refresh();
    return describe(name, this.#keys.get(name)!);
  }

  async rotateKey(name: string): Promise<KmsKeyInfo> {
    await this.#refresh();
    const key = this.#keys.get(name);
    if (key === undefined) throw keyNotFound(name);

    // NOTE: two processes rotating the same key at once can both create the
    // same version number. Both objects keep working, because wrapped keys
    // and kids name the version id too; the lower id is treated as primary.
    const next = Math.max(...key.versions.map((v) => v.version)) + 1;
    await this.#generate(name, key.algorithm, next);
    await this.#refresh();
    return describe(name, this.#keys.get(name)!);
  }

  async encrypt(ref: VersionRef, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const object = await this.#find(ref, "AES-256-GCM");

    return this.#withSession(async (session) => {
      const iv = this.#pkcs11.C_GenerateRandom(session, Buffer.alloc(IV_LENGTH));
      this.#pkcs11.C_EncryptInit(session, this.#gcm(iv, aad), object.handle);
      const output = await this.#pkcs11.C_EncryptAsync(session, Buffer.from(plaintext), Buffer.alloc(plaintext.length + TAG_LENGTH));
      return concatBytes(iv, output);
    });
  }

  async decrypt(ref: VersionRef, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const object = await this.#find(ref, "AES-256-GCM");
    if (sealed.length < IV_LENGTH + TAG_LENGTH) throw decryptFailed();

    return this.#withSession(async (session) => {
      const iv = Buffer.from(sealed.subarray(0, IV_LENGTH));
      const body = Buffer.from(sealed.subarray(IV_LENGTH));
      try {
        this.#pkcs11.C_DecryptInit(session, this.#gcm(iv, aad), object.handle);
        const plaintext = await this.#pkcs11.C_DecryptAsync(session, body, Buffer.alloc(body.length));
        return new Uint8Array(plaintext);
      } catch (error) {
        // SoftHSM 2.6 reports a wrong tag as CKR_GENERAL_ERROR, other tokens
        // as CKR_ENCRYPTED_DATA_INVALID: every failure here is the same failure.
        throw decryptFailed(error);
      }
    });
  }

  async sign(ref: VersionRef, message: Uint8Array): Promise<Uint8Array> {
    const key = await this.#keyOf(ref.name);
    if (key.algorithm === "AES-256-GCM") {
      throw new KeyStateError("WRONG_PURPOSE", `key "${ref.name}" is an AES-256-GCM wrapping key; sign with an ECDSA-P256 or ED25519 key`);
    }
    const object = await this.#find(ref, key.algorithm);

    const ecdsa = key.algorithm === "ECDSA-P256";
    const input = ecdsa ? createHash("sha256").update(message).digest() : Buffer.from(message);
    const mechanism = { mechanism: ecdsa ? this.#lib.CKM_ECDSA : CKM_EDDSA };

    return this.#withSession(async (session) => {
      this.#pkcs11.C_SignInit(session, mechanism, object.handle);
      return new Uint8Array(await this.#pkcs11.C_SignAsync(session, input, Buffer.alloc(64)));
    });
  }

  async publicKey(ref: VersionRef): Promise<Uint8Array> {
    const key = await this.#keyOf(ref.name);
    if (key.algorithm === "AES-256-GCM") {
      throw new KeyStateError("WRONG_PURPOSE", `key "${ref.name}" is an AES-256-GCM wrapping key and has no public key`);
    }
    const object = await this.#find(ref, key.algorithm);
    if (object.publicHandle === undefined) {
      throw new KeyStateError("KEY_NOT_FOUND", `key "${ref.name}" version ${ref.version} has no public key object in the token`);
    }

    return this.#withSession(async (session) => {
      const [attribute] = this.#pkcs11.C_GetAttributeValue(session, object.publicHandle!, [{ type: this.#lib.CKA_EC_POINT }]);
      const point = unwrapOctetString(attribute!.value);
      const prefix = key.algorithm === "ECDSA-P256" ? P256_SPKI_PREFIX : ED25519_SPKI_PREFIX;
      return new Uint8Array(Buffer.concat([prefix, point]));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;

    for (const session of this.#idle.splice(0)) {
      try {
        this.#pkcs11.C_CloseSession(session);
      } catch {
        // The module may already be finalized by a crash of the token; nothing is left to release.
      }
    }
    releaseModule(this.#modulePath);
  }

  // Sessions: an operation (EncryptInit then Encrypt) belongs to one
  // session, so each request uses a session of its own until it finishes.

  async #acquire(): Promise<Handle> {
    if (this.#closed) throw new KeyStateError("KMS_UNAVAILABLE", "the PKCS#11 backend is closed");

    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;

    if (this.#open < this.#maxSessions) {
      this.#open++;
      try {
        return this.#pkcs11.C_OpenSession(this.#slot, this.#lib.CKF_SERIAL_SESSION | this.#lib.CKF_RW_SESSION);
      } catch (error) {
        this.#open--;
        throw tokenError("C_OpenSession", error);
      }
    }

    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(session: Handle): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter(session);
    else if (this.#closed) this.#pkcs11.C_CloseSession(session);
    else this.#idle.push(session);
  }

  async #withSession<T>(action: (session: Handle) => Promise<T>): Promise<T> {
    const session = await this.#acquire();
    try {
      return await action(session);
    } catch (error) {
      throw error instanceof KeyStateError ? error : tokenError("a token operation", error);
    } finally {
      this.#release(session);
    }
  }

  // Key objects.

  async #refresh(): Promise<void> {
    const lib = this.#lib;
    const found = await this.#withSession(async (session) => {
      const objects: Array<{ label: string; id: Buffer; objectClass: number; keyType: number; handle: Handle }> = [];
      this.#pkcs11.C_FindObjectsInit(session, [{ type: lib.CKA_TOKEN, value: true }]);
      try {
        for (;;) {
          const handles = this.#pkcs11.C_FindObjects(session, 64);
          if (handles.length === 0) break;
          for (const handle of handles) {
            const [label, id, objectClass] = this.#pkcs11.C_GetAttributeValue(session, handle, [
              { type: lib.CKA_LABEL },
              { type: lib.CKA_ID },
              { type: lib.CKA_CLASS },
            ]);
            const labelText = label!.value.toString("utf8");
            if (!labelText.startsWith(LABEL_PREFIX)) continue;
            const [keyType] = this.#pkcs11.C_GetAttributeValue(session, handle, [{ type: lib.CKA_KEY_TYPE }]);
            objects.push({
              label: labelText,
              id: id!.value,
              objectClass: objectClass!.value.readUInt32LE(0),
              keyType: keyType!.value.readUInt32LE(0),
              handle,
            });
          }
        }
      } finally {
        this.#pkcs11.C_FindObjectsFinal(session);
      }
      return objects;
    });

    const keys = new Map<string, KeyObjects>();
    for (const object of found) {
      const parsed = parseLabel(object.label);
      if (parsed === undefined || object.id.length !== 4) continue;

      const algorithm = algorithmOf(lib, object.keyType);
      if (algorithm === undefined) continue;

      const key = keys.get(parsed.name) ?? { algorithm, versions: [] };
      keys.set(parsed.name, key);

      const id = object.id.readUInt32BE(0);
      let version = key.versions.find((v) => v.version === parsed.version && v.id === id);
      if (version === undefined) {
        version = { version: parsed.version, id, handle: object.handle };
        key.versions.push(version);
      }
      if (object.objectClass === lib.CKO_PUBLIC_KEY) version.publicHandle = object.handle;
      else version.handle = object.handle;
    }
    for (const key of keys.values()) key.versions.sort((a, b) => a.version - b.version || a.id - b.id);

    this.#keys = keys;
    this.#refreshedAt = Date.now();
  }

  async #keyOf(name: string): Promise<KeyObjects> {
    if (Date.now() - this.#refreshedAt > this.#refreshIntervalMs) await this.#refresh();
    let key = this.#keys.get(name);
    if (key === undefined) {
      await this.#refresh();
      key = this.#keys.get(name);
    }
    if (key === undefined) throw keyNotFound(name);
    return key;
  }

  async #find(ref: VersionRef, algorithm: KmsAlgorithm): Promise<VersionObject> {
    const match = (key: KeyObjects | undefined) => key?.versions.find((v) => v.version === ref.version && v.id === ref.id);

    let key: KeyObjects | undefined = await this.#keyOf(ref.name);
    let object = match(key);
    if (object === undefined) {
      // Another process may have rotated the key since the last search.
      await this.#refresh();
      key = this.#keys.get(ref.name);
      object = match(key);
    }
    if (key === undefined || object === undefined) {
      throw new KeyStateError("KEY_NOT_FOUND", `key "${ref.name}" has no version ${ref.version} with id ${ref.id} in the token`);
    }
    if (key.algorithm !== algorithm) {
      throw new KeyStateError("WRONG_PURPOSE", `key "${ref.name}" is an ${key.algorithm} key, not ${algorithm}`);
    }
    return object;
  }

  async #generate(name: string, algorithm: KmsAlgorithm, version: number): Promise<void> {
    const lib = this.#lib;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(randomInt(0, 2 ** 32 - 1) >>> 0);
    const label = `${LABEL_PREFIX}${name}:${version}`;

    // Every secret or private key stays in the token: sensitive (its value
    // is never returned) and not extractable (it cannot be wrapped out).
    const common = [
      { type: lib.CKA_TOKEN, value: true },
      { type: lib.CKA_LABEL, value: label },
      { type: lib.CKA_ID, value: id },
    ];
    const secret = [
      ...common,
      { type: lib.CKA_PRIVATE, value: true },
      { type: lib.CKA_SENSITIVE, value: true },
      { type: lib.CKA_EXTRACTABLE, value: false },
    ];

    await this.#withSession(async (session) => {
      if (algorithm === "AES-256-GCM") {
        await this.#pkcs11.C_GenerateKeyAsync(session, { mechanism: lib.CKM_AES_KEY_GEN }, [
          ...secret,
          { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
          { type: lib.CKA_VALUE_LEN, value: 32 },
          { type: lib.CKA_ENCRYPT, value: true },
          { type: lib.CKA_DECRYPT, value: true },
        ]);
        return;
      }

      const keyType = algorithm === "ECDSA-P256" ? lib.CKK_EC : CKK_EC_EDWARDS;
      const mechanism = algorithm === "ECDSA-P256" ? lib.CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
      await this.#pkcs11.C_GenerateKeyPairAsync(
        session,
        { mechanism },
        [
          ...common,
          { type: lib.CKA_KEY_TYPE, value: keyType },
          { type: lib.CKA_VERIFY, value: true },
          { type: lib.CKA_EC_PARAMS, value: algorithm === "ECDSA-P256" ? P256_OID : ED25519_OID },
        ],
        [...secret, { type: lib.CKA_KEY_TYPE, value: keyType }, { type: lib.CKA_SIGN, value: true }],
      );
    });
  }

  #gcm(iv: Buffer, aad: Uint8Array): Pkcs11Types.Mechanism {
    const parameter: Pkcs11Types.AesGCM = { type: this.#lib.CK_PARAMS_AES_GCM, iv, aad: Buffer.from(aad), ivBits: IV_LENGTH * 8, tagBits: TAG_LENGTH * 8 };
    return { mechanism: this.#lib.CKM_AES_GCM, parameter };
  }
}

async function loadPkcs11js(): Promise<Pkcs11Module> {
  try {
    const imported = (await import("pkcs11js")) as Pkcs11Module & { default?: Pkcs11Module };
    return imported.default ?? imported;
  } catch (error) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      "the PKCS#11 backend needs the optional dependency pkcs11js; install it with npm i pkcs11js",
      { cause: error },
    );
  }
}

function initializeModule(lib: Pkcs11Module, modulePath: string): Pkcs11Types.PKCS11 {
  const loaded = loadedModules.get(modulePath);
  if (loaded !== undefined) {
    loaded.references++;
    return loaded.pkcs11;
  }

  const pkcs11 = new lib.PKCS11();
  try {
    pkcs11.load(modulePath);
  } catch (error) {
    throw new KeyStateError("INVALID_ARGUMENT", `cannot load the PKCS#11 module ${modulePath}; check the path of --pkcs11-module`, { cause: error });
  }
  try {
    // Async calls run on libuv threads, so the module must lock for itself.
    pkcs11.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (pkcs11Code(error) !== CKR_CRYPTOKI_ALREADY_INITIALIZED) throw tokenError("C_Initialize", error);
  }

  loadedModules.set(modulePath, { pkcs11, references: 1 });
  return pkcs11;
}

function releaseModule(modulePath: string): void {
  const loaded = loadedModules.get(modulePath);
  if (loaded === undefined) return;

  loaded.references--;
  if (loaded.references > 0) return;

  loadedModules.delete(modulePath);
  try {
    loaded.pkcs11.C_Finalize();
  } catch {
    // Finalizing fails when the module is already unusable, and then nothing is left to release.
  }
}

function findTokenSlot(pkcs11: Pkcs11Types.PKCS11, tokenLabel: string): Handle {
  for (const slot of pkcs11.C_GetSlotList(true)) {
    if (pkcs11.C_GetTokenInfo(slot).label.trim() === tokenLabel) return slot;
  }
  throw new KeyStateError("INVALID_ARGUMENT", `no PKCS#11 token is labelled "${tokenLabel}"; list tokens with softhsm2-util --show-slots or pkcs11-tool -L`);
}

function loginOnce(pkcs11: Pkcs11Types.PKCS11, session: Handle, userType: number, pin: string, tokenLabel: string): void {
  try {
    pkcs11.C_Login(session, userType, pin);
  } catch (error) {
    if (pkcs11Code(error) === CKR_USER_ALREADY_LOGGED_IN) return;
    throw new KeyStateError("INVALID_ARGUMENT", `login to token "${tokenLabel}" failed; check the user PIN in KEYSTATE_PKCS11_PIN`, { cause: error });
  }
}

function parseLabel(label: string): { name: string; version: number } | undefined {
  const rest = label.slice(LABEL_PREFIX.length);
  const separator = rest.lastIndexOf(":");
  if (separator <= 0) return undefined;

  const version = Number(rest.slice(separator + 1));
  if (!Number.isInteger(version) || version < 1) return undefined;
  return { name: rest.slice(0, separator), version };
}

function algorithmOf(lib: Pkcs11Module, keyType: number): KmsAlgorithm | undefined {
  if (keyType === lib.CKK_AES) return "AES-256-GCM";
  if (keyType === lib.CKK_EC) return "ECDSA-P256";
  if (keyType === CKK_EC_EDWARDS) return "ED25519";
  return undefined;
}

function describe(name: string, key: KeyObjects): KmsKeyInfo {
  const primary = key.versions[key.versions.length - 1]!.version;
  return {
    name,
    purpose: purposeOf(key.algorithm),
    algorithm: key.algorithm,
    primaryVersion: primary,
    versions: key.versions.map(({ version, id }) => ({ version, id })),
  };
}

// CKA_EC_POINT is a DER OCTET STRING around the point (short or long length form).
function unwrapOctetString(value: Buffer): Buffer {
  if (value[0] !== 0x04) return value;
  const first = value[1]!;
  if (first < 0x80) return value.subarray(2, 2 + first);
  const lengthBytes = first & 0x7f;
  return value.subarray(2 + lengthBytes);
}

function pkcs11Code(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function keyNotFound(name: string): KeyStateError {
  return new KeyStateError("KEY_NOT_FOUND", `no key named "${name}" in the token; create it with POST /v1/keys`);
}

function decryptFailed(cause?: unknown): KeyStateError {
  return new KeyStateError("DECRYPT_FAILED", "unwrap failed", cause === undefined ? undefined : { cause });
}

function tokenError(operation: string, error: unknown): KeyStateError {
  const name = error instanceof Error ? error.message.split(":")[0] : "an unknown error";
  return new KeyStateError("INTERNAL", `the PKCS#11 token failed in ${operation} with ${name}`, { cause: error });
}
