// KeyState quick start: a tour of the library on a fresh, temporary file
// store. Run it with `npm run demo` from the repository root.
//
// An application imports the same names from the package:
//   import { KeyState, isKeyStateError } from "keystate";
//   import { FileStore } from "keystate/file";
//   import { fileSink } from "keystate/audit/file";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { FileStore } from "../../src/backends/file-store.js";
import { isKeyStateError, KeyState } from "../../src/index.js";
import { fileSink } from "../../src/audit/file-sink.js";
import { verifyEntries } from "../../src/audit/index.js";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

let step = 0;
function say(text: string): void {
  step += 1;
  process.stdout.write(`${String(step).padStart(2)}. ${text}\n`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function check(condition: boolean, failure: string): void {
  if (!condition) throw new Error(failure);
}

async function tour(directory: string): Promise<void> {
  // A real store on disk: material sealed with AES-256-GCM under a key that
  // scrypt derives from the passphrase. A real application prompts for the
  // passphrase or reads it from a secret manager.
  const store = await FileStore.open(directory, { passphrase: "quickstart passphrase, not for production" }, { create: true });
  say(`Created a file store in ${directory}`);

  // Every operation is checked against the store's policy (a new store lets
  // its creator do everything) and recorded in a hash-chained audit log.
  const auditFile = join(directory, "audit.jsonl");
  const keystate = await KeyState.open({ store, principal: "quickstart", auditLog: { sinks: [fileSink(auditFile)] } });
  try {
    const documents = await keystate.createKey("documents", { purpose: "encrypt" });
    const releases = await keystate.createKey("releases", { purpose: "sign" });
    say(`Created key "documents" (${documents.algorithm}) and key "releases" (${releases.algorithm})`);

    // Encrypt a real file and a JSON config. The context is bound to the
    // ciphertext: decryption needs the same pairs.
    const readme = await readFile(README);
    const readmeContext = { file: "README.md" };
    const readmeCiphertext = await keystate.encrypt("documents", readme, { context: readmeContext });
    say(`Encrypted README.md: ${readme.length} bytes of plaintext, ${readmeCiphertext.length} bytes of ciphertext`);

    const config = { database: { host: "db.internal", password: "correct horse battery staple" }, retries: 3 };
    const configText = await keystate.encryptToString("documents", JSON.stringify(config));
    say(`Encrypted a JSON config to text: ${configText.slice(0, 40)}...`);

    const readmeBack = await keystate.decrypt(readmeCiphertext, { context: readmeContext });
    check(sameBytes(readmeBack, readme), "README.md did not decrypt to the original bytes");
    const configBack = JSON.parse(new TextDecoder().decode(await keystate.decrypt(configText))) as typeof config;
    check(JSON.stringify(configBack) === JSON.stringify(config), "the config did not decrypt to the original object");
    say("Decrypted both: README.md and the config match the originals");

    // Ed25519 signatures.
    const signature = await keystate.sign("releases", readme);
    const valid = await keystate.verify("releases", readme, signature);
    const tampered = await keystate.verify("releases", new TextEncoder().encode("a different release"), signature);
    check(valid && !tampered, "the signature checks gave the wrong answers");
    say(`Signed README.md (${signature.length}-byte Ed25519 signature): verifies, and fails for a different message`);

    // Rotation: version 2 encrypts from now on; version 1 still decrypts.
    const rotated = await keystate.rotate("documents");
    say(`Rotated "documents": version ${rotated.version} is now primary`);

    const oldStillOpens = await keystate.decrypt(readmeCiphertext, { context: readmeContext });
    check(sameBytes(oldStillOpens, readme), "the version 1 ciphertext did not decrypt after rotation");
    const newCiphertext = await keystate.encrypt("documents", readme, { context: readmeContext });
    say("Decrypted the version 1 ciphertext after the rotation, and encrypted README.md again under version 2");

    // Revocation: version 1 stops decrypting.
    await keystate.revoke("documents", { version: 1 });
    const statuses = (await keystate.getKey("documents")).versions.map((version) => `v${version.version} ${version.status}`);
    say(`Revoked version 1 of "documents" (${statuses.join(", ")})`);

    try {
      await keystate.decrypt(readmeCiphertext, { context: readmeContext });
      throw new Error("the version 1 ciphertext still decrypted after revocation");
    } catch (error) {
      if (!isKeyStateError(error, "DECRYPT_FAILED")) throw error;
      // The error states only that decryption failed, so it cannot serve as
      // an oracle. The demo can name the reason only because it revoked the version.
      say(`Decrypting the version 1 ciphertext now fails, because version 1 is revoked: ${error.code} ("${error.message}")`);
    }

    const newStillOpens = await keystate.decrypt(newCiphertext, { context: readmeContext });
    check(sameBytes(newStillOpens, readme), "the version 2 ciphertext did not decrypt");
    say("The version 2 ciphertext still decrypts");

    // The audit trail: one chained entry per operation above, none with
    // plaintext or key material.
    const trail = await keystate.audit.tail(1000);
    say(`The audit trail in ${auditFile} has ${trail.length} entries:`);
    for (const entry of trail) {
      const key = entry.key === undefined ? "" : ` ${entry.key}${entry.version === undefined ? "" : ` v${entry.version}`}`;
      const error = entry.errorCode === undefined ? "" : ` ${entry.errorCode}`;
      process.stdout.write(`      #${entry.seq} ${entry.principal} ${entry.operation}${key}: ${entry.outcome}${error}  ${entry.hash.slice(0, 16)}...\n`);
    }

    const verified = await keystate.audit.verify();
    check(verified.ok, "the audit trail did not verify");
    say(`Verified the audit trail: the hash chain over ${trail.length} entries is intact`);

    const changed = structuredClone(trail);
    changed[2]!.outcome = changed[2]!.outcome === "success" ? "failure" : "success";
    const broken = verifyEntries(changed);
    check(!broken.ok, "a changed copy of the audit trail still verified");
    if (!broken.ok) say(`Changed entry 2 in a copy of the trail: verification fails at entry ${broken.index} (${broken.reason})`);
  } finally {
    await keystate.close();
    await store.close();
  }
}

const directory = await mkdtemp(join(tmpdir(), "keystate-quickstart-"));
let exitCode = 0;
try {
  await tour(directory);
} catch (error) {
  process.stderr.write(`The quick start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  await rm(directory, { recursive: true, force: true });
  say(`Removed the temporary store ${directory}`);
}

if (exitCode === 0) process.stdout.write("Done: every step worked.\n");
process.exitCode = exitCode;
