// Writes the frozen golden vectors in test/golden/: keys with their raw
// material, and ciphertexts, envelopes, streams, signatures and MACs made
// with them by this version of KeyState. Run it once per format version:
//
//   npx tsx scripts/make-golden-vectors.ts
//
// It refuses to overwrite existing vectors, because test/golden-vectors.test.ts
// checks that every later release still opens and verifies these exact bytes.
// Pass --force only when a new format version adds files.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { MemoryStore } from "../src/backends/memory-store.js";
import { KeyState } from "../src/client/keystate.js";
import { toText } from "../src/format/text.js";
import type { KeyAlgorithm, KeyPurpose } from "../src/keys/types.js";

const directory = new URL("../test/golden/", import.meta.url);
const force = process.argv.includes("--force");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const utf8 = (value: string) => new TextEncoder().encode(value);

const store = new MemoryStore({ cryptoKeys: false });
const ks = await KeyState.open({ store, principal: "golden-vectors" });

const keys: [string, KeyPurpose, KeyAlgorithm][] = [
  ["golden-xchacha", "encrypt", "XCHACHA20-POLY1305"],
  ["golden-aes-gcm", "encrypt", "AES-256-GCM"],
  ["golden-ed25519", "sign", "ED25519"],
  ["golden-ecdsa", "sign", "ECDSA-P256"],
  ["golden-hmac", "mac", "HMAC-SHA256"],
  ["golden-aes-kw", "wrap", "AES-KW"],
  ["golden-wrap-xchacha", "wrap", "XCHACHA20-POLY1305"],
  ["golden-wrap-aes-gcm", "wrap", "AES-256-GCM"],
];
for (const [name, purpose, algorithm] of keys) await ks.createKey(name, { purpose, algorithm });

const context = { tenant: "acme", "path/é": "ünïcode ✓" };
const ciphertexts: unknown[] = [];

async function direct(key: string, plaintext: Uint8Array, withContext: boolean) {
  const options = withContext ? { context } : {};
  const ciphertext = toText(await ks.encrypt(key, plaintext, options));
  ciphertexts.push({ kind: "direct", key, plaintext: hex(plaintext), context: withContext ? context : null, ciphertext });
}

async function envelope(key: string, plaintext: Uint8Array) {
  const ciphertext = toText(await ks.seal(key, plaintext, { context }));
  ciphertexts.push({ kind: "envelope", key, plaintext: hex(plaintext), context, ciphertext });
}

async function stream(key: string, plaintext: Uint8Array, chunkSize: number) {
  const parts: Uint8Array[] = [];
  const source = (async function* () {
    yield plaintext;
  })();
  for await (const part of await ks.seal(key, source, { context, chunkSize })) parts.push(part);
  const ciphertext = toText(Buffer.concat(parts));
  ciphertexts.push({ kind: "stream", key, plaintext: hex(plaintext), context, chunkSize, ciphertext });
}

// Made with version 1, which rotation below turns active.
await direct("golden-xchacha", utf8("made by version 1"), true);
await ks.rotate("golden-xchacha");
await direct("golden-xchacha", utf8(""), false);
await direct("golden-xchacha", utf8("golden vector plaintext"), true);
await direct("golden-aes-gcm", utf8("golden vector plaintext"), true);
await direct("golden-aes-gcm", utf8(""), false);
await envelope("golden-aes-kw", utf8("envelope under AES-KW"));
await envelope("golden-wrap-xchacha", utf8("envelope under XChaCha20-Poly1305"));
await envelope("golden-wrap-aes-gcm", utf8("envelope under AES-256-GCM"));
await stream("golden-aes-kw", Uint8Array.from({ length: 2500 }, (_, i) => (i * 7) & 0xff), 1024);
await stream("golden-aes-kw", new Uint8Array(0), 1024);

const signatures: unknown[] = [];
for (const key of ["golden-ed25519", "golden-ecdsa"]) {
  const message = utf8(`golden message for ${key}`);
  signatures.push({ key, message: hex(message), signature: hex(await ks.sign(key, message)), jwk: await ks.exportPublicKey(key) });
}

const macs: unknown[] = [];
const macMessage = utf8("golden message for golden-hmac");
macs.push({ key: "golden-hmac", message: hex(macMessage), tag: hex(await ks.mac("golden-hmac", macMessage)) });

const storedKeys: unknown[] = [];
for (const info of await store.listKeys()) {
  const stored = await store.getKey(info.name);
  const material: Record<string, string> = {};
  for (const [version, entry] of stored!.value.material) {
    if (entry.type !== "raw") throw new Error("golden keys must be raw");
    material[String(version)] = hex(entry.bytes);
  }
  storedKeys.push({ info: { ...info, versions: info.versions.map((version) => ({ ...version, usage: { operations: 0, bytes: 0 } })) }, material });
}

const files: Record<string, unknown> = {
  "keys.json": { formatVersion: 1, keys: storedKeys },
  "ciphertexts.json": { formatVersion: 1, ciphertexts },
  "signatures.json": { formatVersion: 1, signatures, macs },
};

mkdirSync(directory, { recursive: true });
for (const [file, content] of Object.entries(files)) {
  const path = new URL(file, directory);
  if (existsSync(path) && !force) {
    console.error(`${path.pathname} exists; golden vectors are frozen. Pass --force only for a new format version.`);
    process.exit(1);
  }
  writeFileSync(path, JSON.stringify(content, null, 2) + "\n");
  console.log(`wrote ${path.pathname}`);
}

await ks.close();
