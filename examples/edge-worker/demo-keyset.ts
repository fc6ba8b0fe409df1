// Makes the three secrets the edge examples read: a sealed keyset with an
// Ed25519 token key and a config key, its master key, and the encrypted
// configuration. In production the keyset comes from
// `keystate keyset export --keys api-tokens,config`; this demo makes one in
// memory so the example runs without a store.
import { readFile } from "node:fs/promises";
import process from "node:process";
import { KeyState, MemoryStore } from "../../src/index.js";
import { encodeBase64Url } from "../../src/format/base64url.js";
import { CONFIG_KEY, TOKEN_KEY } from "./api.js";

/** The environment secrets of an edge example. */
export interface EdgeSecrets {
  KEYSET: string;
  KEYSET_MASTER_KEY: string;
  CONFIG_SECRET: string;
}

/**
 * Returns the secrets from the environment when KEYSET_FILE (a file that
 * `keystate keyset export` wrote), KEYSET_MASTER_KEY and CONFIG_SECRET are
 * set, else makes a demo keyset with fresh keys.
 */
export async function edgeSecrets(): Promise<EdgeSecrets> {
  const { KEYSET_FILE, KEYSET_MASTER_KEY, CONFIG_SECRET } = process.env;
  if (KEYSET_FILE && KEYSET_MASTER_KEY && CONFIG_SECRET) {
    return { KEYSET: (await readFile(KEYSET_FILE, "utf8")).trim(), KEYSET_MASTER_KEY, CONFIG_SECRET };
  }

  const source = await KeyState.open({ store: new MemoryStore({ cryptoKeys: false }), principal: "operator" });
  await source.createKey(TOKEN_KEY, { purpose: "sign" });
  await source.createKey(CONFIG_KEY, { purpose: "encrypt" });

  const config = { upstreamUrl: "https://upstream.example/api", apiKey: encodeBase64Url(crypto.getRandomValues(new Uint8Array(24))) };
  const configSecret = await source.encryptToString(CONFIG_KEY, JSON.stringify(config));
  const masterKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const keyset = await source.exportSealedKeyset([TOKEN_KEY, CONFIG_KEY], { masterKey });
  await source.close();

  return { KEYSET: keyset, KEYSET_MASTER_KEY: masterKey, CONFIG_SECRET: configSecret };
}
