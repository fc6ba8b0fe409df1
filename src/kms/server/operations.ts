import { createPublicKey, randomBytes } from "node:crypto";

import { KeyStateError } from "../../errors.js";
import { decodeBase64Url, encodeBase64Url } from "../../format/base64url.js";
import { encodeContext, validateContext, type EncryptionContext } from "../../format/context.js";
import { assertKeyName } from "../../keys/names.js";
import type { Operation } from "../../policy/types.js";
import { KMS_ALGORITHMS, type KmsAlgorithm, type KmsKeyInfo } from "../protocol.js";
import type { KmsBackend, VersionRef } from "./backend.js";
import { concatBytes, encodeHeader, joinWrappedKey, parseWrappedKey, type WrapAlgorithm } from "./wrapped-key.js";

/** Largest plaintext wrap accepts, in bytes: room for any symmetric key or key bundle. */
export const MAX_WRAP_PLAINTEXT = 4096;

/** The outcome of one route, returned once the operation has run. */
export interface OperationResult {
  status: number;
  body: unknown;
  /** The key version used, for the audit event and the log. */
  keyVersion?: number;
  /** Plaintext or message bytes processed, for the audit event. */
  bytes?: number;
}

/** A parsed request, before the policy check. */
export interface PlannedOperation {
  /** Name in logs and audit events: "wrap", "unwrap", "sign" ... */
  name: string;
  /** What the access policy decides on; undefined for a listing, which filters by policy itself. */
  policyOperation?: Operation;
  keyName?: string;
  context?: EncryptionContext;
  run(): Promise<OperationResult>;
}

type Body = Record<string, unknown>;

export function planCreateKey(backend: KmsBackend, body: Body): PlannedOperation {
  const name = body.name;
  assertKeyName(name);
  const algorithm = body.algorithm as KmsAlgorithm;
  if (!KMS_ALGORITHMS.includes(algorithm)) {
    throw new KeyStateError("UNSUPPORTED_ALGORITHM", `algorithm must be one of ${KMS_ALGORITHMS.join(", ")}, got ${JSON.stringify(body.algorithm)}`);
  }

  return {
    name: "create-key",
    policyOperation: "admin",
    keyName: name,
    run: async () => {
      const key = await backend.createKey(name, algorithm);
      return { status: 201, body: { key }, keyVersion: key.primaryVersion };
    },
  };
}

export function planGetKey(backend: KmsBackend, name: string): PlannedOperation {
  assertKeyName(name);
  return {
    name: "get-key",
    // Reading metadata needs an allowed operation on the key; "verify" is the weakest.
    policyOperation: "verify",
    keyName: name,
    run: async () => ({ status: 200, body: { key: await requireKey(backend, name) } }),
  };
}

export function planRotateKey(backend: KmsBackend, name: string): PlannedOperation {
  assertKeyName(name);
  return {
    name: "rotate-key",
    policyOperation: "rotate",
    keyName: name,
    run: async () => {
      const key = await backend.rotateKey(name);
      return { status: 200, body: { key }, keyVersion: key.primaryVersion };
    },
  };
}

export function planGenerateDataKey(backend: KmsBackend, name: string, body: Body): PlannedOperation {
  assertKeyName(name);
  const context = validateContext(body.context);
  const length = body.length ?? 32;
  if (length !== 16 && length !== 32) {
    throw new KeyStateError("INVALID_ARGUMENT", `length must be 16 or 32 bytes, got ${JSON.stringify(body.length)}`);
  }

  return {
    name: "generate-data-key",
    policyOperation: "encrypt",
    keyName: name,
    context,
    run: async () => {
      const plaintext = new Uint8Array(randomBytes(length));
      try {
        const { key, wrappedKey } = await wrapBytes(backend, name, plaintext, context);
        return {
          status: 200,
          body: { keyName: name, keyVersion: key.version, plaintext: encodeBase64Url(plaintext), wrappedKey: encodeBase64Url(wrappedKey) },
          keyVersion: key.version,
          bytes: length,
        };
      } finally {
        plaintext.fill(0);
      }
    },
  };
}

export function planWrap(backend: KmsBackend, name: string, body: Body): PlannedOperation {
  assertKeyName(name);
  const context = validateContext(body.context);
  const plaintext = bytesField(body, "plaintext");
  if (plaintext.length === 0 || plaintext.length > MAX_WRAP_PLAINTEXT) {
    throw new KeyStateError("INVALID_ARGUMENT", `plaintext must be 1 to ${MAX_WRAP_PLAINTEXT} bytes, got ${plaintext.length}; wrap a data key, not the data`);
  }

  return {
    name: "wrap",
    policyOperation: "encrypt",
    keyName: name,
    context,
    run: async () => {
      try {
        const { key, wrappedKey } = await wrapBytes(backend, name, plaintext, context);
        return {
          status: 200,
          body: { keyName: name, keyVersion: key.version, wrappedKey: encodeBase64Url(wrappedKey) },
          keyVersion: key.version,
          bytes: plaintext.length,
        };
      } finally {
        plaintext.fill(0);
      }
    },
  };
}

export function planUnwrap(backend: KmsBackend, body: Body): PlannedOperation {
  const context = validateContext(body.context);
  const parsed = parseWrappedKey(bytesField(body, "wrappedKey"));
  if (body.keyName !== undefined && body.keyName !== parsed.key.name) {
    throw new KeyStateError("INVALID_ARGUMENT", `wrappedKey belongs to key "${parsed.key.name}", not "${String(body.keyName)}"`);
  }

  return {
    name: "unwrap",
    policyOperation: "decrypt",
    keyName: parsed.key.name,
    context,
    run: async () => {
      const aad = concatBytes(parsed.header, encodeContext(context));
      const plaintext = await backend.decrypt(parsed.key, parsed.sealed, aad);
      try {
        return {
          status: 200,
          body: { keyName: parsed.key.name, keyVersion: parsed.key.version, plaintext: encodeBase64Url(plaintext) },
          keyVersion: parsed.key.version,
          bytes: plaintext.length,
        };
      } finally {
        plaintext.fill(0);
      }
    },
  };
}

export function planSign(backend: KmsBackend, name: string, body: Body): PlannedOperation {
  assertKeyName(name);
  const message = bytesField(body, "message");

  return {
    name: "sign",
    policyOperation: "sign",
    keyName: name,
    run: async () => {
      const key = await requireKey(backend, name);
      if (key.purpose !== "sign") {
        throw new KeyStateError("WRONG_PURPOSE", `key "${name}" is an ${key.algorithm} wrapping key; sign with an ECDSA-P256 or ED25519 key`);
      }
      const ref = primaryOf(key);
      const signature = await backend.sign(ref, message);
      return {
        status: 200,
        body: { keyName: name, keyVersion: ref.version, kid: kidOf(ref), algorithm: key.algorithm, signature: encodeBase64Url(signature) },
        keyVersion: ref.version,
        bytes: message.length,
      };
    },
  };
}

export function planPublicKey(backend: KmsBackend, name: string, versionText: string | null): PlannedOperation {
  assertKeyName(name);
  const requested = versionText === null ? undefined : Number(versionText);
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new KeyStateError("INVALID_ARGUMENT", `version must be a positive integer, got "${versionText}"`);
  }

  return {
    name: "get-public-key",
    policyOperation: "verify",
    keyName: name,
    run: async () => {
      const key = await requireKey(backend, name);
      if (key.purpose !== "sign") {
        throw new KeyStateError("WRONG_PURPOSE", `key "${name}" is an ${key.algorithm} wrapping key and has no public key`);
      }
      const version = key.versions.find((v) => v.version === (requested ?? key.primaryVersion));
      if (version === undefined) {
        throw new KeyStateError("KEY_NOT_FOUND", `key "${name}" has no version ${requested}; list its versions with GET /v1/keys/${name}`);
      }

      const ref: VersionRef = { name, version: version.version, id: version.id };
      const spki = await backend.publicKey(ref);
      const jwk = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).export({ format: "jwk" });
      const kid = kidOf(ref);
      return {
        status: 200,
        body: {
          keyName: name,
          keyVersion: ref.version,
          kid,
          algorithm: key.algorithm,
          spki: encodeBase64Url(spki),
          jwk: { ...jwk, kid, use: "sig", alg: key.algorithm === "ED25519" ? "EdDSA" : "ES256" },
        },
        keyVersion: ref.version,
      };
    },
  };
}

/** A JWS `kid`, as the library forms it: the key name, a colon and the version id as 8 hex digits. */
export function kidOf(ref: VersionRef): string {
  return `${ref.name}:${ref.id.toString(16).padStart(8, "0")}`;
}

async function wrapBytes(backend: KmsBackend, name: string, plaintext: Uint8Array, context: EncryptionContext | undefined) {
  const info = await requireKey(backend, name);
  if (info.purpose !== "wrap") {
    throw new KeyStateError("WRONG_PURPOSE", `key "${name}" is an ${info.algorithm} signing key; wrap with an AES-256-GCM or AES-KW key`);
  }

  const key = primaryOf(info);
  const header = encodeHeader(key, info.algorithm as WrapAlgorithm);
  const sealed = await backend.encrypt(key, plaintext, concatBytes(header, encodeContext(context)));
  return { key, wrappedKey: joinWrappedKey(header, sealed) };
}

async function requireKey(backend: KmsBackend, name: string): Promise<KmsKeyInfo> {
  const key = await backend.getKey(name);
  if (key === undefined) throw new KeyStateError("KEY_NOT_FOUND", `no key named "${name}"; create it with POST /v1/keys`);
  return key;
}

function primaryOf(key: KmsKeyInfo): VersionRef {
  const primary = key.versions.find((v) => v.version === key.primaryVersion)!;
  return { name: key.name, version: primary.version, id: primary.id };
}

function bytesField(body: Body, field: string): Uint8Array {
  const value = body[field];
  if (typeof value !== "string") {
    throw new KeyStateError("INVALID_ARGUMENT", `${field} must be a base64url string, got ${value === undefined ? "nothing" : typeof value}`);
  }
  return decodeBase64Url(value, field);
}
