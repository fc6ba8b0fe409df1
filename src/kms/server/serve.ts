import { parseArgs } from "node:util";
import { pino, type Logger } from "pino";

import { FileStore } from "../../backends/file-store.js";
import { KeyStateError } from "../../errors.js";
import type { KmsBackend } from "./backend.js";
import { Pkcs11Backend } from "./pkcs11-backend.js";
import { createKmsProxy, type KmsProxy } from "./proxy.js";
import { SoftwareBackend } from "./software-backend.js";

/** Help text of `keystate kms serve`. */
export const SERVE_USAGE = `Usage: keystate kms serve --tokens FILE (--pkcs11-module PATH --token LABEL | --store DIR) [options]

Runs the KMS proxy until SIGINT or SIGTERM, then finishes requests in flight.

  --tokens FILE          principals and their token hashes (JSON); see docs/kms-proxy.md
  --pkcs11-module PATH   PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so
  --token LABEL          label of the token that holds the master keys;
                         the user PIN is read from KEYSTATE_PKCS11_PIN
  --store DIR            a KeyState file store instead of a token (software keys);
                         its passphrase is read from KEYSTATE_PASSPHRASE
  --host HOST            address to listen on (default 127.0.0.1)
  --port PORT            TCP port (default 0: any free port)
  --max-body-bytes N     largest request body in bytes (default 65536)
  --allowed-origin ORIG  let browser pages from ORIG call the proxy (CORS); repeatable
`;

export interface KmsServeHandle {
  url: string;
  proxy: KmsProxy;
  backend: KmsBackend;
  /** Stops the proxy, then closes the backend. */
  stop(): Promise<void>;
}

/**
 * Parses `keystate kms serve` arguments, opens the backend and starts the
 * proxy. Throws INVALID_ARGUMENT for missing or conflicting options.
 */
export async function startKmsServe(argv: string[], env: NodeJS.ProcessEnv = process.env, logger: Logger = pino()): Promise<KmsServeHandle> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tokens: { type: "string" },
      "pkcs11-module": { type: "string" },
      token: { type: "string" },
      store: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      "max-body-bytes": { type: "string" },
      "allowed-origin": { type: "string", multiple: true },
    },
    strict: true,
  });

  if (values.tokens === undefined) throw usage("--tokens FILE is required");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be 0 to 65535, got ${values.port}`);
  const maxBodyBytes = values["max-body-bytes"] === undefined ? undefined : Number(values["max-body-bytes"]);
  if (maxBodyBytes !== undefined && !(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    throw usage(`--max-body-bytes must be a positive integer, got ${values["max-body-bytes"]}`);
  }

  const backend = await openBackend(values, env);
  try {
    const proxy = createKmsProxy({
      backend,
      tokens: values.tokens,
      logger,
      limits: { maxBodyBytes },
      allowedOrigins: values["allowed-origin"],
    });
    const url = await proxy.listen({ host: values.host, port });
    return {
      url,
      proxy,
      backend,
      stop: async () => {
        await proxy.close();
        await backend.close();
      },
    };
  } catch (error) {
    await backend.close();
    throw error;
  }
}

async function openBackend(values: { "pkcs11-module"?: string; token?: string; store?: string }, env: NodeJS.ProcessEnv): Promise<KmsBackend> {
  const modulePath = values["pkcs11-module"];
  if (modulePath !== undefined && values.store !== undefined) throw usage("use either --pkcs11-module with --token, or --store, not both");

  if (modulePath !== undefined) {
    if (values.token === undefined) throw usage("--token LABEL is required with --pkcs11-module");
    const pin = env.KEYSTATE_PKCS11_PIN;
    if (pin === undefined || pin.length === 0) throw usage("set the token's user PIN in the environment variable KEYSTATE_PKCS11_PIN");
    return Pkcs11Backend.open({ modulePath, tokenLabel: values.token, pin });
  }

  if (values.store !== undefined) {
    const passphrase = env.KEYSTATE_PASSPHRASE;
    if (passphrase === undefined || passphrase.length === 0) throw usage("set the store's passphrase in the environment variable KEYSTATE_PASSPHRASE");
    const store = await FileStore.open(values.store, { passphrase });
    return new SoftwareBackend(store, { closeStore: true });
  }

  throw usage("choose a backend: --pkcs11-module PATH --token LABEL, or --store DIR");
}

function usage(message: string): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", `${message}\n\n${SERVE_USAGE}`);
}
