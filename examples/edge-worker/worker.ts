// A Cloudflare Worker that issues and verifies API tokens and reads an
// encrypted configuration, with keys from a sealed keyset in its
// environment. Run it locally in workerd with `npm run example:worker`.
import wasm from "keystate/keystate.wasm";
import { KeyState } from "keystate";
import { handle } from "./api.js";

/** The Worker's bindings: three secrets (`wrangler secret put NAME`). */
interface Env {
  /** The "ksk1." text that `keystate keyset export --keys api-tokens,config` wrote. */
  KEYSET: string;
  /** The keyset's master key, base64url. */
  KEYSET_MASTER_KEY: string;
  /** The configuration as a "ks1." ciphertext under the keyset's config key. */
  CONFIG_SECRET: string;
}

// One client per isolate: opening decrypts the keyset once, and later
// requests reuse the loaded keys. Workers forbid random values at module
// load, so the client opens on the first request.
let client: Promise<KeyState> | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    client ??= KeyState.fromSealedKeyset(env.KEYSET, { masterKey: env.KEYSET_MASTER_KEY, principal: "edge-worker", wasm }).catch(
      (error: unknown) => {
        client = undefined;
        throw error;
      },
    );
    return handle(request, await client, env.CONFIG_SECRET);
  },
};
