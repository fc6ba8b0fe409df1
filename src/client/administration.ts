import { KeyStateError, isKeyStateError } from "../errors.js";
import type { StoredKey, StoredMaterial } from "../backends/key-store.js";
import { DEFAULT_ALGORITHMS, engineFor } from "../crypto/engines.js";
import { assertKeyName, isKeyName } from "../keys/names.js";
import type { KeyAlgorithm, KeyInfo, KeyPurpose, KeyVersionInfo } from "../keys/types.js";
import {
  createKeyInfo,
  destroyVersion,
  enableVersion,
  promoteVersion,
  revokeVersion,
  rotateVersions,
} from "../keys/versions.js";
import type { Operation } from "../policy/types.js";
import { assertVersionNumber, optionsOf } from "./inputs.js";
import { audited, authorize, keyFor, keyNotFound, type AuditNote, type Runtime } from "./runtime.js";

const PURPOSES: readonly KeyPurpose[] = ["encrypt", "sign", "mac", "wrap"];

// Metadata reads need any allowed operation on the key.
const ANY_OPERATION: readonly Operation[] = ["encrypt", "decrypt", "sign", "verify", "mac", "rotate", "revoke", "destroy", "admin"];

/** Attempts of one compare-and-swap update before CONFLICT reaches the caller. */
const MAX_ATTEMPTS = 5;

/** Options of createKey. */
export interface CreateKeyOptions {
  purpose: KeyPurpose;
  /** Defaults: encrypt XCHACHA20-POLY1305, sign ED25519, mac HMAC-SHA256, wrap AES-KW. */
  algorithm?: KeyAlgorithm;
}

/** Options of revoke. */
export interface RevokeOptions {
  version: number;
  /** Required when `version` is the primary: an active version to make primary in the same write. */
  promote?: number;
}

/** Options of destroy. */
export interface DestroyOptions extends RevokeOptions {
  /** Must be true: destroying removes the material and cannot be undone. */
  confirm: true;
}

/** Creates a key with one primary version. See KeyState.createKey. */
export function createKey(runtime: Runtime, name: unknown, options: unknown): Promise<KeyInfo> {
  assertKeyName(name);
  const { purpose, algorithm: requested } = optionsOf<CreateKeyOptions>(options);

  if (!PURPOSES.includes(purpose as KeyPurpose)) {
    throw new KeyStateError("INVALID_ARGUMENT", `purpose must be one of ${PURPOSES.join(", ")}, got ${JSON.stringify(purpose)}`);
  }
  const algorithm = requested ?? DEFAULT_ALGORITHMS[purpose!];
  const engine = engineFor(algorithm);
  if (!engine.purposes.includes(purpose!)) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `algorithm ${algorithm} cannot have purpose "${purpose}"; it serves ${engine.purposes.join(", ")}`,
    );
  }

  return audited(runtime, "create", { keyName: name }, async (note) => {
    // The policy comes first, so a principal without rights cannot learn which names exist.
    await authorize(runtime, "admin", name);

    if ((await runtime.store.getKey(name)) !== undefined) throw keyExists(name);

    const info = createKeyInfo(name, purpose!, algorithm, runtime.clock());
    const material = new Map([[1, await engine.generate(runtime.store.capabilities.cryptoKeys)]]);
    note.keyVersion = 1;

    let revision: number;
    try {
      revision = await runtime.store.putKey({ info, material }, null);
    } catch (error) {
      throw isKeyStateError(error, "CONFLICT") ? keyExists(name) : error;
    }

    await runtime.cache.put({ info, material }, revision);
    return structuredClone(info);
  });
}

/** Returns a key's metadata. See KeyState.getKey. */
export function getKey(runtime: Runtime, name: unknown): Promise<KeyInfo> {
  assertKeyName(name);

  return audited(runtime, "get-key", { keyName: name }, async () => {
    // The policy comes first, so a principal without rights cannot learn which names exist.
    await authorizeAny(runtime, name);

    await runtime.usage.flush();
    const key = await runtime.cache.get(name, { fresh: true });
    if (key === undefined) throw keyNotFound(name);
    return structuredClone(key.info);
  });
}

/** Returns the metadata of every key the principal may use. See KeyState.listKeys. */
export function listKeys(runtime: Runtime): Promise<KeyInfo[]> {
  return audited(runtime, "list-keys", {}, async () => {
    await runtime.usage.flush();
    const keys = await runtime.store.listKeys();
    const visible: KeyInfo[] = [];

    for (const info of keys) {
      // Names outside the key-name syntax are the library's own, such as the audit key "__audit".
      if (!isKeyName(info.name)) continue;
      if (await isAllowedAny(runtime, info.name)) visible.push(info);
    }
    return visible;
  });
}

/** Loads every usable version for the synchronous forms. See KeyState.load. */
export function load(runtime: Runtime, name: unknown): Promise<void> {
  assertKeyName(name);

  return audited(runtime, "load", { keyName: name }, async () => {
    await authorizeAny(runtime, name);

    if ((await runtime.cache.get(name)) === undefined) throw keyNotFound(name);
    await runtime.cache.load(name);
  });
}

/** Adds a new primary version. See KeyState.rotate. */
export function rotate(runtime: Runtime, name: unknown): Promise<KeyVersionInfo> {
  assertKeyName(name);

  return audited(runtime, "rotate", { keyName: name }, async (note) => {
    await authorize(runtime, "rotate", name);

    const key = await keyFor(runtime, name, PURPOSES);

    const material = await key.engine.generate(runtime.store.capabilities.cryptoKeys);
    const added = await updateKey(runtime, name, (stored) => {
      const { info, version } = rotateVersions(stored.info, runtime.clock());
      return { info, result: version, add: [version.version, material] };
    });

    note.keyVersion = added.version;
    return structuredClone(added);
  });
}

/** Makes an active version primary. See KeyState.promote. */
export function promote(runtime: Runtime, name: unknown, options: unknown): Promise<KeyInfo> {
  return changeStatus(runtime, "promote", "rotate", name, options, (info, version) => promoteVersion(info, version, runtime.clock()));
}

/** Disables a version. See KeyState.revoke. */
export function revoke(runtime: Runtime, name: unknown, options: unknown): Promise<KeyInfo> {
  const promoteTo = promoteOption(options);
  return changeStatus(runtime, "revoke", "revoke", name, options, (info, version) =>
    revokeVersion(info, version, promoteTo, runtime.clock()),
  );
}

/** Makes a disabled version active again. See KeyState.enable. */
export function enable(runtime: Runtime, name: unknown, options: unknown): Promise<KeyInfo> {
  return changeStatus(runtime, "enable", "revoke", name, options, (info, version) => enableVersion(info, version, runtime.clock()));
}

/** Destroys a version's material. See KeyState.destroy. */
export function destroy(runtime: Runtime, name: unknown, options: unknown): Promise<KeyInfo> {
  const { confirm } = optionsOf<DestroyOptions>(options);
  if (confirm !== true) {
    throw new KeyStateError(
      "CONFIRMATION_REQUIRED",
      "destroy removes the key material for good and existing ciphertext of that version can never be decrypted again; pass { confirm: true }",
    );
  }

  const promoteTo = promoteOption(options);
  return changeStatus(runtime, "destroy", "destroy", name, options, (info, version) =>
    destroyVersion(info, version, promoteTo, runtime.clock()),
  );
}

function changeStatus(
  runtime: Runtime,
  auditOperation: string,
  operation: Operation,
  name: unknown,
  options: unknown,
  transition: (info: KeyInfo, version: number) => KeyInfo,
): Promise<KeyInfo> {
  assertKeyName(name);
  const { version } = optionsOf<RevokeOptions>(options);
  assertVersionNumber(version);

  return audited(runtime, auditOperation, { keyName: name, keyVersion: version } satisfies AuditNote, async () => {
    await keyFor(runtime, name, PURPOSES);
    await authorize(runtime, operation, name);

    const info = await updateKey(runtime, name, (stored) => {
      const next = transition(stored.info, version);
      const destroyed = next.versions.find((entry) => entry.version === version)?.status === "destroyed";
      return { info: next, result: next, remove: destroyed ? version : undefined };
    });
    return structuredClone(info);
  });
}

interface Update<T> {
  info: KeyInfo;
  result: T;
  add?: [number, StoredMaterial];
  remove?: number | undefined;
}

// Reads the key, applies `change` and writes it back with compare-and-swap,
// reading again when another writer came first.
async function updateKey<T>(runtime: Runtime, name: string, change: (stored: StoredKey) => Update<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const read = await runtime.store.getKey(name);
    if (read === undefined) throw keyNotFound(name);

    const update = change(read.value);
    const material = new Map(read.value.material);
    if (update.add !== undefined) material.set(update.add[0], update.add[1]);
    if (update.remove !== undefined) material.delete(update.remove);

    const stored = { info: update.info, material };
    try {
      const revision = await runtime.store.putKey(stored, read.revision);
      await runtime.cache.put(stored, revision);
      return update.result;
    } catch (error) {
      if (!isKeyStateError(error, "CONFLICT") || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function promoteOption(options: unknown): number | undefined {
  const { promote: promoteTo } = optionsOf<RevokeOptions>(options);
  if (promoteTo !== undefined) assertVersionNumber(promoteTo, "promote");
  return promoteTo;
}

async function isAllowedAny(runtime: Runtime, name: string): Promise<boolean> {
  return (await firstDenyingRule(runtime, name)) === null;
}

// Returns null when some operation is allowed, else the id of a rule that
// denied one (undefined when no rule matched at all).
async function firstDenyingRule(runtime: Runtime, name: string): Promise<string | undefined | null> {
  let denyingRule: string | undefined;

  for (const operation of ANY_OPERATION) {
    const decision = await runtime.authorizer.authorize({ principal: runtime.principal, operation, keyName: name, now: runtime.clock() });
    if (decision.allowed) return null;
    denyingRule ??= decision.ruleId;
  }
  return denyingRule;
}

async function authorizeAny(runtime: Runtime, name: string): Promise<void> {
  const denyingRule = await firstDenyingRule(runtime, name);
  if (denyingRule === null) return;

  const reason = denyingRule === undefined ? "no policy rule allows any operation on it" : `policy rule "${denyingRule}" denies it`;
  throw new KeyStateError("POLICY_DENIED", `principal "${runtime.principal}" may not read key "${name}": ${reason}`);
}

function keyExists(name: string): KeyStateError {
  return new KeyStateError("KEY_EXISTS", `key "${name}" already exists; pick another name or rotate the existing key`);
}
