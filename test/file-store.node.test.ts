import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { scrypt } from "@noble/hashes/scrypt.js";
import { FileStore } from "../src/backends/file-store.js";
import {
  deriveWithNodeCrypto,
  entryMac,
  listFilesRecursively,
  makeTemporaryDirectory,
  materialAssociatedData,
  openMaterial,
  rawBytes,
  removeDirectory,
  sampleKey,
  sealMaterial,
} from "./fixtures/file-store-helpers.js";

const HEADER = "keystate-store.json";

let directory: string;
let masterKey: Uint8Array;

beforeEach(async () => {
  directory = await makeTemporaryDirectory();
  masterKey = new Uint8Array(randomBytes(32));
});

afterEach(async () => {
  await removeDirectory(directory);
});

function openStore(options: { create?: boolean; lockTimeoutMs?: number } = { create: true }): Promise<FileStore> {
  return FileStore.open(directory, { masterKey }, options);
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

async function storeId(): Promise<string> {
  return (await readJson(join(directory, HEADER))).storeId as string;
}

describe("FileStore round trip", () => {
  it("returns a key as it was written", async () => {
    const store = await openStore();
    const key = sampleKey("orders", 2);

    const revision = await store.putKey(key, null);
    const read = await store.getKey("orders");

    expect(revision).toBe(1);
    expect(read?.revision).toBe(1);
    expect(read?.value.info).toEqual(key.info);
    expect(rawBytes(read?.value.material.get(1))).toEqual(rawBytes(key.material.get(1)));
    expect(rawBytes(read?.value.material.get(2))).toEqual(rawBytes(key.material.get(2)));
    expect(read?.value.material.size).toBe(2);
  });

  it("keeps keys and documents across reopening", async () => {
    const first = await openStore();
    const key = sampleKey("billing");
    await first.putKey(key, null);
    await first.putDocument("policy", { rules: [{ id: "r1", allow: true }] }, null);
    await first.close();

    const second = await openStore({ create: false });

    expect((await second.getKey("billing"))?.value.info).toEqual(key.info);
    expect(await second.getDocument("policy")).toEqual({ value: { rules: [{ id: "r1", allow: true }] }, revision: 1 });
  });

  it("increments the revision on each write", async () => {
    const store = await openStore();
    const key = sampleKey("orders");

    const first = await store.putKey(key, null);
    const second = await store.putKey(key, first);
    const third = await store.putKey(key, second);

    expect([first, second, third]).toEqual([1, 2, 3]);
    expect((await store.getKey("orders"))?.revision).toBe(3);
  });

  it("drops material of a version removed from the map", async () => {
    const store = await openStore();
    const key = sampleKey("orders", 2);
    await store.putKey(key, null);

    const info = { ...key.info, versions: key.info.versions.map((v) => (v.version === 1 ? { ...v, status: "destroyed" as const } : v)) };
    await store.putKey({ info, material: new Map([[2, key.material.get(2)!]]) }, 1);
    const read = await store.getKey("orders");

    expect(read?.value.material.has(1)).toBe(false);
    expect(read?.value.info.versions[0]?.status).toBe("destroyed");
  });

  it("lists keys sorted by name", async () => {
    const store = await openStore();
    for (const name of ["zeta", "Alpha", "mid/dle", "ünïcode"]) await store.putKey(sampleKey(name), null);

    const names = (await store.listKeys()).map((info) => info.name);

    expect(names).toEqual(["Alpha", "mid/dle", "zeta", "ünïcode"]);
  });

  it("keeps names differing only in case apart", async () => {
    const store = await openStore();
    await store.putKey(sampleKey("Orders"), null);
    await store.putKey(sampleKey("orders"), null);

    const files = await listFilesRecursively(join(directory, "keys"));

    expect(files.map((path) => path.slice(directory.length + 1)).sort()).toEqual(["keys/%4frders.json", "keys/orders.json"]);
  });

  it("returns undefined for a missing key and document", async () => {
    const store = await openStore();

    expect(await store.getKey("missing")).toBeUndefined();
    expect(await store.getDocument("missing")).toBeUndefined();
    expect(await store.listKeys()).toEqual([]);
  });

  it("reports no CryptoKey capability", async () => {
    const store = await openStore();

    expect(store.capabilities.cryptoKeys).toBe(false);
  });

  it("rejects CryptoKey material", async () => {
    const store = await openStore();
    const cryptoKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const key = sampleKey("webcrypto");

    const write = store.putKey({ info: key.info, material: new Map([[1, { type: "cryptoKey", key: cryptoKey }]]) }, null);

    await expect(write).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("rejects material for a destroyed version", async () => {
    const store = await openStore();
    const key = sampleKey("orders");
    const info = { ...key.info, versions: [{ ...key.info.versions[0]!, status: "destroyed" as const }] };

    await expect(store.putKey({ info, material: key.material }, null)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("rejects calls after close", async () => {
    const store = await openStore();
    await store.close();

    await expect(store.getKey("orders")).rejects.toMatchObject({ code: "NOT_READY" });
  });
});

describe("FileStore compare-and-swap", () => {
  it("rejects creating a key that exists", async () => {
    const store = await openStore();
    await store.putKey(sampleKey("orders"), null);

    await expect(store.putKey(sampleKey("orders"), null)).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("rejects a stale revision and keeps the newer key", async () => {
    const store = await openStore();
    const original = sampleKey("orders");
    await store.putKey(original, null);
    const newer = sampleKey("orders");
    await store.putKey(newer, 1);

    await expect(store.putKey(sampleKey("orders"), 1)).rejects.toMatchObject({ code: "CONFLICT" });
    const read = await store.getKey("orders");
    expect(read?.revision).toBe(2);
    expect(rawBytes(read?.value.material.get(1))).toEqual(rawBytes(newer.material.get(1)));
  });

  it("rejects a revision for a missing key", async () => {
    const store = await openStore();

    await expect(store.putKey(sampleKey("orders"), 1)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await store.getKey("orders")).toBeUndefined();
  });

  it("applies the same rule to documents", async () => {
    const store = await openStore();
    await store.putDocument("audit-state", { head: "a" }, null);
    await store.putDocument("audit-state", { head: "b" }, 1);

    await expect(store.putDocument("audit-state", { head: "c" }, 1)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(store.putDocument("audit-state", { head: "c" }, null)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await store.getDocument("audit-state")).toEqual({ value: { head: "b" }, revision: 2 });
  });

  it("lets exactly one of two concurrent creators win", async () => {
    const first = await openStore();
    const second = await openStore({ create: false });

    const results = await Promise.allSettled([first.putKey(sampleKey("race"), null), second.putKey(sampleKey("race"), null)]);

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((result) => result.status === "rejected" && result.reason.code === "CONFLICT")).toHaveLength(1);
  });

  it("rejects an invalid expected revision", async () => {
    const store = await openStore();

    await expect(store.putKey(sampleKey("orders"), 0)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(store.putKey(sampleKey("orders"), 1.5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("FileStore opening", () => {
  it("rejects a missing store without create", async () => {
    await expect(openStore({ create: false })).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
  });

  it("refuses to create a store in a directory with other files", async () => {
    await writeFile(join(directory, "notes.txt"), "hello");

    await expect(openStore()).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("creates the directory when it is missing", async () => {
    const nested = join(directory, "a", "b");

    await FileStore.open(nested, { masterKey }, { create: true });

    expect(await FileStore.exists(nested)).toBe(true);
  });

  // Node's recursive mkdir never settles under /proc; the store must fail fast.
  it("rejects a directory it cannot create", async () => {
    const opening = FileStore.open("/proc/keystate-test/store", { masterKey }, { create: true });

    await expect(opening).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("rejects a master key of the wrong length", async () => {
    await expect(FileStore.open(directory, { masterKey: new Uint8Array(16) }, { create: true })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("rejects a wrong master key with WRONG_PASSPHRASE", async () => {
    await openStore();

    const reopen = FileStore.open(directory, { masterKey: new Uint8Array(randomBytes(32)) });

    await expect(reopen).rejects.toMatchObject({ code: "WRONG_PASSPHRASE" });
  });

  it("rejects a passphrase for a store made with a master key", async () => {
    await openStore();

    await expect(FileStore.open(directory, { passphrase: "secret words" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("FileStore passphrases", () => {
  it("opens with the right passphrase only", async () => {
    const created = await FileStore.open(directory, { passphrase: "correct horse" }, { create: true, scryptLogN: 10 });
    await created.putKey(sampleKey("orders"), null);

    const reopened = await FileStore.open(directory, { passphrase: "correct horse" });
    const wrong = FileStore.open(directory, { passphrase: "correct horsf" });

    expect((await reopened.getKey("orders"))?.revision).toBe(1);
    await expect(wrong).rejects.toMatchObject({ code: "WRONG_PASSPHRASE" });
  });

  it("derives the master key with scrypt N=2^17 r=8 p=1 by default", async () => {
    await FileStore.open(directory, { passphrase: "correct horse" }, { create: true });
    const kdf = (await readJson(join(directory, HEADER))).kdf as Record<string, unknown>;

    const expectedKey = scrypt("correct horse", Buffer.from(kdf.salt as string, "base64url"), { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    const opened = await FileStore.open(directory, { masterKey: expectedKey });

    expect(kdf).toMatchObject({ name: "scrypt", N: 131072, r: 8, p: 1 });
    expect(opened.directory).toBe(directory);
  });

  it("normalizes the passphrase to NFC", async () => {
    await FileStore.open(directory, { passphrase: "caf\u00e9" }, { create: true, scryptLogN: 10 });

    const opened = await FileStore.open(directory, { passphrase: "cafe\u0301" });

    expect(opened.directory).toBe(directory);
  });

  it("writes neither the passphrase nor the master key to disk", async () => {
    const passphrase = "unmistakable-passphrase-1234";
    await FileStore.open(directory, { passphrase }, { create: true, scryptLogN: 10 });
    const kdf = (await readJson(join(directory, HEADER))).kdf as Record<string, unknown>;
    const derived = scrypt(passphrase, Buffer.from(kdf.salt as string, "base64url"), { N: 2 ** 10, r: 8, p: 1, dkLen: 32 });

    const contents = await Promise.all((await listFilesRecursively(directory)).map((path) => readFile(path)));

    for (const content of contents) {
      expect(content.includes(Buffer.from(passphrase))).toBe(false);
      expect(content.includes(Buffer.from(derived))).toBe(false);
      expect(content.includes(Buffer.from(Buffer.from(derived).toString("base64url")))).toBe(false);
    }
  });
});

describe("FileStore sealing", () => {
  it("writes no key material to disk in any encoding", async () => {
    const store = await openStore();
    const keys = [sampleKey("orders", 3), sampleKey("billing", 2), sampleKey("Ünïcode name", 1)];
    for (const key of keys) await store.putKey(key, null);
    await store.putKey(keys[0]!, 1);
    await store.putDocument("policy", { rules: [] }, null);

    const contents = await Promise.all((await listFilesRecursively(directory)).map((path) => readFile(path)));
    const material = keys.flatMap((key) => [...key.material.values()].map(rawBytes));

    expect(contents.length).toBeGreaterThanOrEqual(5);
    for (const bytes of [...material, masterKey]) {
      const raw = Buffer.from(bytes);
      for (const encoded of [raw, raw.toString("hex"), raw.toString("base64"), raw.toString("base64url")]) {
        for (const content of contents) expect(content.includes(encoded)).toBe(false);
      }
    }
  });

  it("seals material with AES-256-GCM bound to store, name and version", async () => {
    const store = await openStore();
    const key = sampleKey("orders", 2);
    await store.putKey(key, null);
    const id = await storeId();
    const file = await readJson(join(directory, "keys", "orders.json"));
    const records = file.material as { version: number; iv: string; ciphertext: string }[];
    const sealKey = deriveWithNodeCrypto(masterKey, id, "seal");

    const opened = records.map((record) =>
      openMaterial(sealKey, record.iv, record.ciphertext, materialAssociatedData(id, "orders", record.version)),
    );

    expect(records.map((record) => record.version)).toEqual([1, 2]);
    expect(new Uint8Array(opened[0]!)).toEqual(rawBytes(key.material.get(1)));
    expect(new Uint8Array(opened[1]!)).toEqual(rawBytes(key.material.get(2)));
    expect(() => openMaterial(sealKey, records[0]!.iv, records[0]!.ciphertext, materialAssociatedData(id, "orders", 2))).toThrow();
  });

  it("authenticates entry files with HMAC-SHA256", async () => {
    const store = await openStore();
    await store.putDocument("policy", { rules: [] }, null);
    const id = await storeId();
    const { mac, ...body } = await readJson(join(directory, "documents", "policy.json"));

    expect(mac).toBe(entryMac(deriveWithNodeCrypto(masterKey, id, "mac"), id, body));
  });
});

describe("FileStore damaged files", () => {
  async function storeWithOneKey(): Promise<FileStore> {
    const store = await openStore();
    await store.putKey(sampleKey("orders", 2), null);
    await store.putDocument("policy", { rules: [] }, null);
    return store;
  }

  it("reports a truncated header as STORE_CORRUPT", async () => {
    await storeWithOneKey();
    const path = join(directory, HEADER);
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.length / 2));

    await expect(openStore({ create: false })).rejects.toMatchObject({ code: "STORE_CORRUPT", message: expect.stringContaining(path) });
  });

  it("reports an altered header byte as STORE_CORRUPT", async () => {
    await storeWithOneKey();
    const path = join(directory, HEADER);
    const header = await readJson(path);
    const keyCheck = Buffer.from(header.keyCheck as string, "base64url");
    keyCheck[0]! ^= 1;
    await writeFile(path, JSON.stringify({ ...header, keyCheck: keyCheck.toString("base64url") }));

    await expect(openStore({ create: false })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports an invalid header version as STORE_CORRUPT", async () => {
    await storeWithOneKey();
    const path = join(directory, HEADER);
    await writeFile(path, JSON.stringify({ ...(await readJson(path)), version: "one" }));

    await expect(openStore({ create: false })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports an empty header as STORE_CORRUPT", async () => {
    await storeWithOneKey();
    await writeFile(join(directory, HEADER), "");

    await expect(openStore({ create: false })).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports a truncated key file as STORE_CORRUPT naming it", async () => {
    const store = await storeWithOneKey();
    const path = join(directory, "keys", "orders.json");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.length - 20));

    await expect(store.getKey("orders")).rejects.toMatchObject({ code: "STORE_CORRUPT", message: expect.stringContaining(path) });
    await expect(store.listKeys()).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports an edited key status as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    const path = join(directory, "keys", "orders.json");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"status": "active"', '"status": "primary"'));

    expect(text).toContain('"status": "active"');
    await expect(store.getKey("orders")).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports flipped ciphertext as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    const path = join(directory, "keys", "orders.json");
    const file = await readJson(path);
    const records = file.material as { ciphertext: string }[];
    const bytes = Buffer.from(records[0]!.ciphertext, "base64url");
    bytes[3]! ^= 0x80;
    records[0]!.ciphertext = bytes.toString("base64url");
    await writeFile(path, JSON.stringify(file));

    await expect(store.getKey("orders")).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports sealed material failing authentication under a valid MAC", async () => {
    const store = await storeWithOneKey();
    const id = await storeId();
    const path = join(directory, "keys", "orders.json");
    const { mac: _mac, ...body } = await readJson(path);
    // Material sealed for version 2 placed under version 1: the file's MAC is
    // recomputed, so only the AES-GCM associated data can catch it.
    const sealKey = deriveWithNodeCrypto(masterKey, id, "seal");
    const swapped = sealMaterial(sealKey, new Uint8Array(32), materialAssociatedData(id, "orders", 2));
    const tampered = { ...body, material: [{ version: 1, ...swapped }] };
    const mac = entryMac(deriveWithNodeCrypto(masterKey, id, "mac"), id, tampered);
    await writeFile(path, JSON.stringify({ ...tampered, mac }));

    await expect(store.getKey("orders")).rejects.toMatchObject({
      code: "STORE_CORRUPT",
      message: expect.stringContaining("version 1 fails authentication"),
    });
  });

  it("reports a key file copied over another as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    await store.putKey(sampleKey("billing"), null);
    await writeFile(join(directory, "keys", "billing.json"), await readFile(join(directory, "keys", "orders.json")));

    await expect(store.getKey("billing")).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("reports a key file from another store as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    const otherDirectory = await makeTemporaryDirectory();
    try {
      // Same master key, other store id.
      const other = await FileStore.open(otherDirectory, { masterKey }, { create: true });
      await other.putKey(sampleKey("orders"), null);
      await writeFile(join(directory, "keys", "orders.json"), await readFile(join(otherDirectory, "keys", "orders.json")));

      await expect(store.getKey("orders")).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    } finally {
      await removeDirectory(otherDirectory);
    }
  });

  it("reports a damaged document as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    const path = join(directory, "documents", "policy.json");
    await writeFile(path, (await readFile(path, "utf8")).replace('"rules": []', '"rules": [1]'));

    await expect(store.getDocument("policy")).rejects.toMatchObject({ code: "STORE_CORRUPT", message: expect.stringContaining(path) });
  });

  it("never overwrites a damaged file", async () => {
    const store = await storeWithOneKey();
    const path = join(directory, "keys", "orders.json");
    await writeFile(path, "{ truncated");

    await expect(store.putKey(sampleKey("orders"), 1)).rejects.toMatchObject({ code: "STORE_CORRUPT" });
    expect(await readFile(path, "utf8")).toBe("{ truncated");
  });

  it("reports an unexpected file among the keys as STORE_CORRUPT", async () => {
    const store = await storeWithOneKey();
    await writeFile(join(directory, "keys", "Notes.json"), "{}");

    await expect(store.listKeys()).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  it("ignores temporary files of interrupted writes", async () => {
    const store = await storeWithOneKey();
    await writeFile(join(directory, "keys", ".orders.json.0123456789abcdef.tmp"), "{ half");

    expect((await store.listKeys()).map((info) => info.name)).toEqual(["orders"]);
  });
});

describe("FileStore write lock", () => {
  it("takes over a lock left by an exited process", async () => {
    const store = await openStore();
    const exited = spawnSync(process.execPath, ["-e", "process.exit(0)"]);
    await writeFile(
      join(directory, "lock"),
      JSON.stringify({ pid: exited.pid, hostname: (await import("node:os")).hostname(), createdAt: Date.now(), token: "dead" }),
    );

    expect(await store.putKey(sampleKey("orders"), null)).toBe(1);
  });

  it("reports STORE_LOCKED while a live process holds the lock", async () => {
    const store = await openStore({ create: true, lockTimeoutMs: 200 });
    const lockPath = join(directory, "lock");
    // This test process is alive, so its lock is not abandoned.
    await writeFile(
      lockPath,
      JSON.stringify({ pid: process.pid, hostname: (await import("node:os")).hostname(), createdAt: Date.now(), token: "live" }),
    );

    await expect(store.putKey(sampleKey("orders"), null)).rejects.toMatchObject({
      code: "STORE_LOCKED",
      message: expect.stringContaining(lockPath),
    });
    expect(await store.getKey("orders")).toBeUndefined();
  });

  it("removes its lock after each write", async () => {
    const store = await openStore();
    await store.putKey(sampleKey("orders"), null);

    const files = await listFilesRecursively(directory);

    expect(files.map((path) => path.slice(directory.length + 1)).sort()).toEqual(["keys/orders.json", HEADER]);
  });
});

describe("FileStore entry names", () => {
  it("keeps path separators out of file names", async () => {
    const store = await openStore();
    await mkdir(join(directory, "keys"), { recursive: true });

    await store.putKey(sampleKey("../escape"), null);

    expect((await store.getKey("../escape"))?.revision).toBe(1);
    expect(await listFilesRecursively(join(directory, "keys"))).toEqual([join(directory, "keys", "%2e%2e%2fescape.json")]);
  });

  it("hashes a long name into the file name", async () => {
    const store = await openStore();
    const name = "A".repeat(128);
    await store.putKey(sampleKey(name), null);

    const files = await listFilesRecursively(join(directory, "keys"));

    expect(files).toEqual([join(directory, "keys", `~${createHash("sha256").update(name).digest("hex")}.json`)]);
    expect((await store.getKey(name))?.value.info.name).toBe(name);
    expect((await store.listKeys()).map((info) => info.name)).toEqual([name]);
  });

  it("rejects an empty name", async () => {
    const store = await openStore();

    await expect(store.getKey("")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
