import { KeyStateError } from "../errors.js";
import type { KeyStore, StoredKey, StoredMaterial } from "../backends/key-store.js";
import type { Engine } from "../crypto/engine.js";
import { engineFor } from "../crypto/engines.js";
import { encodeDirectHeaderPrefix } from "../format/header.js";
import type { KeyMaterial } from "../keys/material.js";
import type { KeyInfo, KeyVersionInfo } from "../keys/types.js";
import { isUsable, primaryVersion } from "../keys/versions.js";

/** One key in the client cache: metadata from the store and material loaded on first use. */
export class CachedKey {
  readonly info: KeyInfo;
  readonly revision: number;
  readonly engine: Engine;
  readonly primary: KeyVersionInfo;
  /** Milliseconds (client clock) when the entry was read or confirmed from the store. */
  fetchedAt: number;
  readonly #stored: Map<number, StoredMaterial>;
  readonly #loaded = new Map<number, KeyMaterial>();
  readonly #loading = new Map<number, Promise<KeyMaterial>>();
  readonly #byId = new Map<number, KeyVersionInfo>();
  readonly #headerPrefixes = new Map<number, Uint8Array>();

  constructor(stored: StoredKey, revision: number, fetchedAt: number, previous?: CachedKey) {
    this.info = stored.info;
    this.revision = revision;
    this.engine = engineFor(stored.info.algorithm);
    this.primary = primaryVersion(stored.info);
    this.fetchedAt = fetchedAt;
    this.#stored = new Map(stored.material);

    for (const version of stored.info.versions) {
      this.#byId.set(version.id, version);

      // Material of a version never changes, so what the previous entry
      // loaded carries over while the version is still usable.
      const carried = previous === undefined ? undefined : previous.#loaded.get(version.version);
      if (carried !== undefined && isUsable(version.status)) this.#loaded.set(version.version, carried);
    }
  }

  /** Returns the version with header id `id`, or undefined. */
  versionById(id: number): KeyVersionInfo | undefined {
    return this.#byId.get(id);
  }

  /** Returns the start of a direct ciphertext header (before the nonce) for `version`, computed once. */
  directHeaderPrefix(version: KeyVersionInfo): Uint8Array {
    let prefix = this.#headerPrefixes.get(version.version);
    if (prefix === undefined) {
      prefix = encodeDirectHeaderPrefix(this.info.algorithm, { name: this.info.name, id: version.id });
      this.#headerPrefixes.set(version.version, prefix);
    }
    return prefix;
  }

  /** Returns loaded material of `version`, or undefined when it has not been loaded. */
  loadedMaterial(version: number): KeyMaterial | undefined {
    return this.#loaded.get(version);
  }

  /** Loads the material of `version` once. Throws KEY_DESTROYED when the store has none left, STORE_CORRUPT. */
  material(version: KeyVersionInfo): Promise<KeyMaterial> {
    const loaded = this.#loaded.get(version.version);
    if (loaded !== undefined) return Promise.resolve(loaded);

    let loading = this.#loading.get(version.version);
    if (loading === undefined) {
      loading = this.#load(version);
      this.#loading.set(version.version, loading);
      loading.then(
        () => this.#loading.delete(version.version),
        () => this.#loading.delete(version.version),
      );
    }
    return loading;
  }

  /** Loads every usable version, for the synchronous forms. */
  async loadUsable(): Promise<void> {
    await Promise.all(this.info.versions.filter((version) => isUsable(version.status)).map((version) => this.material(version)));
  }

  /** Wipes loaded material of versions that `next` no longer uses. */
  releaseUnused(next: CachedKey | undefined): void {
    for (const [version, material] of this.#loaded) {
      if (next === undefined || next.#loaded.get(version) !== material) material.wipe();
    }
  }

  async #load(version: KeyVersionInfo): Promise<KeyMaterial> {
    const stored = this.#stored.get(version.version);
    if (stored === undefined) {
      throw new KeyStateError("KEY_DESTROYED", `version ${version.version} of key "${this.info.name}" has no material left`);
    }

    const material = await this.engine.load(stored);
    this.#loaded.set(version.version, material);
    // Raw bytes are dropped once imported; the store still has them.
    this.#stored.delete(version.version);
    return material;
  }
}

/**
 * The client's keys, read from the store and kept for `ttl` milliseconds.
 * After that the next operation reads the key from the store again: an
 * unchanged revision keeps the loaded material, a changed one takes the new
 * metadata, so rotations and revocations by other writers take effect within
 * `ttl`. Writes through this client update the cache at once.
 */
export class KeyCache {
  readonly #store: KeyStore;
  readonly #ttl: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, CachedKey>();
  readonly #reading = new Map<string, Promise<CachedKey | undefined>>();
  /** Keys that ks.load asked for: every usable version stays loaded across refreshes. */
  readonly #keepLoaded = new Set<string>();

  constructor(store: KeyStore, ttl: number, clock: () => number) {
    this.#store = store;
    this.#ttl = ttl;
    this.#clock = clock;
  }

  /** Returns the cached entry while it is fresh, without waiting. */
  peekFresh(name: string): CachedKey | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined || this.#clock() - entry.fetchedAt >= this.#ttl) return undefined;
    return entry;
  }

  /** Returns the cached entry whatever its age, for the synchronous forms. */
  peek(name: string): CachedKey | undefined {
    return this.#entries.get(name);
  }

  /** Returns the key, from the cache while fresh, else from the store; undefined when it does not exist. */
  get(name: string, options: { fresh?: boolean } = {}): Promise<CachedKey | undefined> {
    if (options.fresh !== true) {
      const entry = this.peekFresh(name);
      if (entry !== undefined) return Promise.resolve(entry);
    }

    let reading = this.#reading.get(name);
    if (reading === undefined) {
      reading = this.#read(name).finally(() => this.#reading.delete(name));
      this.#reading.set(name, reading);
    }
    return reading;
  }

  /**
   * Puts a key this client has just written or read. When ks.load asked for
   * the key, every usable version is loaded before the promise resolves.
   */
  async put(stored: StoredKey, revision: number): Promise<CachedKey> {
    const previous = this.#entries.get(stored.info.name);
    const entry = new CachedKey(stored, revision, this.#clock(), previous);
    previous?.releaseUnused(entry);
    this.#entries.set(stored.info.name, entry);

    if (this.#keepLoaded.has(stored.info.name)) await entry.loadUsable();
    return entry;
  }

  /** Loads every usable version of `name` now and after every later refresh; undefined when the key does not exist. */
  async load(name: string): Promise<CachedKey | undefined> {
    const entry = await this.get(name);
    if (entry === undefined) return undefined;

    this.#keepLoaded.add(name);
    await entry.loadUsable();
    return entry;
  }

  /** Wipes every loaded material and drops all keys from the cache. */
  clear(): void {
    for (const entry of this.#entries.values()) entry.releaseUnused(undefined);
    this.#entries.clear();
    this.#keepLoaded.clear();
  }

  async #read(name: string): Promise<CachedKey | undefined> {
    const read = await this.#store.getKey(name);
    const previous = this.#entries.get(name);

    if (read === undefined) {
      previous?.releaseUnused(undefined);
      this.#entries.delete(name);
      this.#keepLoaded.delete(name);
      return undefined;
    }

    if (previous !== undefined && previous.revision === read.revision) {
      previous.fetchedAt = this.#clock();
      return previous;
    }

    return this.put(read.value, read.revision);
  }
}
