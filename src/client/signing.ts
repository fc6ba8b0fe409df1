import { KeyStateError } from "../errors.js";
import { assertBytes } from "../core/bytes.js";
import type { SignatureEngine } from "../crypto/engine.js";
import { assertKeyName } from "../keys/names.js";
import type { KeyVersionInfo } from "../keys/types.js";
import { isUsable, primaryThenNewest, versionByNumber } from "../keys/versions.js";
import type { CachedKey } from "./key-cache.js";
import { loadedMaterial } from "./encryption.js";
import { assertVersionNumber, bytesOf, optionsOf } from "./inputs.js";
import { audited, auditedSync, authorize, authorizeSync, keyFor, loadedKeyFor, type Runtime } from "./runtime.js";

/** Options of verify. */
export interface VerifyOptions {
  /** Check against this version only; by default every usable version is tried, the primary first. */
  version?: number;
}

/** Options of exportPublicKey. */
export interface ExportPublicKeyOptions {
  /** The version to export; the primary by default. */
  version?: number;
}

/** A public key as a JWK, with `kid` "<key name>:<version id as 8 hex digits>". */
export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  use: "sig";
}

/** Returns the `kid` of a key version: the key name, a colon and the version id as 8 lowercase hex digits. */
export function keyIdOf(name: string, id: number): string {
  return `${name}:${id.toString(16).padStart(8, "0")}`;
}

/** Signs with the primary version of a sign key. See KeyState.sign. */
export function sign(runtime: Runtime, name: unknown, message: unknown): Promise<Uint8Array> {
  assertKeyName(name);
  const data = bytesOf(message, "message");

  return audited(runtime, "sign", { keyName: name }, async (note) => {
    await authorize(runtime, "sign", name);

    const key = await keyFor(runtime, name, ["sign"]);
    const version = key.primary;
    note.keyVersion = version.version;
    note.bytes = data.length;

    const material = await key.material(version);
    const signature = await (key.engine as SignatureEngine).sign(material, data);

    runtime.usage.add(name, version.version, data.length);
    return signature;
  });
}

/** Verifies a signature made by a usable version. See KeyState.verify. */
export function verify(runtime: Runtime, name: unknown, message: unknown, signature: unknown, options: unknown): Promise<boolean> {
  assertKeyName(name);
  const data = bytesOf(message, "message");
  assertBytes(signature, "signature");
  const { version: requested } = optionsOf<VerifyOptions>(options);
  if (requested !== undefined) assertVersionNumber(requested);

  return audited(runtime, "verify", { keyName: name }, async (note) => {
    await authorize(runtime, "verify", name);

    const key = await keyFor(runtime, name, ["sign"]);
    const candidates = verifyCandidates(key, requested);
    note.bytes = data.length;

    const engine = key.engine as SignatureEngine;
    for (const version of candidates) {
      const material = await key.material(version);
      if (await engine.verify(material, data, signature)) {
        note.keyVersion = version.version;
        return true;
      }
    }

    note.failedWith = "VERIFY_FAILED";
    return false;
  });
}

/** Signs synchronously for ks.sync (Ed25519). */
export function signSync(runtime: Runtime, name: unknown, message: unknown): Uint8Array {
  assertKeyName(name);
  const data = bytesOf(message, "message");

  return auditedSync(runtime, "sign", { keyName: name }, (note) => {
    const key = loadedKeyFor(runtime, name, ["sign"]);
    const engine = synchronousSigner(key);
    const version = key.primary;
    note.keyVersion = version.version;
    note.bytes = data.length;

    authorizeSync(runtime, "sign", name);

    const signature = engine.signSync!(loadedMaterial(key, version.version), data);
    runtime.usage.add(name, version.version, data.length);
    return signature;
  });
}

/** Verifies synchronously for ks.sync (Ed25519). */
export function verifySync(runtime: Runtime, name: unknown, message: unknown, signature: unknown, options: unknown): boolean {
  assertKeyName(name);
  const data = bytesOf(message, "message");
  assertBytes(signature, "signature");
  const { version: requested } = optionsOf<VerifyOptions>(options);
  if (requested !== undefined) assertVersionNumber(requested);

  return auditedSync(runtime, "verify", { keyName: name }, (note) => {
    const key = loadedKeyFor(runtime, name, ["sign"]);
    const engine = synchronousSigner(key);
    const candidates = verifyCandidates(key, requested);
    note.bytes = data.length;

    authorizeSync(runtime, "verify", name);

    for (const version of candidates) {
      if (engine.verifySync!(loadedMaterial(key, version.version), data, signature)) {
        note.keyVersion = version.version;
        return true;
      }
    }

    note.failedWith = "VERIFY_FAILED";
    return false;
  });
}

/** Exports the public key of a version as a JWK. See KeyState.exportPublicKey. */
export function exportPublicKey(runtime: Runtime, name: unknown, options: unknown): Promise<PublicJwk> {
  assertKeyName(name);
  const { version: requested } = optionsOf<ExportPublicKeyOptions>(options);
  if (requested !== undefined) assertVersionNumber(requested);

  return audited(runtime, "export-public-key", { keyName: name }, async (note) => {
    const key = await keyFor(runtime, name, ["sign"]);
    const version = requested === undefined ? key.primary : versionByNumber(key.info, requested);
    note.keyVersion = version.version;

    if (version.status === "destroyed") {
      throw new KeyStateError("KEY_DESTROYED", `version ${version.version} of key "${name}" is destroyed`);
    }
    if (version.status === "disabled") {
      throw new KeyStateError("KEY_DISABLED", `version ${version.version} of key "${name}" is disabled; enable it to export its public key`);
    }

    // The public key serves verification, so the policy decides on "verify".
    await authorize(runtime, "verify", name);

    const engine = key.engine as SignatureEngine;
    const jwk = await engine.publicJwk(await key.material(version));
    return {
      ...jwk,
      kid: keyIdOf(name, version.id),
      alg: engine.algorithm === "ED25519" ? "EdDSA" : "ES256",
      use: "sig",
    };
  });
}

function verifyCandidates(key: CachedKey, requested: number | undefined): KeyVersionInfo[] {
  if (requested !== undefined) {
    const version = versionByNumber(key.info, requested);
    return isUsable(version.status) ? [version] : [];
  }

  return key.info.versions.filter((version) => isUsable(version.status)).sort(primaryThenNewest);
}

function synchronousSigner(key: CachedKey): SignatureEngine {
  const engine = key.engine as SignatureEngine;
  if (engine.signSync === undefined || engine.verifySync === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      `key "${key.info.name}" uses ${engine.algorithm}, which runs in WebCrypto and has no synchronous form; use the asynchronous method`,
    );
  }
  return engine;
}
