import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateKey, createPublicKey, verify as verifySignature } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/backends/file-store.js";
import { rawBytes } from "./fixtures/file-store-helpers.js";
import { ROOT, runCli, type CliOptions, type CliResult } from "./fixtures/cli-runner.js";

const PASSPHRASE = "cli test passphrase";

// Each test starts the CLI several times, and each start compiles the
// sources with tsx, which takes seconds on a loaded machine.
const CLI_TIMEOUT = 300_000;

let workDirectory: string;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), "keystate-cli-"));
});

afterAll(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

/** A store directory of its own for each test, with a cheap scrypt cost. */
async function newStore(name: string, passphrase = PASSPHRASE): Promise<(args: string[], options?: CliOptions) => Promise<CliResult>> {
  const store = join(workDirectory, name);
  const run = (args: string[], options: CliOptions = {}): Promise<CliResult> =>
    runCli(args, { ...options, env: { KEYSTATE_STORE: store, KEYSTATE_PASSPHRASE: passphrase, ...options.env } });

  const init = await run(["init", "--scrypt-log-n", "10"]);
  expect(init.code, init.stderr).toBe(0);
  return run;
}

async function readStoredMaterial(store: string, key: string): Promise<Uint8Array[]> {
  const opened = await FileStore.open(store, { passphrase: PASSPHRASE });
  const stored = await opened.getKey(key);
  await opened.close();
  return [...stored!.value.material.values()].map(rawBytes);
}

describe("keystate init", { timeout: CLI_TIMEOUT }, () => {
  it("creates a store once", async () => {
    const run = await newStore("init-once");

    const again = await run(["init"]);

    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  it("needs a passphrase without a terminal", async () => {
    const result = await runCli(["init"], { env: { KEYSTATE_STORE: join(workDirectory, "no-pass"), KEYSTATE_PASSPHRASE: undefined } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KEYSTATE_PASSPHRASE");
  });

  it("rejects a wrong passphrase", async () => {
    const run = await newStore("wrong-pass");

    const result = await run(["key", "list"], { env: { KEYSTATE_PASSPHRASE: "not it" } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("passphrase does not open the store");
  });

  it("reports a missing store", async () => {
    const result = await runCli(["key", "list", "--store", join(workDirectory, "missing")], { env: { KEYSTATE_PASSPHRASE: PASSPHRASE } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('keystate init');
  });
});

describe("keystate key", { timeout: CLI_TIMEOUT }, () => {
  it("creates, lists and shows keys without material", async () => {
    const run = await newStore("keys");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    await run(["key", "create", "signer", "--purpose", "sign", "--alg", "ECDSA-P256"]);

    const list = await run(["key", "list"]);
    const show = await run(["key", "show", "orders"]);
    const json = await run(["key", "show", "orders", "--json"]);
    const material = await readStoredMaterial(join(workDirectory, "keys"), "orders");

    expect(list.code).toBe(0);
    expect(list.stdout.toString()).toMatch(/^orders\s+encrypt\s+XCHACHA20-POLY1305\s+1\s+1$/m);
    expect(list.stdout.toString()).toMatch(/^signer\s+sign\s+ECDSA-P256\s+1\s+1$/m);
    expect(show.stdout.toString()).toMatch(/^1\s+[0-9a-f]{8}\s+primary\s/m);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ name: "orders", purpose: "encrypt", versions: [{ version: 1, status: "primary" }] });
    for (const output of [list.stdout, show.stdout, json.stdout]) {
      for (const encoded of [Buffer.from(material[0]!).toString("hex"), Buffer.from(material[0]!).toString("base64url"), Buffer.from(material[0]!).toString("base64")]) {
        expect(output.toString()).not.toContain(encoded);
      }
    }
  });

  it("rejects an unknown purpose and a duplicate key", async () => {
    const run = await newStore("bad-create");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);

    const badPurpose = await run(["key", "create", "other", "--purpose", "hash"]);
    const duplicate = await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const badName = await run(["key", "create", "bad name", "--purpose", "encrypt"]);

    expect(badPurpose.code).toBe(2);
    expect(badPurpose.stderr).toContain("purpose must be one of");
    expect(duplicate.code).toBe(1);
    expect(badName.code).toBe(2);
  });

  it("rotates, revokes and destroys versions", async () => {
    const run = await newStore("lifecycle");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const oldCiphertext = await run(["encrypt", "--key", "orders", "--armor"], { input: "before rotation" });

    const rotate = await run(["key", "rotate", "orders"]);
    const afterRotate = await run(["decrypt"], { input: oldCiphertext.stdout });
    const revoke = await run(["key", "revoke", "orders", "--version", "1"]);
    const afterRevoke = await run(["decrypt"], { input: oldCiphertext.stdout });
    const destroyUnconfirmed = await run(["key", "destroy", "orders", "--version", "1"]);
    const destroy = await run(["key", "destroy", "orders", "--version", "1", "--yes"]);
    const show = await run(["key", "show", "orders", "--json"]);

    expect(rotate.code).toBe(0);
    expect(rotate.stderr).toContain("version 2 is now primary");
    expect(afterRotate.stdout.toString()).toBe("before rotation");
    expect(revoke.code).toBe(0);
    expect(afterRevoke.code).toBe(1);
    expect(afterRevoke.stderr).toContain("Decryption failed");
    expect(afterRevoke.stdout.length).toBe(0);
    expect(destroyUnconfirmed.code).toBe(2);
    expect(destroyUnconfirmed.stderr).toContain("--yes");
    expect(destroy.code).toBe(0);
    expect(JSON.parse(show.stdout.toString()).versions.map((version: { status: string }) => version.status)).toEqual(["destroyed", "primary"]);
  });
});

describe("keystate encrypt and decrypt", { timeout: CLI_TIMEOUT }, () => {
  it("round-trips a file in binary and text form", async () => {
    const run = await newStore("encrypt");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const binaryPath = join(workDirectory, "readme.ks");
    const outPath = join(workDirectory, "readme.out");

    const binary = await run(["encrypt", "--key", "orders", "--in", "README.md", "--out", binaryPath, "--context", "app=cli"]);
    const armored = await run(["encrypt", "--key", "orders", "--in", "README.md", "--armor", "--context", "app=cli"]);
    const fromBinary = await run(["decrypt", "--in", binaryPath, "--out", outPath, "--context", "app=cli"]);
    const fromText = await run(["decrypt", "--context", "app=cli"], { input: armored.stdout });
    const readme = await readFile(join(ROOT, "README.md"));
    const ciphertext = await readFile(binaryPath);

    expect(binary.code).toBe(0);
    expect([...ciphertext.subarray(0, 3)]).toEqual([0x4b, 0x53, 0x01]);
    expect(armored.stdout.toString()).toMatch(/^ks1\.[A-Za-z0-9_-]+\n$/);
    expect([...Buffer.from(armored.stdout.toString().trim().slice(4), "base64url").subarray(0, 3)]).toEqual([0x4b, 0x53, 0x01]);
    expect(fromBinary.code).toBe(0);
    expect(await readFile(outPath)).toEqual(readme);
    expect(fromText.stdout).toEqual(readme);
  });

  it("fails with a different context", async () => {
    const run = await newStore("context");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const armored = await run(["encrypt", "--key", "orders", "--armor", "--context", "tenant=a"], { input: "secret" });

    const wrong = await run(["decrypt", "--context", "tenant=b"], { input: armored.stdout });
    const missing = await run(["decrypt"], { input: armored.stdout });
    const badPair = await run(["decrypt", "--context", "novalue"], { input: armored.stdout });

    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Decryption failed");
    expect(wrong.stdout.length).toBe(0);
    expect(missing.code).toBe(1);
    expect(badPair.code).toBe(2);
  });

  it("streams a wrap-key envelope and leaves no partial output", async () => {
    const run = await newStore("wrap");
    await run(["key", "create", "vault", "--purpose", "wrap"]);
    const plaintext = Buffer.alloc(700_000);
    for (let i = 0; i < plaintext.length; i++) plaintext[i] = (i * 7919) % 251;
    const plainPath = join(workDirectory, "big.bin");
    const sealedPath = join(workDirectory, "big.ks");
    const openedPath = join(workDirectory, "big.out");
    const damagedOutPath = join(workDirectory, "damaged.out");
    await writeFile(plainPath, plaintext);

    const sealed = await run(["encrypt", "--key", "vault", "--in", plainPath, "--out", sealedPath]);
    const opened = await run(["decrypt", "--in", sealedPath, "--out", openedPath]);
    const damaged = Buffer.from(await readFile(sealedPath));
    damaged[damaged.length - 100]! ^= 1;
    await writeFile(sealedPath, damaged);
    const failed = await run(["decrypt", "--in", sealedPath, "--out", damagedOutPath]);

    expect(sealed.code).toBe(0);
    expect(damaged[3]).toBe(0x03);
    expect(opened.code).toBe(0);
    expect(await readFile(openedPath)).toEqual(plaintext);
    expect(failed.code).toBe(1);
    await expect(readFile(damagedOutPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects a sign key for encryption", async () => {
    const run = await newStore("wrong-purpose");
    await run(["key", "create", "signer", "--purpose", "sign"]);

    const result = await run(["encrypt", "--key", "signer", "--armor"], { input: "data" });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("purpose encrypt or wrap");
  });

  it("requires --key", async () => {
    const result = await runCli(["encrypt", "--armor"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--key is required");
  });
});

describe("keystate --out", { timeout: CLI_TIMEOUT }, () => {
  it("keeps existing files without --force", async () => {
    const run = await newStore("out-existing");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const existingPath = join(workDirectory, "existing.txt");
    await writeFile(existingPath, "keep me");
    const ciphertext = (await run(["encrypt", "--key", "orders", "--armor"], { input: "secret" })).stdout;
    const masterKey = Buffer.alloc(32, 7).toString("base64url");

    const attempts = {
      encrypt: await run(["encrypt", "--key", "orders", "--out", existingPath], { input: "new" }),
      decrypt: await run(["decrypt", "--out", existingPath], { input: ciphertext }),
      backup: await run(["backup", "--out", existingPath]),
      "keyset export": await run(["keyset", "export", "--keys", "orders", "--out", existingPath], { env: { KEYSTATE_KEYSET_MASTER_KEY: masterKey } }),
    };

    for (const [command, result] of Object.entries(attempts)) {
      expect(result.code, command).toBe(2);
      expect(result.stderr, command).toContain(`The output file ${existingPath} already exists`);
      expect(result.stderr, command).toContain("pass --force");
      expect(result.stderr, command).toContain(`keystate ${command} --help`);
    }
    expect(await readFile(existingPath, "utf8")).toBe("keep me");
  });

  it("replaces an existing file with --force", async () => {
    const run = await newStore("out-force");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const existingPath = join(workDirectory, "replaced.txt");
    await writeFile(existingPath, "old content");
    const ciphertext = (await run(["encrypt", "--key", "orders", "--armor"], { input: "new content" })).stdout;

    const result = await run(["decrypt", "--out", existingPath, "--force"], { input: ciphertext });

    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(existingPath, "utf8")).toBe("new content");
  });

  it("names a missing output folder", async () => {
    const run = await newStore("out-folder");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const missingFolder = join(workDirectory, "no-such-folder");

    const result = await run(["encrypt", "--key", "orders", "--out", join(missingFolder, "y.ks")], { input: "data" });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The folder ${missingFolder} for the output file`);
    expect(result.stderr).toContain("does not exist");
  });
});

describe("keystate sign and verify", { timeout: CLI_TIMEOUT }, () => {
  it("signs with Ed25519 that node:crypto verifies", async () => {
    const run = await newStore("sign");
    await run(["key", "create", "signer", "--purpose", "sign"]);

    const signed = await run(["sign", "--key", "signer", "--in", "README.md"]);
    const signature = signed.stdout.toString().trim();
    const good = await run(["verify", "--key", "signer", "--signature", signature, "--in", "README.md"]);
    const tampered = await run(["verify", "--key", "signer", "--signature", signature], { input: "another message" });
    const malformed = await run(["verify", "--key", "signer", "--signature", "not base64url!"], { input: "x" });
    const [seed] = await readStoredMaterial(join(workDirectory, "sign"), "signer");
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed!)]),
      format: "der",
      type: "pkcs8",
    });
    const readme = await readFile(join(ROOT, "README.md"));

    expect(signed.code).toBe(0);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifySignature(null, readme, createPublicKey(privateKey), Buffer.from(signature, "base64url"))).toBe(true);
    expect(good.code).toBe(0);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("not valid");
    expect(malformed.code).toBe(2);
  });

  // A base64url signature starts with "-" about once in 64 times.
  it("accepts a signature starting with a dash", async () => {
    const run = await newStore("sign-dash");
    await run(["key", "create", "signer", "--purpose", "sign"]);

    const dashed = "-" + "A".repeat(85);
    const result = await run(["verify", "--key", "signer", "--signature", dashed], { input: "x" });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not valid");
  });

  it("rejects the signature of a revoked version", async () => {
    const run = await newStore("sign-revoked");
    await run(["key", "create", "signer", "--purpose", "sign"]);
    const signature = (await run(["sign", "--key", "signer"], { input: "message" })).stdout.toString().trim();
    await run(["key", "rotate", "signer"]);

    const afterRotate = await run(["verify", "--key", "signer", "--signature", signature], { input: "message" });
    await run(["key", "revoke", "signer", "--version", "1"]);
    const afterRevoke = await run(["verify", "--key", "signer", "--signature", signature], { input: "message" });

    expect(afterRotate.code).toBe(0);
    expect(afterRevoke.code).toBe(1);
  });
});

describe("keystate backup and restore", { timeout: CLI_TIMEOUT }, () => {
  it("restores every key and version into an empty store", async () => {
    const source = await newStore("backup-source");
    await source(["key", "create", "orders", "--purpose", "encrypt"]);
    const oldCiphertext = (await source(["encrypt", "--key", "orders", "--armor"], { input: "version one" })).stdout;
    await source(["key", "rotate", "orders"]);
    await source(["key", "revoke", "orders", "--version", "1"]);
    const newCiphertext = (await source(["encrypt", "--key", "orders", "--armor"], { input: "version two" })).stdout;
    await source(["key", "create", "signer", "--purpose", "sign"]);
    const backupPath = join(workDirectory, "backup.json");

    const backup = await source(["backup", "--out", backupPath]);
    const target = await newStore("backup-target", "another passphrase");
    const restore = await target(["restore", "--in", backupPath], { env: { KEYSTATE_BACKUP_PASSPHRASE: PASSPHRASE } });
    const sourceKeys = JSON.parse((await source(["key", "list", "--json"])).stdout.toString());
    const targetKeys = JSON.parse((await target(["key", "list", "--json"])).stdout.toString());
    await target(["key", "enable", "orders", "--version", "1"]);
    const oldDecrypted = await target(["decrypt"], { input: oldCiphertext });
    const newDecrypted = await target(["decrypt"], { input: newCiphertext });

    expect(backup.code, backup.stderr).toBe(0);
    expect(restore.code, restore.stderr).toBe(0);
    expect(targetKeys.map((key: { name: string }) => key.name)).toEqual(["orders", "signer"]);
    expect(targetKeys.map(withoutUsage)).toEqual(sourceKeys.map(withoutUsage));
    expect(oldDecrypted.stdout.toString()).toBe("version one");
    expect(newDecrypted.stdout.toString()).toBe("version two");
  });

  it("seals names and material in the backup file", async () => {
    const run = await newStore("backup-sealed");
    await run(["key", "create", "very-visible-name", "--purpose", "encrypt"]);
    const backupPath = join(workDirectory, "sealed-backup.json");

    await run(["backup", "--out", backupPath]);
    const text = await readFile(backupPath, "utf8");
    const [material] = await readStoredMaterial(join(workDirectory, "backup-sealed"), "very-visible-name");

    expect(text).not.toContain("very-visible-name");
    for (const encoded of ["hex", "base64", "base64url"] as const) expect(text).not.toContain(Buffer.from(material!).toString(encoded));
  });

  it("refuses a wrong backup passphrase and existing keys", async () => {
    const run = await newStore("backup-refuse");
    await run(["key", "create", "orders", "--purpose", "encrypt"]);
    const backupPath = join(workDirectory, "refuse-backup.json");
    await run(["backup", "--out", backupPath]);

    const wrongPassphrase = await run(["restore", "--in", backupPath], { env: { KEYSTATE_BACKUP_PASSPHRASE: "wrong" } });
    const existing = await run(["restore", "--in", backupPath]);

    expect(wrongPassphrase.code).toBe(1);
    expect(wrongPassphrase.stderr).toContain("does not open the backup");
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain("already has key(s) orders");
  });
});

describe("keystate usage", { timeout: CLI_TIMEOUT }, () => {
  it("prints help for a command", async () => {
    const result = await runCli(["key", "revoke", "--help"]);

    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toContain("Usage: keystate key revoke NAME [OPTIONS]");
    expect(result.stdout.toString()).toContain("--version N");
  });

  it("exits 2 for unknown commands and options", async () => {
    const unknownCommand = await runCli(["frobnicate"]);
    const unknownOption = await runCli(["key", "list", "--colour"]);
    const badVersion = await runCli(["key", "revoke", "orders", "--version", "one"]);

    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('Unknown command "frobnicate"');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("keystate key list --help");
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain("--version must be a positive integer");
  });

  it("accepts global options before the command", async () => {
    const store = join(workDirectory, "global-first");
    await runCli(["--store", store, "init", "--scrypt-log-n", "10"], { env: { KEYSTATE_PASSPHRASE: PASSPHRASE } });

    const result = await runCli(["--store", store, "key", "list"], { env: { KEYSTATE_PASSPHRASE: PASSPHRASE } });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("keystate:");
  });
});

function withoutUsage(key: { versions: { usage: unknown; updatedAt: unknown }[] }): unknown {
  return { ...key, versions: key.versions.map(({ usage: _usage, updatedAt: _updatedAt, ...rest }) => rest) };
}
