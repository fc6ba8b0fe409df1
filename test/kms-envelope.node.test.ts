import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MemoryStore } from "../src/backends/memory-store.js";
import { KeyState } from "../src/client/keystate.js";
import { isKeyStateError } from "../src/errors.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { createKmsProxy, issueToken, Pkcs11Backend, type KmsProxy } from "../src/kms/server/index.js";
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken } from "./kms/softhsm-token.js";

const app = issueToken("app");
let hsm: SoftHsmToken;
let backend: Pkcs11Backend;
let proxy: KmsProxy;
let kms: RemoteKms;
let ks: KeyState;

beforeAll(async () => {
  hsm = createSoftHsmToken("kms-envelope");
  backend = await Pkcs11Backend.open({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label, pin: hsm.pin });
  proxy = createKmsProxy({ backend, tokens: { principals: [app.credential] } });
  kms = new RemoteKms({ url: await proxy.listen(), token: app.token, retries: 0 });
  await kms.createKey("hsm-master", "AES-256-GCM");

  ks = await KeyState.open({ store: new MemoryStore(), principal: "alice", kms: { wrapper: kms, keys: ["hsm-master"] } });
});

afterAll(async () => {
  await ks?.close();
  await proxy?.close();
  await backend?.close();
  hsm?.remove();
});

describe("seal and open with a master key in the HSM", () => {
  it("round-trips a message", async () => {
    const message = new TextEncoder().encode("sealed under a key in SoftHSM2");
    const envelope = await ks.seal("hsm-master", message, { context: { tenant: "acme" } });
    const opened = await ks.open(envelope, { context: { tenant: "acme" } });
    expect(new TextDecoder().decode(opened)).toBe("sealed under a key in SoftHSM2");
  });

  it("carries the proxy's wrapped key", async () => {
    const envelope = await ks.seal("hsm-master", new Uint8Array(10));
    // The proxy's wrapped keys start with "KW" and the key name; find them in the header.
    const text = new TextDecoder("latin1").decode(envelope);
    expect(text).toContain("KW");
    expect(text).toContain("hsm-master");
  });

  it("open rejects another context", async () => {
    const envelope = await ks.seal("hsm-master", new Uint8Array(10), { context: { tenant: "a" } });
    const error = await ks.open(envelope, { context: { tenant: "b" } }).catch((e: unknown) => e);
    expect(isKeyStateError(error, "DECRYPT_FAILED")).toBe(true);
  });

  it("opens envelopes sealed before a rotation", async () => {
    const before = await ks.seal("hsm-master", new Uint8Array([1, 2, 3]));
    await kms.rotateKey("hsm-master");
    const after = await ks.seal("hsm-master", new Uint8Array([4, 5, 6]));

    expect(await ks.open(before)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await ks.open(after)).toEqual(new Uint8Array([4, 5, 6]));
  });

  it("a second client opens the envelope", async () => {
    const envelope = await ks.seal("hsm-master", new Uint8Array([9, 9]));
    const other = await KeyState.open({ store: new MemoryStore(), principal: "bob", kms: { wrapper: kms, keys: ["hsm-master"] } });
    try {
      expect(await other.open(envelope)).toEqual(new Uint8Array([9, 9]));
    } finally {
      await other.close();
    }
  });

  it("open reports KMS_UNAVAILABLE when the proxy is down", async () => {
    const envelope = await ks.seal("hsm-master", new Uint8Array([7]));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const down = new RemoteKms({ url: `http://127.0.0.1:${port}`, token: app.token, retries: 0, timeoutMs: 2000 });
    const offline = await KeyState.open({ store: new MemoryStore(), principal: "carol", kms: { wrapper: down, keys: ["hsm-master"] } });
    try {
      const error = await offline.open(envelope).catch((e: unknown) => e);
      expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);
    } finally {
      await offline.close();
    }
  });

  it("seals a stream", async () => {
    const chunks = [new Uint8Array(3000).fill(1), new Uint8Array(2000).fill(2)];
    async function* source() {
      yield* chunks;
    }
    const sealed: Uint8Array[] = [];
    for await (const part of await ks.seal("hsm-master", source(), { chunkSize: 1024 })) sealed.push(part);

    async function* replay() {
      yield* sealed;
    }
    let total = 0;
    for await (const part of await ks.open(replay())) total += part.length;
    expect(total).toBe(5000);
  });
});
