import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, randomInt, sign as nodeSign } from "node:crypto";
import type { KeyObject } from "node:crypto";

import type { KeyStore, StoredKey, StoredMaterial } from "../../backends/key-store.js";
import { KeyStateError, isKeyStateError } from "../../errors.js";
import { assertKeyName } from "../../keys/names.js";
import type { KeyInfo, KeyVersionInfo } from "../../keys/types.js";
import { purposeOf, type KmsAlgorithm, type KmsKeyInfo } from "../protocol.js";
import type { KmsBackend, VersionRef } from "./backend.js";
import { concatBytes } from "./wrapped-key.js";

// RFC 8410: the PKCS#8 prefix in front of a 32-byte Ed25519 seed.
// Algorithms this backend serves: those POST /v1/keys creates, and AES-KW wrap keys the KeyState client creates in a store.
const SERVED_ALGORITHMS: readonly KmsAlgorithm[] = ["AES-256-GCM", "AES-KW", "ECDSA-P256", "ED25519"];
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const MAX_ROTATE_ATTEMPTS = 5;
// RFC 3394, section 2.2.3.1: the default initial value of AES key wrap.
const AES_KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
const AES_KW_BLOCK = 8;
const AES_KW_MIN_PLAINTEXT = 16;
const AES_KW_DERIVE_LABEL = Buffer.from("keystate-kms aes-kw v1", "ascii");

/**
 * Master keys in a KeyStore (such as a FileStore), used with node:crypto.
 * Material uses the library's formats, so keys the KeyState client created
 * with purpose wrap (AES-KW, its default, or AES-256-GCM, both as 32 raw
 * bytes) or sign (ED25519 as a 32-byte seed, ECDSA-P256 as PKCS#8) serve here
 * too. Store keys of other algorithms or purposes (XCHACHA20-POLY1305,
 * HMAC-SHA256, encrypt keys) are left out of listKeys, and getKey raises
 * UNSUPPORTED_ALGORITHM for them. Unlike the PKCS#11 backend, key values sit
 * in this process's memory while in use: use it for development or where the
 * store's own protection is enough.
 */
export class SoftwareBackend implements KmsBackend {
  readonly kind = "software";
  readonly #store: KeyStore;
  readonly #closeStore: boolean;

  /** `closeStore`: whether close() also closes the store. Default false. */
  constructor(store: KeyStore, options: { closeStore?: boolean } = {}) {
    this.#store = store;
    this.#closeStore = options.closeStore ?? false;
  }

  async listKeys(): Promise<KmsKeyInfo[]> {
    const infos = await this.#store.listKeys();
    return infos.flatMap((info) => {
      const described = describe(info);
      return described === undefined ? [] : [described];
    });
  }

  /** Throws UNSUPPORTED_ALGORITHM for a store key this proxy cannot serve. */
  async getKey(name: string): Promise<KmsKeyInfo | undefined> {
    const stored = await this.#store.getKey(name);
    if (stored === undefined) return undefined;

    assertServable(stored.value.info);
    return describe(stored.value.info);
  }

  async createKey(name: string, algorithm: KmsAlgorithm): Promise<KmsKeyInfo> {
    assertKeyName(name);
    const now = Date.now();
    const info: KeyInfo = {
      name,
      purpose: purposeOf(algorithm),
      algorithm,
      createdAt: now,
      versions: [newVersion(1, "primary", now)],
    };

    try {
      await this.#store.putKey({ info, material: new Map([[1, generate(algorithm)]]) }, null);
    } catch (error) {
      if (isKeyStateError(error, "CONFLICT")) {
        throw new KeyStateError("KEY_EXISTS", `key "${name}" already exists in the store; rotate it or choose another name`);
      }
      throw error;
    }
    return describe(info)!;
  }

  async rotateKey(name: string): Promise<KmsKeyInfo> {
    // Compare-and-swap: a concurrent rotation by another proxy process makes
    // the write fail with CONFLICT, and the rotation starts again from what it wrote.
    for (let attempt = 1; ; attempt++) {
      const current = await this.#store.getKey(name);
      if (current !== undefined) assertServable(current.value.info);
      const info = current === undefined ? undefined : describe(current.value.info);
      if (current === undefined || info === undefined) throw keyNotFound(name);

      const now = Date.now();
      const next = Math.max(...current.value.info.versions.map((v) => v.version)) + 1;
      const versions = current.value.info.versions.map((v) => (v.status === "primary" ? { ...v, status: "active" as const, updatedAt: now } : v));
      versions.push(newVersion(next, "primary", now));

      const material = new Map(current.value.material);
      material.set(next, generate(info.algorithm));
      const key: StoredKey = { info: { ...current.value.info, versions }, material };

      try {
        await this.#store.putKey(key, current.revision);
        return describe(key.info)!;
      } catch (error) {
        if (!isKeyStateError(error, "CONFLICT") || attempt >= MAX_ROTATE_ATTEMPTS) throw error;
      }
    }
  }

  /** AES-256-GCM as KmsBackend describes it, or for an AES-KW key RFC 3394 under a key derived from `aad` (see deriveKwKey). */
  async encrypt(ref: VersionRef, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const { algorithm, secret } = await this.#wrapKey(ref);
    if (algorithm === "AES-KW") return aesKwWrap(ref, secret, plaintext, aad);

    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv("aes-256-gcm", secret, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return concatBytes(iv, ciphertext);
  }

  async decrypt(ref: VersionRef, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const { algorithm, secret } = await this.#wrapKey(ref);
    if (algorithm === "AES-KW") return aesKwUnwrap(secret, sealed, aad);
    if (sealed.length < IV_LENGTH + TAG_LENGTH) throw decryptFailed();

    try {
      const decipher = createDecipheriv("aes-256-gcm", secret, sealed.subarray(0, IV_LENGTH), { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH)), decipher.final()]));
    } catch (error) {
      throw decryptFailed(error);
    }
  }

  async sign(ref: VersionRef, message: Uint8Array): Promise<Uint8Array> {
    const { algorithm, key } = await this.#privateKey(ref);
    if (algorithm === "ECDSA-P256") return new Uint8Array(nodeSign("sha256", message, { key, dsaEncoding: "ieee-p1363" }));
    return new Uint8Array(nodeSign(null, message, key));
  }

  async publicKey(ref: VersionRef): Promise<Uint8Array> {
    const { key } = await this.#privateKey(ref);
    return new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
  }

  async close(): Promise<void> {
    if (this.#closeStore) await this.#store.close();
  }

  async #version(ref: VersionRef): Promise<{ info: KeyInfo; material: StoredMaterial }> {
    const stored = await this.#store.getKey(ref.name);
    if (stored === undefined) throw keyNotFound(ref.name);

    const { info } = stored.value;
    assertServable(info);
    const version = info.versions.find((v) => v.version === ref.version && v.id === ref.id);
    const material = stored.value.material.get(ref.version);
    if (version === undefined || material === undefined || version.status === "destroyed") {
      throw new KeyStateError("KEY_NOT_FOUND", `key "${ref.name}" has no version ${ref.version} with id ${ref.id}`);
    }
    if (version.status === "disabled") {
      throw new KeyStateError("KEY_DISABLED", `version ${ref.version} of key "${ref.name}" is disabled; enable it to use it`);
    }
    return { info, material };
  }

  async #wrapKey(ref: VersionRef): Promise<{ algorithm: "AES-256-GCM" | "AES-KW"; secret: Uint8Array }> {
    const { info, material } = await this.#version(ref);
    if (info.purpose !== "wrap" || (info.algorithm !== "AES-256-GCM" && info.algorithm !== "AES-KW")) {
      throw new KeyStateError("WRONG_PURPOSE", `key "${ref.name}" is an ${info.algorithm} ${info.purpose} key; wrap with an AES-256-GCM or AES-KW key`);
    }
    return { algorithm: info.algorithm, secret: rawOf(material, ref.name) };
  }

  async #privateKey(ref: VersionRef): Promise<{ algorithm: KmsAlgorithm; key: KeyObject }> {
    const { info, material } = await this.#version(ref);
    const bytes = Buffer.from(rawOf(material, ref.name));

    if (info.algorithm === "ED25519") {
      return { algorithm: "ED25519", key: createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes]), format: "der", type: "pkcs8" }) };
    }
    if (info.algorithm === "ECDSA-P256") {
      return { algorithm: "ECDSA-P256", key: createPrivateKey({ key: bytes, format: "der", type: "pkcs8" }) };
    }
    throw new KeyStateError("WRONG_PURPOSE", `key "${ref.name}" is an ${info.algorithm} key; sign with an ECDSA-P256 or ED25519 key`);
  }
}

function isServable(info: KeyInfo): boolean {
  const algorithm = info.algorithm as KmsAlgorithm;
  return SERVED_ALGORITHMS.includes(algorithm) && purposeOf(algorithm) === info.purpose;
}

function assertServable(info: KeyInfo): void {
  if (isServable(info)) return;
  throw new KeyStateError(
    "UNSUPPORTED_ALGORITHM",
    `key "${info.name}" is an ${info.algorithm} key with purpose ${info.purpose}, which the KMS proxy does not serve; ` +
      "it serves wrap keys of AES-256-GCM or AES-KW and sign keys of ECDSA-P256 or ED25519",
  );
}

/** Returns undefined for a key the proxy cannot serve or one without a primary version. */
function describe(info: KeyInfo): KmsKeyInfo | undefined {
  if (!isServable(info)) return undefined;
  const algorithm = info.algorithm as KmsAlgorithm;

  const usable = info.versions.filter((v) => v.status === "primary" || v.status === "active");
  const primary = info.versions.find((v) => v.status === "primary");
  if (primary === undefined) return undefined;

  return {
    name: info.name,
    purpose: purposeOf(algorithm),
    algorithm,
    primaryVersion: primary.version,
    versions: usable.map(({ version, id, createdAt }) => ({ version, id, createdAt })),
  };
}

function newVersion(version: number, status: "primary", now: number): KeyVersionInfo {
  return { version, id: randomInt(0, 2 ** 32 - 1), status, createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } };
}

function generate(algorithm: KmsAlgorithm): StoredMaterial {
  if (algorithm === "AES-256-GCM" || algorithm === "AES-KW") return { type: "raw", bytes: new Uint8Array(randomBytes(32)) };

  if (algorithm === "ED25519") {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
    return { type: "raw", bytes: new Uint8Array(pkcs8.subarray(ED25519_PKCS8_PREFIX.length)) };
  }

  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { type: "raw", bytes: new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" })) };
}

/**
 * Derives the AES-KW wrapping key of one wrap: HKDF-SHA256 (RFC 5869) with the
 * master key as input, no salt, and as info a label followed by the SHA-256
 * of `aad` (the wrapped-key header and encoded context). RFC 3394 has no
 * associated data, so this binds the key name, version and context instead:
 * any other value derives another key, and the RFC 3394 integrity check then
 * fails. Hashing `aad` keeps the info within node's 1024-byte HKDF limit.
 */
function deriveKwKey(kek: Uint8Array, aad: Uint8Array): Buffer {
  const info = Buffer.concat([AES_KW_DERIVE_LABEL, createHash("sha256").update(aad).digest()]);
  return Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), info, 32));
}

function aesKwWrap(ref: VersionRef, kek: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (plaintext.length < AES_KW_MIN_PLAINTEXT || plaintext.length % AES_KW_BLOCK !== 0) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `key "${ref.name}" is an AES-KW key, which wraps a multiple of 8 bytes and at least 16 (RFC 3394), got ${plaintext.length} bytes; wrap this plaintext with an AES-256-GCM key`,
    );
  }
  const derived = deriveKwKey(kek, aad);
  try {
    const cipher = createCipheriv("id-aes256-wrap", derived, AES_KW_IV);
    return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
  } finally {
    derived.fill(0);
  }
}

function aesKwUnwrap(kek: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < AES_KW_MIN_PLAINTEXT + AES_KW_BLOCK || sealed.length % AES_KW_BLOCK !== 0) throw decryptFailed();

  const derived = deriveKwKey(kek, aad);
  try {
    const decipher = createDecipheriv("id-aes256-wrap", derived, AES_KW_IV);
    return new Uint8Array(Buffer.concat([decipher.update(sealed), decipher.final()]));
  } catch (error) {
    throw decryptFailed(error);
  } finally {
    derived.fill(0);
  }
}

function rawOf(material: StoredMaterial, name: string): Uint8Array {
  if (material.type === "raw") return material.bytes;
  throw new KeyStateError("UNSUPPORTED_FORMAT", `key "${name}" is kept as a non-extractable CryptoKey, which the software backend cannot use; keep it in a file store`);
}

function keyNotFound(name: string): KeyStateError {
  return new KeyStateError("KEY_NOT_FOUND", `no key named "${name}" in the store; create it with POST /v1/keys`);
}

function decryptFailed(cause?: unknown): KeyStateError {
  return new KeyStateError("DECRYPT_FAILED", "unwrap failed", cause === undefined ? undefined : { cause });
}
