import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/backends/memory-store.js";
import { MemoryAuditRecorder } from "../src/client/defaults/memory-audit-recorder.js";
import { KeyMaterial } from "../src/keys/material.js";
import type { KeyAlgorithm, KeyPurpose } from "../src/keys/types.js";
import { openClient, rejection, thrown } from "./helpers/client.js";

const KEYS: [string, KeyPurpose, KeyAlgorithm][] = [
  ["enc-x", "encrypt", "XCHACHA20-POLY1305"],
  ["enc-g", "encrypt", "AES-256-GCM"],
  ["sig-e", "sign", "ED25519"],
  ["sig-p", "sign", "ECDSA-P256"],
  ["mac-h", "mac", "HMAC-SHA256"],
  ["wrap-k", "wrap", "AES-KW"],
];

const PLAINTEXT = "plaintext-marker-7f3a";

// Every encoding of the key bytes that a leak could take.
function encodings(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes);
  const forms = [buffer.toString("hex"), buffer.toString("base64"), buffer.toString("base64url")];
  // Also a run of the decimal bytes, as util.inspect prints a Uint8Array.
  forms.push(Array.from(bytes.subarray(0, 12)).join(", "));
  return forms.map((form) => form.replace(/=+$/, "")).filter((form) => form.length >= 16);
}

describe("nothing secret leaks", () => {
  it("public objects, errors and audit events never show key bytes or plaintext", async () => {
    const store = new MemoryStore({ cryptoKeys: false });
    const audit = new MemoryAuditRecorder();
    const { ks } = await openClient({ store, audit });
    const outputs: string[] = [];
    const show = (value: unknown) => {
      outputs.push(JSON.stringify(value) ?? "", String(value), inspect(value, { depth: 10, showHidden: true }));
    };

    for (const [name, purpose, algorithm] of KEYS) show(await ks.createKey(name, { purpose, algorithm }));
    for (const [name] of KEYS) await ks.load(name);

    const ciphertext = await ks.encrypt("enc-x", PLAINTEXT, { context: { c: "1" } });
    await ks.encrypt("enc-g", PLAINTEXT);
    await ks.sign("sig-e", PLAINTEXT);
    await ks.sign("sig-p", PLAINTEXT);
    await ks.mac("mac-h", PLAINTEXT);
    await ks.seal("wrap-k", PLAINTEXT);
    ks.sync.encrypt("enc-x", PLAINTEXT);

    show(await rejection(ks.decrypt(ciphertext, { context: { c: "2" } })));
    show(await rejection(ks.encrypt("sig-e", PLAINTEXT)));
    show(await rejection(ks.destroy("enc-x", { version: 1 } as never)));
    show(thrown(() => ks.sync.sign("sig-p", PLAINTEXT)));
    show(ks);
    show(ks.sync);
    show(await ks.listKeys());
    show(await ks.getKey("enc-x"));
    show(await ks.exportPublicKey("sig-e"));
    show(audit.events());
    show(audit);

    const all = outputs.join("\n");
    expect(all).not.toContain(PLAINTEXT);
    for (const [name] of KEYS) {
      const stored = await store.getKey(name);
      const material = stored!.value.material.get(1)!;
      if (material.type !== "raw") throw new Error("expected raw material");
      for (const form of encodings(material.bytes)) expect(all, `${name} leaked as ${form.slice(0, 8)}...`).not.toContain(form);
    }
  });

  it("KeyMaterial serialises as [redacted]", () => {
    const secret = new Uint8Array(32).fill(0xab);
    const material = new KeyMaterial({ secret });

    expect(JSON.stringify(material)).toBe('"[redacted]"');
    expect(JSON.stringify({ material })).toBe('{"material":"[redacted]"}');
    expect(String(material)).toBe("[redacted]");
    expect(`${material}`).toBe("[redacted]");
    expect(inspect(material, { showHidden: true, depth: 5 })).toBe("[redacted]");
    expect(Object.keys(material)).toEqual([]);
  });

  it("wipe overwrites the secret bytes", () => {
    const secret = new Uint8Array(32).fill(0xab);
    const material = new KeyMaterial({ secret });
    material.wipe();
    expect(secret.every((byte) => byte === 0)).toBe(true);
    expect(material.unsafeParts().secret).toBeUndefined();
  });

  it("MemoryStore copies material in and out", async () => {
    const store = new MemoryStore({ cryptoKeys: false });
    const bytes = new Uint8Array(32).fill(1);
    const info = {
      name: "k",
      purpose: "encrypt" as const,
      algorithm: "XCHACHA20-POLY1305" as const,
      createdAt: 0,
      versions: [{ version: 1, id: 5, status: "primary" as const, createdAt: 0, updatedAt: 0, usage: { operations: 0, bytes: 0 } }],
    };
    await store.putKey({ info, material: new Map([[1, { type: "raw", bytes }]]) }, null);
    bytes.fill(2);
    info.versions[0]!.status = "disabled" as never;

    const first = await store.getKey("k");
    const material = first!.value.material.get(1)!;
    if (material.type !== "raw") throw new Error("expected raw material");
    expect(material.bytes.every((byte) => byte === 1)).toBe(true);
    expect(first!.value.info.versions[0]!.status).toBe("primary");

    material.bytes.fill(3);
    const second = await store.getKey("k");
    const again = second!.value.material.get(1)!;
    if (again.type !== "raw") throw new Error("expected raw material");
    expect(again.bytes.every((byte) => byte === 1)).toBe(true);
  });

  it("MemoryStore rejects stale revisions with CONFLICT", async () => {
    const store = new MemoryStore();
    const { ks } = await openClient({ store });
    await ks.createKey("k", { purpose: "encrypt" });
    const read = await store.getKey("k");
    await store.putKey(read!.value, read!.revision);

    const error = await rejection(store.putKey(read!.value, read!.revision));
    expect(error.code).toBe("CONFLICT");
    expect((await rejection(store.putKey(read!.value, null))).code).toBe("CONFLICT");
    expect((await store.getKey("k"))!.revision).toBe(read!.revision + 1);
  });
});
