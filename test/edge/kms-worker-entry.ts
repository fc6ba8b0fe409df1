// A Worker that reaches a KMS proxy through RemoteKms, run inside workerd by
// test/edge-kms-workerd.node.test.ts: envelopes sealed in Node open here, and
// envelopes sealed here open in Node, while the master key stays in the proxy.
import wasm from "./keystate.wasm";
import { KeyState, MemoryStore } from "../../src/index.js";
import { RemoteKms } from "../../src/kms/client/index.js";

interface Env {
  KMS_URL: string;
  KMS_TOKEN: string;
  /** An envelope ("ks1." text) that Node sealed under the proxy's master key. */
  SEALED_IN_NODE: string;
}

const MASTER_KEY = "edge-master";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const kms = new RemoteKms({ url: env.KMS_URL, token: env.KMS_TOKEN, retries: 0 });
    const ks = await KeyState.open({ store: new MemoryStore(), principal: "edge", wasm, kms: { wrapper: kms, keys: [MASTER_KEY] } });
    const context = { tenant: "acme" };

    if (new URL(request.url).pathname === "/open") {
      const opened = await ks.open(env.SEALED_IN_NODE, { context });
      return Response.json({ plaintext: new TextDecoder().decode(opened) });
    }
    return Response.json({ sealed: await ks.sealToString(MASTER_KEY, "sealed in workerd", { context }) });
  },
};
