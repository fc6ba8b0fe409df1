import type { AuditRecorder } from "../audit/types.js";
import type { KeyStore, StoredKey, StoredMaterial } from "../backends/key-store.js";
import { KeyStateError, isKeyStateError } from "../errors.js";
import type { KeyInfo, KeyVersionInfo } from "../keys/types.js";
import { newVersionId, promoteVersion } from "../keys/versions.js";
import { denialError } from "../policy/evaluate.js";
import type { Authorizer, Operation } from "../policy/types.js";
import { rotationDue } from "./due.js";
import { readRotationPolicies } from "./policies.js";
import { resolveRotationPolicy, type RotationPolicy } from "./policy.js";

/** Creates the material of a new version of `info`'s key. */
export type MaterialGenerator = (info: KeyInfo, version: number) => Promise<StoredMaterial>;

export interface RotatorOptions {
  store: KeyStore;
  generate: MaterialGenerator;
  /** Clock in milliseconds since the Unix epoch; defaults to Date.now. */
  now?: () => number;
  /**
   * Clock skew between processes that the rotation absorbs, in milliseconds;
   * default 30 000. A pending version is promoted this much later than its
   * propagation delay alone would allow.
   */
  clockToleranceMs?: number;
  /** Receives one "rotate" event per rotation, promotion or retirement. */
  audit?: AuditRecorder;
  /** Checks `rotate` (and `revoke` for retirement) before any write. */
  authorizer?: Authorizer;
  /** The principal the rotation acts as; default "keystate-rotation". */
  principal?: string;
}

/** The outcome of one rotation check. */
export interface RotationResult {
  key: string;
  /** "none": nothing due; "pending": a new version waits for its delay. */
  action: "none" | "rotated" | "promoted" | "pending";
  /** The version added, promoted or pending. */
  version?: number;
  reason?: "age" | "operations" | "bytes";
}

const DEFAULT_PRINCIPAL = "keystate-rotation";
const DEFAULT_CLOCK_TOLERANCE_MS = 30_000;

function randomRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function wipe(material: StoredMaterial): void {
  if (material.type === "raw") material.bytes.fill(0);
}

/** Adds a version after the highest one, as primary (the old primary becomes active) or as active. */
export function addVersion(info: KeyInfo, status: "primary" | "active", now: number): { info: KeyInfo; version: KeyVersionInfo } {
  const number = Math.max(0, ...info.versions.map((version) => version.version)) + 1;
  const added: KeyVersionInfo = { version: number, id: newVersionId(info.versions), status, createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } };

  const versions = info.versions.map((version) =>
    status === "primary" && version.status === "primary" ? { ...version, status: "active" as const, updatedAt: now } : version,
  );

  return { info: { ...info, versions: [...versions, added] }, version: added };
}

async function authorize(options: RotatorOptions, operation: Operation, keyName: string, now: number, requestId: string): Promise<void> {
  if (options.authorizer === undefined) return;

  const request = { principal: options.principal ?? DEFAULT_PRINCIPAL, operation, keyName, now };
  const decision = await options.authorizer.authorize(request);
  if (decision.allowed) return;

  await options.audit?.record({ operation, principal: request.principal, keyName, outcome: "denied", errorCode: "POLICY_DENIED", requestId });
  throw denialError(request, decision);
}

/**
 * Checks key `name` against its rotation policy (read from the store when
 * `policy` is not given) and rotates or promotes it when due. Safe to run in
 * many processes at once: the key is written with compare-and-swap, and a
 * writer that loses re-reads the key, finds the rotation done and returns
 * "none", so a due key gets exactly one new version. Throws KEY_NOT_FOUND,
 * POLICY_DENIED, INVALID_ARGUMENT for a bad policy, and the store's errors.
 */
export async function rotateIfDue(options: RotatorOptions, name: string, policy?: RotationPolicy): Promise<RotationResult> {
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
  const requestId = randomRequestId();
  const principal = options.principal ?? DEFAULT_PRINCIPAL;
  const configured = policy ?? (await readRotationPolicies(options.store))[name];

  for (;;) {
    const stored = await options.store.getKey(name);
    if (stored === undefined) throw new KeyStateError("KEY_NOT_FOUND", `key ${JSON.stringify(name)} does not exist; check the name or create it first`);

    const info = stored.value.info;
    const resolved = resolveRotationPolicy(configured, info.algorithm);
    const action = rotationDue(info, resolved, now(), tolerance);

    if (action.kind === "none") return { key: name, action: "none" };
    if (action.kind === "pending") return { key: name, action: "pending", version: action.version };

    await authorize(options, "rotate", name, now(), requestId);

    let next: StoredKey;
    let result: RotationResult;

    if (action.kind === "promote") {
      next = { info: promoteVersion(info, action.version, now()), material: stored.value.material };
      result = { key: name, action: "promoted", version: action.version };
    } else {
      const added = addVersion(info, resolved.propagationDelayMs > 0 ? "active" : "primary", now());
      const material = await options.generate(added.info, added.version.version);
      next = { info: added.info, material: new Map([...stored.value.material, [added.version.version, material]]) };
      result = { key: name, action: "rotated", version: added.version.version, reason: action.reason };
    }

    try {
      await options.store.putKey(next, stored.revision);
    } catch (error) {
      if (result.action === "rotated") wipe(next.material.get(result.version!)!);
      if (isKeyStateError(error, "CONFLICT")) continue;

      const code = isKeyStateError(error) ? error.code : "INTERNAL";
      await options.audit?.record({ operation: "rotate", principal, keyName: name, outcome: "failure", errorCode: code, requestId });
      throw error;
    }

    const detail: Record<string, string> = { phase: result.action === "promoted" ? "promote" : "add" };
    if (result.reason !== undefined) detail.reason = result.reason;
    await options.audit?.record({ operation: "rotate", principal, keyName: name, keyVersion: result.version!, outcome: "success", requestId, detail });

    return result;
  }
}

/**
 * Retires every version below `minVersion` for decryption by disabling it
 * (its material stays, so an operator can enable it again). Throws
 * INVALID_ARGUMENT when the primary version is below `minVersion` (rotate
 * first), KEY_NOT_FOUND, POLICY_DENIED. Returns the versions it disabled.
 */
export async function setMinDecryptionVersion(options: RotatorOptions, name: string, minVersion: number): Promise<number[]> {
  const now = options.now ?? Date.now;
  const requestId = randomRequestId();

  if (!Number.isSafeInteger(minVersion) || minVersion < 1) {
    throw new KeyStateError("INVALID_ARGUMENT", `minDecryptionVersion must be a version number of at least 1, got ${minVersion}`);
  }

  await authorize(options, "revoke", name, now(), requestId);

  for (;;) {
    const stored = await options.store.getKey(name);
    if (stored === undefined) throw new KeyStateError("KEY_NOT_FOUND", `key ${JSON.stringify(name)} does not exist; check the name or create it first`);

    const info = stored.value.info;
    const primary = info.versions.find((version) => version.status === "primary");

    if (primary !== undefined && primary.version < minVersion) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `minDecryptionVersion ${minVersion} is above the primary version ${primary.version} of key ${JSON.stringify(name)}; rotate or promote a newer version first`,
      );
    }

    const retired = info.versions.filter((version) => version.version < minVersion && version.status === "active").map((version) => version.version);
    if (retired.length === 0) return [];

    const at = now();
    const versions = info.versions.map((version) => (retired.includes(version.version) ? { ...version, status: "disabled" as const, updatedAt: at } : version));

    try {
      await options.store.putKey({ info: { ...info, versions }, material: stored.value.material }, stored.revision);
    } catch (error) {
      if (isKeyStateError(error, "CONFLICT")) continue;
      throw error;
    }

    await options.audit?.record({
      operation: "revoke",
      principal: options.principal ?? DEFAULT_PRINCIPAL,
      keyName: name,
      outcome: "success",
      requestId,
      detail: { minDecryptionVersion: minVersion, disabled: retired.join(",") },
    });

    return retired;
  }
}

/**
 * Runs rotateIfDue once for every key with a rotation policy and every
 * AES-256-GCM key (which always has the operation limit). Failures of one
 * key do not stop the others; they are returned with the key's name.
 */
export async function rotateDue(options: RotatorOptions): Promise<{ results: RotationResult[]; errors: { key: string; error: unknown }[] }> {
  const policies = await readRotationPolicies(options.store);
  const names = new Set(Object.keys(policies));

  for (const info of await options.store.listKeys()) {
    if (info.algorithm === "AES-256-GCM") names.add(info.name);
  }

  const results: RotationResult[] = [];
  const errors: { key: string; error: unknown }[] = [];

  for (const name of [...names].sort()) {
    try {
      results.push(await rotateIfDue(options, name, policies[name]));
    } catch (error) {
      errors.push({ key: name, error });
    }
  }

  return { results, errors };
}
