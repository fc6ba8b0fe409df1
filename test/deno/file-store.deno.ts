// The FileStore checks run under Deno: `deno test --unstable-sloppy-imports
// --allow-read --allow-write --allow-run --allow-env --allow-sys
// test/deno/file-store.deno.ts`. Sloppy imports let Deno resolve the
// sources' ".js" import specifiers to their ".ts" files.
// test/file-store-deno.node.test.ts starts it from the Node test run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { FileStore } from "../../src/backends/file-store.js";
import {
  deriveWithNodeCrypto,
  listFilesRecursively,
  makeTemporaryDirectory,
  materialAssociatedData,
  openMaterial,
  rawBytes,
  removeDirectory,
  sampleKey,
} from "../fixtures/file-store-helpers.js";

const CHILD = fileURLToPath(new URL("../fixtures/file-store-child.ts", import.meta.url));
const DENO_FLAGS = ["--unstable-sloppy-imports", "--allow-read", "--allow-write", "--allow-run", "--allow-env", "--allow-sys"];

async function withDirectory(run: (directory: string) => Promise<void>): Promise<void> {
  const directory = await makeTemporaryDirectory();
  try {
    await run(directory);
  } finally {
    await removeDirectory(directory);
  }
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: { code?: string }) => error.code === code);
}

test("round trip of keys and documents", () =>
  withDirectory(async (directory) => {
    const masterKey = new Uint8Array(randomBytes(32));
    const store = await FileStore.open(directory, { masterKey }, { create: true });
    const key = sampleKey("orders", 2);

    assert.equal(await store.putKey(key, null), 1);
    assert.equal(await store.putDocument("policy", { rules: [] }, null), 1);
    const reopened = await FileStore.open(directory, { masterKey });
    const read = await reopened.getKey("orders");

    assert.deepEqual(read?.value.info, key.info);
    assert.deepEqual(rawBytes(read?.value.material.get(2)), rawBytes(key.material.get(2)));
    assert.deepEqual(await reopened.getDocument("policy"), { value: { rules: [] }, revision: 1 });
    assert.deepEqual((await reopened.listKeys()).map((info) => info.name), ["orders"]);
  }));

test("compare-and-swap conflict", () =>
  withDirectory(async (directory) => {
    const store = await FileStore.open(directory, { masterKey: new Uint8Array(32).fill(7) }, { create: true });
    await store.putKey(sampleKey("orders"), null);
    await store.putKey(sampleKey("orders"), 1);

    await rejectsWithCode(store.putKey(sampleKey("orders"), 1), "CONFLICT");
    await rejectsWithCode(store.putKey(sampleKey("orders"), null), "CONFLICT");
  }));

test("wrong passphrase", () =>
  withDirectory(async (directory) => {
    await FileStore.open(directory, { passphrase: "correct horse" }, { create: true, scryptLogN: 10 });

    await rejectsWithCode(FileStore.open(directory, { passphrase: "wrong horse" }), "WRONG_PASSPHRASE");
    assert.equal((await FileStore.open(directory, { passphrase: "correct horse" })).directory, directory);
  }));

test("damaged header, key and document files", () =>
  withDirectory(async (directory) => {
    const masterKey = new Uint8Array(randomBytes(32));
    const store = await FileStore.open(directory, { masterKey }, { create: true });
    await store.putKey(sampleKey("orders"), null);
    await store.putDocument("policy", { rules: [] }, null);

    const keyPath = join(directory, "keys", "orders.json");
    await writeFile(keyPath, (await readFile(keyPath, "utf8")).slice(0, 50));
    const documentPath = join(directory, "documents", "policy.json");
    await writeFile(documentPath, (await readFile(documentPath, "utf8")).replace('"rules": []', '"rules": [2]'));
    const headerPath = join(directory, "keystate-store.json");
    await writeFile(headerPath, (await readFile(headerPath, "utf8")).slice(0, 30));

    await rejectsWithCode(store.getKey("orders"), "STORE_CORRUPT");
    await rejectsWithCode(store.getDocument("policy"), "STORE_CORRUPT");
    await rejectsWithCode(FileStore.open(directory, { masterKey }), "STORE_CORRUPT");
  }));

test("no plaintext material on disk", () =>
  withDirectory(async (directory) => {
    const masterKey = new Uint8Array(randomBytes(32));
    const store = await FileStore.open(directory, { masterKey }, { create: true });
    const key = sampleKey("orders", 3);
    await store.putKey(key, null);
    const storeId = JSON.parse(await readFile(join(directory, "keystate-store.json"), "utf8")).storeId as string;

    const contents = await Promise.all((await listFilesRecursively(directory)).map((path) => readFile(path)));
    const file = JSON.parse(await readFile(join(directory, "keys", "orders.json"), "utf8"));
    const record = file.material[0];
    const opened = openMaterial(deriveWithNodeCrypto(masterKey, storeId, "seal"), record.iv, record.ciphertext, materialAssociatedData(storeId, "orders", 1));

    for (const material of [...key.material.values()].map(rawBytes)) {
      for (const content of contents) assert.equal(content.includes(Buffer.from(material)), false);
    }
    assert.deepEqual(new Uint8Array(opened), rawBytes(key.material.get(1)));
  }));

test("lock of an exited process is taken over", () =>
  withDirectory(async (directory) => {
    const store = await FileStore.open(directory, { masterKey: new Uint8Array(32) }, { create: true });
    const exited = spawn(process.execPath, ["eval", "0"]);
    await new Promise((resolve) => exited.once("exit", resolve));
    const { hostname } = await import("node:os");
    await writeFile(join(directory, "lock"), JSON.stringify({ pid: exited.pid, hostname: hostname(), createdAt: Date.now(), token: "dead" }));

    assert.equal(await store.putKey(sampleKey("orders"), null), 1);
  }));

test("two Deno processes lose no increment", () =>
  withDirectory(async (directory) => {
    const masterKey = new Uint8Array(randomBytes(32));
    await FileStore.open(directory, { masterKey }, { create: true });
    const increments = 20;

    const exits = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number | null>((resolve) => {
            const child = spawn(
              process.execPath,
              ["run", ...DENO_FLAGS, CHILD, directory, Buffer.from(masterKey).toString("hex"), "increment", String(increments)],
              { stdio: ["ignore", "ignore", "inherit"] },
            );
            child.once("exit", resolve);
          }),
      ),
    );
    const document = await (await FileStore.open(directory, { masterKey })).getDocument("count");

    assert.deepEqual(exits, [0, 0]);
    assert.deepEqual(document?.value, { n: 2 * increments });
  }));

test("writer killed with SIGKILL leaves a readable store", () =>
  withDirectory(async (directory) => {
    const masterKey = new Uint8Array(randomBytes(32));
    await FileStore.open(directory, { masterKey }, { create: true });

    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["run", ...DENO_FLAGS, CHILD, directory, Buffer.from(masterKey).toString("hex"), "loop"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let stdout = "";
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("committed")) resolve();
        });
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));

      const committed = Number([...stdout.matchAll(/committed (\d+)\n/g)].at(-1)?.[1]);
      const document = await (await FileStore.open(directory, { masterKey })).getDocument("counter");
      const count = (document?.value as { n: number }).n;
      assert.ok(count === committed || count === committed + 1, `count ${count} after committed ${committed}`);
    }
  }));
