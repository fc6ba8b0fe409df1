// RemoteKms inside workerd: a KMS proxy with the software backend listens on
// 127.0.0.1, a Worker in Miniflare seals and opens envelopes through it, and
// Node opens and seals the other side. No nodejs_compat flag is set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModules } from "../scripts/bundle-worker.js";
import { KeyState } from "../src/client/keystate.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { createKmsProxy, issueToken, SoftwareBackend, type KmsProxy } from "../src/kms/server/index.js";

const ENTRY = fileURLToPath(new URL("./edge/kms-worker-entry.ts", import.meta.url));
const context = { tenant: "acme" };

let directory: string;
let proxy: KmsProxy;
let miniflare: Miniflare | undefined;
let workerUrl: URL;
let nodeClient: KeyState;

beforeAll(async () => {
  const credentials = issueToken("edge");
  proxy = createKmsProxy({ backend: new SoftwareBackend(new MemoryStore({ cryptoKeys: false })), tokens: { principals: [credentials.credential] } });
  const kmsUrl = await proxy.listen();
  const kms = new RemoteKms({ url: kmsUrl, token: credentials.token, retries: 0 });
  await kms.createKey("edge-master", "AES-256-GCM");

  nodeClient = await KeyState.open({ store: new MemoryStore(), principal: "node", kms: { wrapper: kms, keys: ["edge-master"] } });
  const sealedInNode = await nodeClient.sealToString("edge-master", "sealed in node", { context });

  directory = await mkdtemp(join(tmpdir(), "keystate-workerd-kms-"));
  miniflare = new Miniflare({
    modules: workerModules(await bundleWorker(ENTRY, directory)),
    modulesRoot: directory,
    compatibilityDate: "2026-04-01",
    bindings: { KMS_URL: kmsUrl, KMS_TOKEN: credentials.token, SEALED_IN_NODE: sealedInNode },
    host: "127.0.0.1",
    port: 0,
  });
  workerUrl = await miniflare.ready;
}, 120_000);

afterAll(async () => {
  await miniflare?.dispose();
  await proxy?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe("RemoteKms inside workerd", () => {
  it("opens an envelope sealed in Node", async () => {
    const response = await fetch(new URL("/open", workerUrl));

    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ plaintext: "sealed in node" });
  });

  it("seals an envelope that Node opens", async () => {
    const response = await fetch(new URL("/seal", workerUrl));
    expect(response.status, await response.clone().text()).toBe(200);
    const { sealed } = (await response.json()) as { sealed: string };

    const opened = await nodeClient.open(sealed, { context });

    expect(new TextDecoder().decode(opened)).toBe("sealed in workerd");
  });
});
