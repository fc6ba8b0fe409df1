import { afterEach, describe, expect, it, vi } from "vitest";
import { deleteDB, openDB } from "idb";
import { IndexedDBStore, indexedDBAuditSink } from "../src/backends/indexeddb/index.js";
import type { StoreChange } from "../src/backends/indexeddb/index.js";
import type { StoredKey, StoredMaterial } from "../src/backends/key-store.js";
import type { AuditEntry } from "../src/audit/types.js";
import type { KeyAlgorithm, KeyInfo, KeyPurpose, KeyVersionStatus } from "../src/keys/types.js";

// Node has no IndexedDB: use fake-indexeddb there. Chromium runs these same
// tests against its real IndexedDB.
if (typeof indexedDB === "undefined") await import("fake-indexeddb/auto");

const databases: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

function databaseName(): string {
  const name = `keystate-test-${crypto.randomUUID()}`;
  databases.push(name);
  return name;
}

async function openStore(name: string): Promise<IndexedDBStore> {
  const store = await IndexedDBStore.open({ name });
  cleanups.push(() => store.close());
  return store;
}

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const name of databases.splice(0)) await deleteDB(name);
});

function keyInfo(name: string, purpose: KeyPurpose, algorithm: KeyAlgorithm, statuses: KeyVersionStatus[]): KeyInfo {
  return {
    name,
    purpose,
    algorithm,
    createdAt: 1_700_000_000_000,
    versions: statuses.map((status, index) => ({
      version: index + 1,
      id: 0x1000 + index,
      status,
      createdAt: 1_700_000_000_000 + index,
      updatedAt: 1_700_000_000_000 + index,
      usage: { operations: index, bytes: index * 100 },
    })),
  };
}

function storedKey(info: KeyInfo, material: Array<[number, StoredMaterial]>): StoredKey {
  return { info, material: new Map(material) };
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

function aesKey(extractable = false): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, extractable, ["encrypt", "decrypt"]);
}

/** Returns every value of every object store of database `name`, read straight through IndexedDB. */
async function readEveryStore(name: string): Promise<Record<string, unknown[]>> {
  const database = await openDB(name);
  const contents: Record<string, unknown[]> = {};
  try {
    for (const storeName of database.objectStoreNames) contents[storeName] = await database.getAll(storeName);
  } finally {
    database.close();
  }
  return contents;
}

/** Collects every CryptoKey and every byte sequence or string found anywhere inside `value`. */
function collect(value: unknown, found: { keys: CryptoKey[]; bytes: Uint8Array[]; strings: string[] }, seen = new Set<unknown>()): void {
  if (value === null || value === undefined) return;
  if (typeof value === "string") {
    found.strings.push(value);
    return;
  }
  if (typeof value !== "object" || seen.has(value)) return;
  seen.add(value);

  if (value instanceof CryptoKey) {
    found.keys.push(value);
    return;
  }
  if (value instanceof ArrayBuffer) {
    found.bytes.push(new Uint8Array(value));
    return;
  }
  if (ArrayBuffer.isView(value)) {
    found.bytes.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  for (const [key, inner] of value instanceof Map ? value.entries() : Object.entries(value)) {
    collect(key, found, seen);
    collect(inner, found, seen);
  }
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return true;
  }
  return false;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Returns true when any 8-byte window of `secret` occurs in `contents`: as
 * bytes, as hex, as base64 or base64url, as a Latin-1 string, or as an array
 * of numbers.
 */
function containsSecret(contents: unknown, secret: Uint8Array): boolean {
  const found = { keys: [] as CryptoKey[], bytes: [] as Uint8Array[], strings: [] as string[] };
  collect(contents, found);
  const numbers = found.bytes.concat(numberArrays(contents));

  for (let start = 0; start + 8 <= secret.length; start += 4) {
    const window = secret.subarray(start, start + 8);
    if (numbers.some((bytes) => containsBytes(bytes, window))) return true;

    const encodings = [toHex(window), String.fromCharCode(...window)];
    if (found.strings.some((text) => encodings.some((encoding) => text.toLowerCase().includes(encoding.toLowerCase())))) return true;
  }

  // Base64 does not align to 8-byte windows; look for the whole secret.
  const base64 = toBase64(secret).replace(/=+$/, "");
  const base64url = base64.replace(/\+/g, "-").replace(/\//g, "_");
  return found.strings.some((text) => text.includes(base64) || text.includes(base64url));
}

function numberArrays(value: unknown, seen = new Set<unknown>()): Uint8Array[] {
  if (typeof value !== "object" || value === null || seen.has(value)) return [];
  seen.add(value);

  if (Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item) && item >= 0 && item < 256)) {
    return [Uint8Array.from(value as number[])];
  }
  return Object.values(value).flatMap((inner) => numberArrays(inner, seen));
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? `not a KeyStateError: ${String(error)}`;
  }
}

async function ed25519Pair(): Promise<CryptoKeyPair | undefined> {
  try {
    return (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  } catch {
    return undefined;
  }
}

describe("IndexedDBStore round trip", () => {
  it("returns raw material as written", async () => {
    const store = await openStore(databaseName());
    const first = randomBytes(32);
    const second = randomBytes(32);
    const info = keyInfo("notes", "encrypt", "XCHACHA20-POLY1305", ["active", "primary"]);

    const revision = await store.putKey(storedKey(info, [[1, { type: "raw", bytes: first }], [2, { type: "raw", bytes: second }]]), null);
    const read = await store.getKey("notes");

    expect(revision).toBe(1);
    expect(read?.revision).toBe(1);
    expect(read?.value.info).toEqual(info);
    expect(read?.value.material.get(1)).toEqual({ type: "raw", bytes: first });
    expect(read?.value.material.get(2)).toEqual({ type: "raw", bytes: second });
  });

  it("returns a working AES-GCM CryptoKey", async () => {
    const store = await openStore(databaseName());
    const key = await aesKey();
    await store.putKey(storedKey(keyInfo("aes", "encrypt", "AES-256-GCM", ["primary"]), [[1, { type: "cryptoKey", key }]]), null);

    const read = await store.getKey("aes");
    const material = read?.value.material.get(1);
    expect(material?.type).toBe("cryptoKey");

    const iv = randomBytes(12);
    const plaintext = new TextEncoder().encode("the same key reads what the original wrote");
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plaintext);
    const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, (material as { key: CryptoKey }).key, sealed);
    expect(new Uint8Array(opened)).toEqual(plaintext);
  });

  it("returns working ECDSA and HMAC keys", async () => {
    const store = await openStore(databaseName());
    const ecdsa = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    await store.putKey(
      storedKey(keyInfo("signer", "sign", "ECDSA-P256", ["primary"]), [[1, { type: "cryptoKey", key: ecdsa.privateKey, publicKey: ecdsa.publicKey }]]),
      null,
    );
    await store.putKey(storedKey(keyInfo("mac", "mac", "HMAC-SHA256", ["primary"]), [[1, { type: "cryptoKey", key: hmac }]]), null);

    const message = randomBytes(64);
    const signer = (await store.getKey("signer"))?.value.material.get(1) as { key: CryptoKey; publicKey: CryptoKey };
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer.key, message);
    expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecdsa.publicKey, signature, message)).toBe(true);
    expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, signer.publicKey, signature, message)).toBe(true);

    const mac = (await store.getKey("mac"))?.value.material.get(1) as { key: CryptoKey };
    const tag = await crypto.subtle.sign("HMAC", hmac, message);
    expect(await crypto.subtle.verify("HMAC", mac.key, tag, message)).toBe(true);
  });

  it("returns a working Ed25519 key where WebCrypto has one", async (context) => {
    const pair = await ed25519Pair();
    if (pair === undefined) return context.skip("this runtime's WebCrypto has no Ed25519");

    const store = await openStore(databaseName());
    await store.putKey(
      storedKey(keyInfo("ed", "sign", "ED25519", ["primary"]), [[1, { type: "cryptoKey", key: pair.privateKey, publicKey: pair.publicKey }]]),
      null,
    );

    const message = randomBytes(40);
    const read = (await store.getKey("ed"))?.value.material.get(1) as { key: CryptoKey };
    const signature = await crypto.subtle.sign("Ed25519", read.key, message);
    expect(await crypto.subtle.verify("Ed25519", pair.publicKey, signature, message)).toBe(true);
  });

  it("omits material of destroyed versions and lists metadata", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("rotated", "encrypt", "XCHACHA20-POLY1305", ["destroyed", "primary"]);
    await store.putKey(storedKey(info, [[2, { type: "raw", bytes: randomBytes(32) }]]), null);

    const read = await store.getKey("rotated");
    expect([...(read?.value.material.keys() ?? [])]).toEqual([2]);
    expect(await store.listKeys()).toEqual([info]);
  });

  it("accepts names the library reserves", async () => {
    const store = await openStore(databaseName());
    const seed = randomBytes(32);
    await store.putKey(storedKey(keyInfo("__audit", "sign", "ED25519", ["primary"]), [[1, { type: "raw", bytes: seed }]]), null);

    expect((await store.getKey("__audit"))?.value.material.get(1)).toEqual({ type: "raw", bytes: seed });
  });

  it("returns undefined for a missing key or document", async () => {
    const store = await openStore(databaseName());
    expect(await store.getKey("absent")).toBeUndefined();
    expect(await store.getDocument("absent")).toBeUndefined();
  });

  it("round-trips a JSON document as a copy", async () => {
    const store = await openStore(databaseName());
    const policy = { rules: [{ principal: "app", operations: ["encrypt"] }] };

    expect(await store.putDocument("policy", policy, null)).toBe(1);
    policy.rules.length = 0;

    expect(await store.getDocument("policy")).toEqual({
      value: { rules: [{ principal: "app", operations: ["encrypt"] }] },
      revision: 1,
    });
  });
});

describe("IndexedDBStore compare-and-swap", () => {
  it("increments the revision on each write", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]);

    expect(await store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), null)).toBe(1);
    expect(await store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), 1)).toBe(2);
    expect(await store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), 2)).toBe(3);
  });

  it("rejects a stale revision with CONFLICT and keeps the key", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]);
    const kept = randomBytes(32);
    await store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), null);
    await store.putKey(storedKey(info, [[1, { type: "raw", bytes: kept }]]), 1);

    expect(await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), 1))).toBe("CONFLICT");
    expect(await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), null))).toBe("CONFLICT");

    const read = await store.getKey("k");
    expect(read?.revision).toBe(2);
    expect(read?.value.material.get(1)).toEqual({ type: "raw", bytes: kept });
  });

  it("rejects an update of a missing key with CONFLICT", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]);

    expect(await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), 4))).toBe("CONFLICT");
    expect(await store.getKey("k")).toBeUndefined();
  });

  it("rejects a stale document revision with CONFLICT", async () => {
    const store = await openStore(databaseName());
    await store.putDocument("policy", { version: 1 }, null);
    await store.putDocument("policy", { version: 2 }, 1);

    expect(await codeOf(store.putDocument("policy", { version: 3 }, 1))).toBe("CONFLICT");
    expect(await store.getDocument("policy")).toEqual({ value: { version: 2 }, revision: 2 });
  });

  it("lets one of two racing connections win", async () => {
    const name = databaseName();
    const first = await openStore(name);
    const second = await openStore(name);
    const info = keyInfo("shared", "encrypt", "XCHACHA20-POLY1305", ["primary"]);
    await first.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), null);

    const fromFirst = randomBytes(32);
    const fromSecond = randomBytes(32);
    const results = await Promise.allSettled([
      first.putKey(storedKey(info, [[1, { type: "raw", bytes: fromFirst }]]), 1),
      second.putKey(storedKey(info, [[1, { type: "raw", bytes: fromSecond }]]), 1),
    ]);

    const fulfilled = results.filter((result) => result.status === "fulfilled");
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0]?.reason as { code?: string }).code).toBe("CONFLICT");

    const winner = results[0]?.status === "fulfilled" ? fromFirst : fromSecond;
    const read = await second.getKey("shared");
    expect(read?.revision).toBe(2);
    expect(read?.value.material.get(1)).toEqual({ type: "raw", bytes: winner });
  });

  it("loses no update when two connections retry", async () => {
    const name = databaseName();
    const stores = [await openStore(name), await openStore(name)];
    await stores[0]!.putDocument("counter", { count: 0 }, null);
    const rounds = 8;

    async function increment(store: IndexedDBStore): Promise<void> {
      for (;;) {
        const current = await store.getDocument("counter");
        const count = (current?.value as { count: number }).count;
        try {
          await store.putDocument("counter", { count: count + 1 }, current!.revision);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== "CONFLICT") throw error;
        }
      }
    }

    await Promise.all(stores.map(async (store) => {
      for (let round = 0; round < rounds; round++) await increment(store);
    }));

    expect(await stores[1]!.getDocument("counter")).toEqual({ value: { count: 2 * rounds }, revision: 2 * rounds + 1 });
  });
});

describe("IndexedDBStore material at rest", () => {
  it("keeps raw key bytes out of every object store", async () => {
    const name = databaseName();
    const store = await openStore(name);
    const secrets = [randomBytes(32), randomBytes(32), randomBytes(32)];
    await store.putKey(
      storedKey(keyInfo("xchacha", "encrypt", "XCHACHA20-POLY1305", ["active", "primary"]), [
        [1, { type: "raw", bytes: secrets[0]! }],
        [2, { type: "raw", bytes: secrets[1]! }],
      ]),
      null,
    );
    await store.putKey(storedKey(keyInfo("seed", "sign", "ED25519", ["primary"]), [[1, { type: "raw", bytes: secrets[2]! }]]), null);

    const contents = await readEveryStore(name);

    expect(Object.keys(contents).sort()).toEqual(["audit-events", "documents", "keys", "wrapping-keys"]);
    for (const secret of secrets) expect(containsSecret(contents, secret)).toBe(false);
  });

  it("finds raw bytes when a store holds them", () => {
    // The search of the test above must be able to fail.
    const secret = randomBytes(32);
    expect(containsSecret({ record: { material: [{ bytes: secret.slice() }] } }, secret)).toBe(true);
    expect(containsSecret({ text: toHex(secret) }, secret)).toBe(true);
    expect(containsSecret({ text: toBase64(secret) }, secret)).toBe(true);
    expect(containsSecret({ numbers: Array.from(secret) }, secret)).toBe(true);
  });

  it("stores only non-extractable secret and private CryptoKeys", async () => {
    const name = databaseName();
    const store = await openStore(name);
    const ecdsa = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    await store.putKey(storedKey(keyInfo("aes", "encrypt", "AES-256-GCM", ["primary"]), [[1, { type: "cryptoKey", key: await aesKey() }]]), null);
    await store.putKey(
      storedKey(keyInfo("signer", "sign", "ECDSA-P256", ["primary"]), [[1, { type: "cryptoKey", key: ecdsa.privateKey, publicKey: ecdsa.publicKey }]]),
      null,
    );
    await store.putKey(storedKey(keyInfo("raw", "encrypt", "XCHACHA20-POLY1305", ["primary"]), [[1, { type: "raw", bytes: randomBytes(32) }]]), null);

    const found = { keys: [] as CryptoKey[], bytes: [] as Uint8Array[], strings: [] as string[] };
    collect(await readEveryStore(name), found);
    const secretKeys = found.keys.filter((key) => key.type !== "public");

    // The AES key, the ECDSA private key and the wrapping key of the raw key.
    expect(secretKeys).toHaveLength(3);
    for (const key of secretKeys) {
      expect(key.extractable).toBe(false);
      await expect(crypto.subtle.exportKey("jwk", key)).rejects.toThrow();
    }

    const read = (await store.getKey("aes"))?.value.material.get(1) as { key: CryptoKey };
    await expect(crypto.subtle.exportKey("raw", read.key)).rejects.toThrow();
  });

  it("rejects an extractable CryptoKey with INVALID_ARGUMENT", async () => {
    const store = await openStore(databaseName());
    const key = await aesKey(true);

    const code = await codeOf(store.putKey(storedKey(keyInfo("aes", "encrypt", "AES-256-GCM", ["primary"]), [[1, { type: "cryptoKey", key }]]), null));

    expect(code).toBe("INVALID_ARGUMENT");
    expect(await store.getKey("aes")).toBeUndefined();
  });

  it("rejects sealed material moved to another key", async () => {
    const name = databaseName();
    const store = await openStore(name);
    const info = (keyName: string) => keyInfo(keyName, "encrypt", "XCHACHA20-POLY1305", ["primary"]);
    await store.putKey(storedKey(info("one"), [[1, { type: "raw", bytes: randomBytes(32) }]]), null);
    await store.putKey(storedKey(info("two"), [[1, { type: "raw", bytes: randomBytes(32) }]]), null);

    const database = await openDB(name);
    const one = await database.get("keys", "one");
    const two = await database.get("keys", "two");
    await database.put("keys", { ...two, material: one.material });
    database.close();

    expect(await codeOf(store.getKey("two"))).toBe("STORE_CORRUPT");
  });
});

describe("IndexedDBStore input checks", () => {
  it("rejects bad names and material with INVALID_ARGUMENT", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]);

    expect(await codeOf(store.getKey(""))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.getKey("x".repeat(1025)))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.getDocument(42 as unknown as string))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.putKey(storedKey(info, [[2, { type: "raw", bytes: randomBytes(32) }]]), null))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: new Uint8Array(0) }]]), null))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), -1))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(store.putDocument("policy", () => 1, null))).toBe("INVALID_ARGUMENT");
  });

  it("rejects calls after close with NOT_READY", async () => {
    const store = await IndexedDBStore.open({ name: databaseName() });
    await store.close();

    expect(await codeOf(store.listKeys())).toBe("NOT_READY");
  });
});

describe("IndexedDBStore schema upgrade", () => {
  it("upgrades a version 1 database and keeps its data", async () => {
    const name = databaseName();
    // The layout of schema version 1, written out independently of schema.ts.
    const old = await openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore("keys", { keyPath: "name" });
        database.createObjectStore("documents", { keyPath: "name" });
        database.createObjectStore("wrapping-keys", { keyPath: "id" });
      },
    });
    await old.put("documents", { name: "policy", revision: 3, value: { rules: ["kept"] } });
    old.close();

    const store = await openStore(name);

    expect(await store.getDocument("policy")).toEqual({ value: { rules: ["kept"] }, revision: 3 });
    const contents = await readEveryStore(name);
    expect(Object.keys(contents).sort()).toEqual(["audit-events", "documents", "keys", "wrapping-keys"]);
  });
});

describe("IndexedDBStore storage failures", () => {
  it("reports missing IndexedDB as STORAGE_UNAVAILABLE", async () => {
    vi.stubGlobal("indexedDB", undefined);

    expect(await codeOf(IndexedDBStore.open({ name: databaseName() }))).toBe("STORAGE_UNAVAILABLE");
  });

  it("reports a refused open as STORAGE_UNAVAILABLE", async () => {
    vi.stubGlobal("indexedDB", {
      open() {
        throw new DOMException("The user denied permission to access the database.", "SecurityError");
      },
    });

    expect(await codeOf(IndexedDBStore.open({ name: databaseName() }))).toBe("STORAGE_UNAVAILABLE");
  });

  it("reports a blocked upgrade as UPGRADE_BLOCKED", async () => {
    const name = databaseName();
    // An old connection that ignores versionchange, like a tab running an
    // older release that never closes its connection.
    const old = await openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore("keys", { keyPath: "name" });
        database.createObjectStore("documents", { keyPath: "name" });
        database.createObjectStore("wrapping-keys", { keyPath: "id" });
      },
    });
    cleanups.push(() => old.close());

    expect(await codeOf(IndexedDBStore.open({ name }))).toBe("UPGRADE_BLOCKED");

    old.close();
    const store = await openStore(name);
    expect(await store.listKeys()).toEqual([]);
  });

  it("reports a full quota as QUOTA_EXCEEDED and keeps the key", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]);
    const kept = randomBytes(32);
    await store.putKey(storedKey(info, [[1, { type: "raw", bytes: kept }]]), null);

    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    };
    cleanups.push(() => {
      IDBObjectStore.prototype.put = put;
    });

    const code = await codeOf(store.putKey(storedKey(info, [[1, { type: "raw", bytes: randomBytes(32) }]]), 1));
    IDBObjectStore.prototype.put = put;

    expect(code).toBe("QUOTA_EXCEEDED");
    const read = await store.getKey("k");
    expect(read?.revision).toBe(1);
    expect(read?.value.material.get(1)).toEqual({ type: "raw", bytes: kept });
  });

  it("restores the key when a CryptoKey is not kept", async () => {
    const store = await openStore(databaseName());
    const info = keyInfo("aes", "encrypt", "AES-256-GCM", ["primary"]);
    const original = await aesKey();
    await store.putKey(storedKey(info, [[1, { type: "cryptoKey", key: original }]]), null);

    // Imitates browsers that store a CryptoKey as an empty object.
    const dropped = await aesKey();
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const record = value as { material?: Array<{ key?: unknown }> };
      const material = record.material?.map((entry) => (entry.key === dropped ? { ...entry, key: {} } : entry));
      return put.call(this, material === undefined ? value : { ...record, material }, key);
    };
    cleanups.push(() => {
      IDBObjectStore.prototype.put = put;
    });

    const code = await codeOf(store.putKey(storedKey(info, [[1, { type: "cryptoKey", key: dropped }]]), 1));
    IDBObjectStore.prototype.put = put;

    expect(code).toBe("STORAGE_UNAVAILABLE");
    const read = await store.getKey("aes");
    expect(read?.revision).toBe(1);
    const iv = randomBytes(12);
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, original, new Uint8Array([1, 2, 3]));
    const restored = (read?.value.material.get(1) as { key: CryptoKey }).key;
    expect(new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, restored, sealed))).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe("IndexedDBStore across tabs", () => {
  it("announces writes to other store objects", async () => {
    const name = databaseName();
    const writer = await openStore(name);
    const reader = await openStore(name);
    const seenByReader: StoreChange[] = [];
    const seenByWriter: StoreChange[] = [];
    const received = new Promise<void>((resolve) => {
      reader.onChange((change) => {
        seenByReader.push(change);
        resolve();
      });
    });
    writer.onChange((change) => seenByWriter.push(change));

    await writer.putKey(storedKey(keyInfo("k", "encrypt", "XCHACHA20-POLY1305", ["primary"]), [[1, { type: "raw", bytes: randomBytes(32) }]]), null);
    await received;

    expect(seenByReader).toEqual([{ kind: "key", name: "k", revision: 1, source: "other" }]);
    expect(seenByWriter).toEqual([{ kind: "key", name: "k", revision: 1, source: "self" }]);
  });

  it("waits for the Web Lock before writing", async (context) => {
    if (typeof navigator === "undefined" || navigator.locks === undefined) return context.skip("no Web Locks in this runtime");

    const name = databaseName();
    const store = await openStore(name);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let acquired!: () => void;
    const lockAcquired = new Promise<void>((resolve) => {
      acquired = resolve;
    });
    const holder = navigator.locks.request(`keystate-idb:${name}`, async () => {
      acquired();
      await held;
    });
    await lockAcquired;

    let settled = false;
    const write = store.putDocument("policy", { held: true }, null).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(settled).toBe(false);
    expect(await store.getDocument("policy")).toBeUndefined();

    release();
    await holder;
    expect(await write).toBe(1);
  });
});

describe("indexedDBAuditSink", () => {
  function entry(seq: number): AuditEntry {
    return {
      seq,
      time: 1_700_000_000_000 + seq,
      principal: "app",
      operation: "encrypt",
      outcome: "success",
      requestId: `request-${seq}`,
      key: "notes",
      version: 1,
      prev: "0".repeat(64),
      hash: seq.toString(16).padStart(64, "0"),
    };
  }

  it("reads back appended batches in order", async () => {
    const name = databaseName();
    const sink = indexedDBAuditSink({ name });
    cleanups.push(() => sink.close());

    await sink.write([entry(0), entry(1)]);
    await sink.write([]);
    await sink.write([entry(2)]);

    expect(await sink.read()).toEqual([entry(0), entry(1), entry(2)]);
  });

  it("shares the database with the store", async () => {
    const name = databaseName();
    const store = await openStore(name);
    const sink = indexedDBAuditSink({ name });
    cleanups.push(() => sink.close());

    await sink.write([entry(0)]);
    await store.putDocument("policy", { rules: [] }, null);

    const contents = await readEveryStore(name);
    expect(contents["audit-events"]).toHaveLength(1);
    expect(contents.documents).toHaveLength(1);
  });
});
