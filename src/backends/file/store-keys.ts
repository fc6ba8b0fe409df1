import { scrypt } from "node:crypto";
import { KeyStateError } from "../../errors.js";

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** Types a byte view for WebCrypto, whose signatures in TypeScript 5.9 exclude SharedArrayBuffer views; the store never creates one. */
function view(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** scrypt cost parameters as the store header records them. */
export interface ScryptParameters {
  /** CPU and memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/**
 * Default scrypt cost for new stores: N = 2^17, r = 8, p = 1. It needs
 * 128 MiB of memory and took about 0.6 s with Node 20's native scrypt on a
 * shared 2-core VM, a cost paid once each time a store is opened.
 */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 17, r: 8, p: 1 };

/** Bounds on parameters read from a header, so a damaged header cannot ask for gigabytes. */
export const SCRYPT_LOG_N_RANGE = { min: 10, max: 20 } as const;

/**
 * Derives the 32-byte master key from a passphrase with scrypt. The
 * passphrase is normalized to Unicode NFC first, so the same passphrase typed
 * on different systems gives the same key.
 */
export function deriveMasterKey(passphrase: string, salt: Uint8Array, parameters: ScryptParameters): Promise<Uint8Array> {
  const secret = encoder.encode(passphrase.normalize("NFC"));
  // Node's default limit (32 MiB) is below what N = 2^17, r = 8 needs (128 * N * r bytes).
  const maxmem = 128 * parameters.N * parameters.r * parameters.p + 16 * 1024 * 1024;

  return new Promise((resolve, reject) => {
    scrypt(secret, salt, 32, { ...parameters, maxmem }, (error, key) => {
      secret.fill(0);
      if (error) {
        reject(new KeyStateError("INTERNAL", "Deriving the master key with scrypt failed", { cause: error }));
        return;
      }
      resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
}

/** The keys a store uses, all derived from the master key and none extractable. */
export interface StoreKeys {
  /** AES-256-GCM key that seals key material. */
  seal: CryptoKey;
  /** HMAC-SHA256 key that authenticates entry files. */
  mac: CryptoKey;
  /** HMAC-SHA256 key that computes the header's key-check value. */
  check: CryptoKey;
}

/**
 * Derives the store's working keys from the master key with HKDF-SHA256
 * (RFC 5869), salted with the store id so two stores under the same master
 * key use different keys. One info string per purpose keeps the keys
 * independent.
 */
export async function deriveStoreKeys(masterKey: Uint8Array, storeId: Uint8Array): Promise<StoreKeys> {
  const base = await subtle.importKey("raw", view(masterKey), "HKDF", false, ["deriveKey"]);

  const hkdf = (purpose: string): HkdfParams => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: view(storeId),
    info: encoder.encode(`keystate file-store v1 ${purpose}`),
  });
  const hmac: HmacImportParams = { name: "HMAC", hash: "SHA-256", length: 256 };

  const [seal, mac, check] = await Promise.all([
    subtle.deriveKey(hkdf("seal"), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
    subtle.deriveKey(hkdf("mac"), base, hmac, false, ["sign", "verify"]),
    subtle.deriveKey(hkdf("check"), base, hmac, false, ["sign", "verify"]),
  ]);
  return { seal, mac, check };
}

/** Sealed key material: a fresh 96-bit IV and the AES-256-GCM ciphertext with its tag. */
export interface SealedBytes {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

/** Encrypts `plaintext` under `key` with AES-256-GCM, binding it to `associatedData`. */
export async function seal(key: CryptoKey, plaintext: Uint8Array, associatedData: Uint8Array): Promise<SealedBytes> {
  // NIST SP 800-38D allows 2^32 random 96-bit IVs under one key. A store
  // seals each version once per write of its key, far fewer in any real use.
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: view(associatedData) }, key, view(plaintext));
  return { iv, ciphertext: new Uint8Array(ciphertext) };
}

/** Decrypts sealed bytes, or returns undefined when authentication fails. */
export async function unseal(key: CryptoKey, sealed: SealedBytes, associatedData: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const plaintext = await subtle.decrypt(
      { name: "AES-GCM", iv: view(sealed.iv), additionalData: view(associatedData) },
      key,
      view(sealed.ciphertext),
    );
    return new Uint8Array(plaintext);
  } catch {
    return undefined;
  }
}

/** Computes HMAC-SHA256 of a UTF-8 string. */
export async function hmac(key: CryptoKey, text: string): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign("HMAC", key, encoder.encode(text)));
}

/** Checks an HMAC-SHA256 tag over a UTF-8 string. */
export function verifyHmac(key: CryptoKey, tag: Uint8Array, text: string): Promise<boolean> {
  return subtle.verify("HMAC", key, view(tag), encoder.encode(text));
}

/** SHA-256 of a UTF-8 string. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest("SHA-256", encoder.encode(text)));
}
