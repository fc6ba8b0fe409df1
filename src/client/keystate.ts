import { KeyStateError } from "../errors.js";
import { ready, type WasmSource } from "../core/index.js";
import type { AuditRecorder } from "../audit/types.js";
import type { KeyStore } from "../backends/key-store.js";
import { validateContext, type EncryptionContext } from "../format/context.js";
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from "../format/header.js";
import { toText } from "../format/text.js";
import { assertKeyName } from "../keys/names.js";
import type { KeyInfo, KeyVersionInfo } from "../keys/types.js";
import type { Authorizer } from "../policy/types.js";
import * as admin from "./administration.js";
import type { CreateKeyOptions, DestroyOptions, RevokeOptions } from "./administration.js";
import { decrypt, encrypt, type EncryptOptions } from "./encryption.js";
import { openBytes, sealBytes } from "./envelope.js";
import { DEFAULT_CHUNK_SIZE, openStream, sealStream } from "./envelope-stream.js";
import { bytesOf, isAsyncIterable, isReadableStream, optionsOf, type BytesLike } from "./inputs.js";
import { KeyCache } from "./key-cache.js";
import { mac, verifyMac } from "./mac.js";
import type { ClientPool, Runtime } from "./runtime.js";
import { exportPublicKey, sign, verify, type ExportPublicKeyOptions, type PublicJwk, type VerifyOptions } from "./signing.js";
import { iterableToStream, streamToIterable } from "./streams.js";
import { SyncKeyState } from "./sync.js";
import { remoteWrappingOf, type RemoteKeyWrapper } from "./remote-wrap.js";
import { UsageCounter } from "./usage-counter.js";
import { AuditLog, type AuditLogOptions } from "../audit/log.js";
import { auditTrailOf, type AuditTrail } from "../audit/trail.js";
import { PolicyEngine, type SetPolicyOptions } from "../policy/engine.js";
import type { PolicyRule } from "../policy/types.js";
import { resolveRotationPolicy, type RotationPolicy } from "../rotation/policy.js";
import type { RotationResult } from "../rotation/rotator.js";
import * as rotation from "../rotation/client-rotation.js";
import type { JwtClaims } from "../tokens/claims.js";
import { exportJwks, type Jwks } from "../tokens/jwks.js";
import { signToken, type SignTokenOptions } from "../tokens/sign-token.js";
import { verifyToken, type VerifyTokenOptions } from "../tokens/verify-token.js";
import { exportSealedKeyset, type ExportKeysetOptions } from "../keyset/export.js";
import { openSealedKeyset } from "../keyset/open.js";

/** Options of KeyState.open. */
export interface KeyStateOptions {
  /** Store of the keys: MemoryStore, FileStore, IndexedDBStore ... */
  store: KeyStore;
  /** Who acts: the name the authorizer decides on and the audit log records. */
  principal: string;
  /**
   * The access policy. Default: a PolicyEngine over the store's "policy"
   * document, which a new store creates with one rule that lets `principal`
   * do everything.
   */
  authorizer?: Authorizer;
  /** Recorder of audit events. Default: a hash-chained AuditLog over the store, set up by `auditLog`. */
  audit?: AuditRecorder;
  /**
   * Settings of the default audit log (used when `audit` is absent): sinks
   * (default one memory sink), mode, detectors, checkpoint and aggregation
   * intervals. See docs/audit.md.
   */
  auditLog?: Omit<AuditLogOptions, "store" | "now">;
  /** Current time in milliseconds since the Unix epoch. Default Date.now. */
  clock?: () => number;
  /** A worker pool (keystate/pool) for XChaCha20-Poly1305 of direct and single-message envelope encryption. */
  pool?: ClientPool;
  /** Source of the WASM core, as ready() in keystate/core takes it. */
  wasm?: WasmSource;
  /**
   * Milliseconds a key read from the store is used before the store is asked
   * again, so changes by other writers (another process, tab or the CLI)
   * take effect within this time. Default 1000; 0 reads the store on every operation.
   */
  cacheTtl?: number;
  /** Milliseconds between batched writes of usage counters. Default 1000. */
  usageFlushInterval?: number;
  /**
   * Master keys in a KMS proxy: seal and open of envelopes under these key
   * names get their data keys from `wrapper` (a RemoteKms), and the master
   * keys never enter this process.
   */
  kms?: { wrapper: RemoteKeyWrapper; keys: readonly string[] };
}

/** Options of KeyState.fromSealedKeyset: those of open, without a store, plus the master key. */
export interface SealedKeysetOptions extends Omit<KeyStateOptions, "store"> {
  /** The keyset's 32-byte master key: bytes, or 43 characters of unpadded base64url as an environment secret stores it. */
  masterKey: Uint8Array | string;
}

/** Options of seal and open. */
export interface SealOptions extends EncryptOptions {
  /** Streams only: plaintext bytes per chunk, 1024 to 4194304. Default 65536. */
  chunkSize?: number;
}

/**
 * The KeyState client: keys by name, and every operation on them checked
 * against the policy and recorded in the audit log. Create it with
 * `await KeyState.open({ store, principal })`.
 *
 * Errors are KeyStateError with a `code`. Common to most methods:
 * INVALID_ARGUMENT (bad argument), KEY_NOT_FOUND, WRONG_PURPOSE (the key is
 * for something else), POLICY_DENIED, AUDIT_FAILED (a fail-closed audit log
 * could not record the event), NOT_READY (after close()).
 */
export class KeyState {
  readonly #runtime: Runtime;
  /** The audit log this client opened and closes; undefined for a caller's recorder and for as() views. */
  readonly #ownedLog: AuditLog | undefined;
  /** True for a client made by as(): it shares its parent's parts and closes none of them. */
  readonly #isView: boolean;
  /** Synchronous encrypt, decrypt, sign and verify for core algorithms, after `await ks.load(name)`. */
  readonly sync: SyncKeyState;

  private constructor(runtime: Runtime, ownedLog?: AuditLog, isView = false) {
    this.#runtime = runtime;
    this.#ownedLog = ownedLog;
    this.#isView = isView;
    this.sync = new SyncKeyState(runtime);
  }

  /** Loads the WASM core and returns a client. Throws INVALID_ARGUMENT, WASM_LOAD_FAILED. */
  static async open(options: KeyStateOptions): Promise<KeyState> {
    const checked = optionsOf<KeyStateOptions>(options);
    const store = checked.store;
    if (store === undefined || typeof store.getKey !== "function" || typeof store.putKey !== "function") {
      throw new KeyStateError("INVALID_ARGUMENT", "options.store must be a KeyStore, for example new MemoryStore()");
    }
    if (typeof checked.principal !== "string" || checked.principal.length === 0) {
      throw new KeyStateError("INVALID_ARGUMENT", "options.principal must be a non-empty string naming who acts, for example \"alice\"");
    }

    const principal = checked.principal;
    const clock = checked.clock ?? Date.now;
    const cacheTtl = nonNegative(checked.cacheTtl, 1000, "cacheTtl");
    const flushInterval = nonNegative(checked.usageFlushInterval, 1000, "usageFlushInterval");

    await ready(checked.wasm);

    const engine = checked.authorizer === undefined ? await PolicyEngine.open({ store, principal, now: clock }) : undefined;
    const log = checked.audit === undefined ? await AuditLog.open({ ...checked.auditLog, store, now: clock }) : undefined;
    const audit = checked.audit ?? log!;
    engine?.attachAudit(audit);

    return new KeyState({
      principal,
      store,
      authorizer: checked.authorizer ?? engine!,
      audit,
      clock,
      pool: checked.pool,
      cache: new KeyCache(store, cacheTtl, clock),
      usage: new UsageCounter(store, flushInterval, clock),
      kms: remoteWrappingOf(checked.kms),
      closed: false,
    }, log);
  }

  /**
   * Opens a client on the keys of a sealed keyset (see docs/keyset.md), as
   * `keystate keyset export` writes it, for edge functions that get their
   * keys from an environment secret. The keys are read-only: create, rotate,
   * revoke and destroy throw STORE_READ_ONLY. Throws DECRYPT_FAILED for a
   * wrong master key or changed text, and what open throws.
   */
  static async fromSealedKeyset(sealed: string, options: SealedKeysetOptions): Promise<KeyState> {
    const { masterKey, ...rest } = optionsOf<SealedKeysetOptions>(options);
    const store = await openSealedKeyset(sealed, masterKey, rest.wasm);
    return KeyState.open({ ...(rest as Omit<KeyStateOptions, "store">), store });
  }

  /** The principal this client acts for. */
  get principal(): string {
    return this.#runtime.principal;
  }

  /**
   * The audit log: verify(), tail(), subscribe(), flush(), dropped. With a
   * recorder passed to open that lacks these, they throw INVALID_ARGUMENT.
   */
  get audit(): AuditTrail {
    return auditTrailOf(this.#runtime.audit);
  }

  /**
   * Returns a client acting as `principal` on the same store, policy, audit
   * log and key cache. It is for trusted code that has authenticated the
   * principal itself, e.g. a server acting for its users. Closing it closes
   * only the view. Throws INVALID_ARGUMENT, NOT_READY after close().
   */
  as(principal: string): KeyState {
    if (typeof principal !== "string" || principal.length === 0) {
      throw new KeyStateError("INVALID_ARGUMENT", "as() needs a non-empty principal name, for example \"bob\"");
    }
    if (this.#runtime.closed) throw new KeyStateError("NOT_READY", "this KeyState client is closed; open a new one with KeyState.open");

    // The view inherits every part of the runtime and shadows the principal;
    // its own `closed` appears when the view is closed.
    const view = Object.create(this.#runtime, { principal: { value: principal, enumerable: true } }) as Runtime;
    return new KeyState(view, undefined, true);
  }

  /**
   * Replaces the access policy's rules (see docs/policy.md). Needs "admin"
   * on key "*". Returns the new policy version. Throws POLICY_DENIED,
   * INVALID_ARGUMENT naming the bad field, CONFLICT with a stale
   * `expectedVersion`, and INVALID_ARGUMENT when the client was opened with
   * an authorizer other than a PolicyEngine.
   */
  async setPolicy(rules: readonly PolicyRule[], options: Omit<SetPolicyOptions, "principal" | "requestId"> = {}): Promise<number> {
    return this.#policyEngine().setPolicy(rules, { ...options, principal: this.#runtime.principal });
  }

  /** Returns the current policy version and rules. Needs "admin" on key "*". Throws POLICY_DENIED. */
  async getPolicy(): Promise<{ version: number; rules: PolicyRule[] }> {
    const engine = this.#policyEngine();
    await engine.refresh();
    await engine.check({ principal: this.#runtime.principal, operation: "admin", keyName: "*", now: this.#runtime.clock() });
    return { version: engine.version, rules: engine.rules };
  }

  #policyEngine(): PolicyEngine {
    const authorizer = this.#runtime.authorizer;
    if (authorizer instanceof PolicyEngine) return authorizer;
    throw new KeyStateError("INVALID_ARGUMENT", "this client was opened with its own authorizer; change that authorizer's rules instead of calling setPolicy");
  }

  /**
   * Creates a key with one primary version, and with `rotation` its rotation
   * policy (see docs/rotation.md). Policy operation "admin". Throws
   * KEY_EXISTS, UNSUPPORTED_ALGORITHM, INVALID_ARGUMENT for a bad rotation policy.
   */
  async createKey(name: string, options: CreateKeyOptions & { rotation?: RotationPolicy }): Promise<KeyInfo> {
    const policy = typeof options === "object" && options !== null ? options.rotation : undefined;
    if (policy === undefined) return admin.createKey(this.#runtime, name, options);

    const { rotation: _rotation, ...keyOptions } = options;
    // Checked before the key exists; only AES-256-GCM adds a check of its own.
    resolveRotationPolicy(policy, keyOptions.algorithm ?? "XCHACHA20-POLY1305");

    const info = await admin.createKey(this.#runtime, name, keyOptions);
    await rotation.setRotationPolicyFor(this.#runtime, name, policy);
    return info;
  }

  /** Sets, or with undefined removes, a key's rotation policy. Policy operation "rotate". */
  async setRotation(name: string, policy: RotationPolicy | undefined): Promise<void> {
    return rotation.setRotationPolicyFor(this.#runtime, name, policy);
  }

  /**
   * Rotates or promotes every key whose rotation policy is due, once, as this
   * principal (policy operation "rotate"). A key that fails is returned in
   * `errors` and the others go on.
   */
  async rotateDue(): Promise<{ results: RotationResult[]; errors: { key: string; error: unknown }[] }> {
    return rotation.rotateDueFor(this.#runtime);
  }

  /** Rotates or promotes key `name` when it is due under its rotation policy: the check-on-use form for edge functions. */
  async rotateIfDue(name: string): Promise<RotationResult> {
    return rotation.rotateIfDueFor(this.#runtime, name);
  }

  /**
   * Disables every active version below `minVersion`, so they stop
   * decrypting; their material stays. Policy operation "revoke". Returns the
   * versions disabled. Throws INVALID_ARGUMENT when the primary is below `minVersion`.
   */
  async setMinDecryptionVersion(name: string, minVersion: number): Promise<number[]> {
    return rotation.setMinDecryptionVersionFor(this.#runtime, name, minVersion);
  }

  /**
   * Moves an envelope (what seal returned) to its wrap key's primary version
   * by wrapping its data key again; the payload is not decrypted. Text in
   * gives text out. Policy operations "decrypt" and "encrypt". Throws DECRYPT_FAILED.
   */
  rewrap(envelope: Uint8Array, options?: EncryptOptions): Promise<Uint8Array>;
  rewrap(envelope: string, options?: EncryptOptions): Promise<string>;
  async rewrap(envelope: Uint8Array | string, options?: EncryptOptions): Promise<Uint8Array | string> {
    const result = await rotation.rewrapEnvelope(this.#runtime, envelope, options);
    return typeof envelope === "string" ? toText(result) : result;
  }

  /**
   * Moves a direct ciphertext (what encrypt returned) to its key's primary
   * version: decrypts and encrypts again. Text in gives text out. Throws
   * what decrypt and encrypt throw.
   */
  reencrypt(ciphertext: Uint8Array, options?: EncryptOptions): Promise<Uint8Array>;
  reencrypt(ciphertext: string, options?: EncryptOptions): Promise<string>;
  async reencrypt(ciphertext: Uint8Array | string, options?: EncryptOptions): Promise<Uint8Array | string> {
    const result = await rotation.reencryptDirect(this.#runtime, ciphertext, options);
    return typeof ciphertext === "string" ? toText(result) : result;
  }

  /** Returns a key's metadata (never material). Needs any allowed operation on the key. */
  async getKey(name: string): Promise<KeyInfo> {
    return admin.getKey(this.#runtime, name);
  }

  /** Returns the metadata of every key on which the principal has any allowed operation. */
  async listKeys(): Promise<KeyInfo[]> {
    return admin.listKeys(this.#runtime);
  }

  /**
   * Encrypts with the primary version of an encrypt key. The result carries
   * the key name and version id in its header (see docs/format.md), so
   * decrypt needs no key name. Strings are encoded as UTF-8.
   */
  encrypt(name: string, plaintext: BytesLike, options?: EncryptOptions): Promise<Uint8Array> {
    // Not async itself: the inner function is, so a bad argument still rejects, with one promise fewer.
    return encrypt(this.#runtime, name, plaintext, options);
  }

  /** Like encrypt, returning the text form: "ks1." and base64url. */
  async encryptToString(name: string, plaintext: BytesLike, options?: EncryptOptions): Promise<string> {
    return toText(await encrypt(this.#runtime, name, plaintext, options));
  }

  /**
   * Decrypts what encrypt returned (bytes or the text form), with the key
   * version its header names and the same context. Throws DECRYPT_FAILED and
   * nothing more specific for any problem with the ciphertext, its key
   * version or the context; INVALID_ARGUMENT only for arguments of the wrong type.
   */
  async decrypt(ciphertext: Uint8Array | string, options?: EncryptOptions): Promise<Uint8Array> {
    return decrypt(this.#runtime, ciphertext, options);
  }

  /** Signs with the primary version: Ed25519 (64 bytes) or ECDSA P-256 r || s (64 bytes). */
  async sign(name: string, message: BytesLike): Promise<Uint8Array> {
    return sign(this.#runtime, name, message);
  }

  /** Returns whether a usable version (primary, active) signed `message`; false for disabled or destroyed versions. */
  async verify(name: string, message: BytesLike, signature: Uint8Array, options?: VerifyOptions): Promise<boolean> {
    return verify(this.#runtime, name, message, signature, options);
  }

  /** Computes an HMAC-SHA256 tag (32 bytes) with the primary version. */
  async mac(name: string, message: BytesLike): Promise<Uint8Array> {
    return mac(this.#runtime, name, message);
  }

  /** Returns whether a usable version made `tag`, comparing in constant time. Policy operation "verify". */
  async verifyMac(name: string, message: BytesLike, tag: Uint8Array): Promise<boolean> {
    return verifyMac(this.#runtime, name, message, tag);
  }

  /**
   * Envelope encryption with a wrap key: a fresh 32-byte data key encrypts
   * the data with XChaCha20-Poly1305, and the wrap key's primary version
   * wraps the data key into the header. Bytes give bytes. A ReadableStream
   * gives a ReadableStream and an AsyncIterable an AsyncIterable, encrypted
   * chunk by chunk as it is read, in bounded memory whatever the length.
   * Policy operation "encrypt".
   */
  seal(name: string, data: BytesLike, options?: SealOptions): Promise<Uint8Array>;
  seal(name: string, data: ReadableStream<Uint8Array>, options?: SealOptions): Promise<ReadableStream<Uint8Array>>;
  seal(name: string, data: AsyncIterable<Uint8Array>, options?: SealOptions): Promise<AsyncIterable<Uint8Array>>;
  async seal(
    name: string,
    data: BytesLike | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SealOptions,
  ): Promise<Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>> {
    assertKeyName(name);
    const { context, chunkSize } = sealOptions(options);

    if (isReadableStream(data)) {
      return iterableToStream(await sealStream(this.#runtime, name, streamToIterable(data), context, chunkSize));
    }
    if (isAsyncIterable(data)) return sealStream(this.#runtime, name, data, context, chunkSize);

    return sealBytes(this.#runtime, name, bytesOf(data, "data"), context);
  }

  /** Like seal for bytes or a string, returning the text form. */
  async sealToString(name: string, data: BytesLike, options?: EncryptOptions): Promise<string> {
    assertKeyName(name);
    const { context } = sealOptions(options);
    return toText(await sealBytes(this.#runtime, name, bytesOf(data, "data"), context));
  }

  /**
   * Opens what seal returned, in the same shape: bytes (or text form) give
   * bytes, a stream gives a stream. A stream's chunks are each authentic when
   * released; the whole is complete and in order only if the stream ends
   * without error. Throws (or errors the stream with) DECRYPT_FAILED for any
   * problem with the input. Policy operation "decrypt".
   */
  open(envelope: Uint8Array | string, options?: EncryptOptions): Promise<Uint8Array>;
  open(envelope: ReadableStream<Uint8Array>, options?: EncryptOptions): Promise<ReadableStream<Uint8Array>>;
  open(envelope: AsyncIterable<Uint8Array>, options?: EncryptOptions): Promise<AsyncIterable<Uint8Array>>;
  async open(
    envelope: Uint8Array | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: EncryptOptions,
  ): Promise<Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>> {
    const context = validateContext(optionsOf<EncryptOptions>(options).context);

    if (isReadableStream(envelope)) return iterableToStream(await openStream(this.#runtime, streamToIterable(envelope), context));
    if (isAsyncIterable(envelope)) return openStream(this.#runtime, envelope, context);
    if (envelope instanceof Uint8Array || typeof envelope === "string") return openBytes(this.#runtime, envelope, context);

    throw new KeyStateError(
      "INVALID_ARGUMENT",
      "envelope must be a Uint8Array, a \"ks1.\" string, a ReadableStream or an AsyncIterable of Uint8Array",
    );
  }

  /** Adds a new primary version; the old primary stays active and keeps decrypting. Policy operation "rotate". */
  async rotate(name: string): Promise<KeyVersionInfo> {
    return admin.rotate(this.#runtime, name);
  }

  /** Makes an active version primary; the old primary becomes active. Policy operation "rotate". */
  async promote(name: string, options: { version: number }): Promise<KeyInfo> {
    return admin.promote(this.#runtime, name, options);
  }

  /**
   * Disables a version: it stops decrypting, verifying and unwrapping. The
   * primary can be revoked only with `promote` naming an active version to
   * take its place. Policy operation "revoke".
   */
  async revoke(name: string, options: RevokeOptions): Promise<KeyInfo> {
    return admin.revoke(this.#runtime, name, options);
  }

  /** Makes a disabled version active again. Policy operation "revoke". */
  async enable(name: string, options: { version: number }): Promise<KeyInfo> {
    return admin.enable(this.#runtime, name, options);
  }

  /**
   * Removes a version's material for good; its ciphertexts can never be
   * decrypted again. Needs `confirm: true` (else CONFIRMATION_REQUIRED), and
   * `promote` when the version is the primary. Policy operation "destroy".
   */
  async destroy(name: string, options: DestroyOptions): Promise<KeyInfo> {
    return admin.destroy(this.#runtime, name, options);
  }

  /**
   * Exports a sign key's public key as a JWK: OKP/Ed25519 (alg EdDSA) or
   * EC/P-256 (alg ES256), with `kid` "<name>:<version id in 8 hex digits>".
   * Policy operation "verify". Throws KEY_DISABLED, KEY_DESTROYED.
   */
  async exportPublicKey(name: string, options?: ExportPublicKeyOptions): Promise<PublicJwk> {
    return exportPublicKey(this.#runtime, name, options);
  }

  /**
   * Signs a JWT (compact JWS) with the primary version: EdDSA for ED25519,
   * ES256 for ECDSA-P256, HS256 for HMAC-SHA256 keys. The header carries
   * `kid` "<name>:<version id in 8 hex digits>"; `iat` is set unless the
   * claims have one. Policy operation "sign" ("mac" for HMAC keys). See docs/tokens.md.
   */
  async signToken(name: string, claims: JwtClaims, options?: SignTokenOptions): Promise<string> {
    return signToken(this.#runtime, name, claims, options);
  }

  /**
   * Verifies a JWT signed by one of the keys `options.key` names and returns
   * its claims. The `kid` picks the version, which must be primary or
   * active. Then exp, nbf, iat, iss, sub and aud are checked with
   * `clockTolerance`. Throws TOKEN_INVALID (malformed, alg "none", alg not
   * the key's, bad signature, revoked version), TOKEN_EXPIRED,
   * TOKEN_NOT_YET_VALID, TOKEN_CLAIM_MISMATCH, and KEY_NOT_FOUND or
   * WRONG_PURPOSE for a name in `options.key`. Policy operation "verify",
   * asked for every named key.
   */
  async verifyToken(token: string, options: VerifyTokenOptions): Promise<JwtClaims> {
    return verifyToken(this.#runtime, token, options);
  }

  /**
   * Exports the public keys of every primary and active version of a sign
   * key as a JWK Set, so verifiers follow rotations. HMAC keys throw
   * WRONG_PURPOSE: their secret is never published. Policy operation "verify".
   */
  async exportJwks(name: string): Promise<Jwks> {
    return exportJwks(this.#runtime, name);
  }

  /**
   * Exports keys with their secret material, sealed under `masterKey`, as
   * the text form of a keyset that KeyState.fromSealedKeyset opens. Only
   * primary and active versions go in. Policy operation "admin" on each key.
   * Throws UNSUPPORTED_FORMAT for keys held as non-extractable CryptoKeys.
   */
  async exportSealedKeyset(names: readonly string[], options: ExportKeysetOptions): Promise<string> {
    return exportSealedKeyset(this.#runtime, names, options);
  }

  /**
   * Loads every usable version of a key for the synchronous forms, and keeps
   * them loaded across rotations seen by this client. Needs any allowed operation.
   */
  async load(name: string): Promise<void> {
    return admin.load(this.#runtime, name);
  }

  /** Writes pending usage counters to the store now. */
  async flush(): Promise<void> {
    return this.#runtime.usage.flush();
  }

  /**
   * Flushes usage counters, wipes loaded material, closes the audit log it
   * opened (writing a final signed checkpoint) and closes the client (not the
   * store). A view from as() closes only itself.
   */
  async close(): Promise<void> {
    if (this.#runtime.closed) return;
    this.#runtime.closed = true;
    if (this.#isView) return;

    try {
      await this.#runtime.usage.flush();
    } finally {
      this.#runtime.usage.stop();
      this.#runtime.cache.clear();
      await this.#ownedLog?.close();
    }
  }

  toJSON(): { principal: string } {
    return { principal: this.#runtime.principal };
  }
}

function sealOptions(options: unknown): { context: EncryptionContext | undefined; chunkSize: number } {
  const { context, chunkSize } = optionsOf<SealOptions>(options);
  const size = chunkSize ?? DEFAULT_CHUNK_SIZE;

  if (!Number.isSafeInteger(size) || size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `chunkSize must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes, got ${String(chunkSize)}`,
    );
  }
  return { context: validateContext(context), chunkSize: size };
}

function nonNegative(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `options.${name} must be a number of milliseconds, 0 or more, got ${String(value)}`);
  }
  return value;
}
