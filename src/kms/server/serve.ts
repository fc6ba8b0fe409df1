import { parseArgs } from "node:util";
import { pino, type Logger } from "pino";

import { FileStore } from "../../backends/file-store.js";
import type { KeyStore } from "../../backends/key-store.js";
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

/** Options of startKmsServer: one backend, the tokens file and where to listen. */
export interface KmsServerOptions {
  /** Path of the tokens file. */
  tokens: string;
  /** A PKCS#11 token; the PIN comes from the caller (the CLI reads KEYSTATE_PKCS11_PIN). */
  pkcs11?: { modulePath: string; tokenLabel: string; pin: string };
  /** A key store for software keys; closed when the server stops. */
  store?: KeyStore;
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  allowedOrigins?: readonly string[];
}

/** Opens the backend and starts the proxy. Throws INVALID_ARGUMENT unless exactly one backend is given. */
export async function startKmsServer(options: KmsServerOptions, logger: Logger = pino()): Promise<KmsServeHandle> {
  if ((options.pkcs11 === undefined) === (options.store === undefined)) {
    throw new KeyStateError("INVALID_ARGUMENT", "choose one backend: a PKCS#11 token (--pkcs11-module PATH --token LABEL) or a store (--store DIR)");
  }

  const backend: KmsBackend =
    options.pkcs11 !== undefined ? await Pkcs11Backend.open(options.pkcs11) : new SoftwareBackend(options.store!, { closeStore: true });
  try {
    const proxy = createKmsProxy({
      backend,
      tokens: options.tokens,
      logger,
      limits: { maxBodyBytes: options.maxBodyBytes },
      allowedOrigins: options.allowedOrigins,
    });
    const url = await proxy.listen({ host: options.host, port: options.port });
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

/**
 * Parses `kms serve` arguments, opens the backend and starts the proxy, for
 * callers outside the CLI. Throws INVALID_ARGUMENT for missing or conflicting options.
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

  const modulePath = values["pkcs11-module"];
  if (modulePath !== undefined && values.store !== undefined) throw usage("use either --pkcs11-module with --token, or --store, not both");
  if (modulePath === undefined && values.store === undefined) throw usage("choose a backend: --pkcs11-module PATH --token LABEL, or --store DIR");

  const common = { tokens: values.tokens, host: values.host, port, maxBodyBytes, allowedOrigins: values["allowed-origin"] };
  if (modulePath !== undefined) {
    if (values.token === undefined) throw usage("--token LABEL is required with --pkcs11-module");
    return startKmsServer({ ...common, pkcs11: { modulePath, tokenLabel: values.token, pin: pinFrom(env) } }, logger);
  }

  const passphrase = env.KEYSTATE_PASSPHRASE;
  if (passphrase === undefined || passphrase.length === 0) throw usage("set the store's passphrase in the environment variable KEYSTATE_PASSPHRASE");
  const store = await FileStore.open(values.store!, { passphrase });
  return startKmsServer({ ...common, store }, logger);
}

/** Reads the token's user PIN from KEYSTATE_PKCS11_PIN. Throws INVALID_ARGUMENT when it is missing. */
export function pinFrom(env: NodeJS.ProcessEnv | Record<string, string | undefined>): string {
  const pin = env.KEYSTATE_PKCS11_PIN;
  if (pin === undefined || pin.length === 0) throw usage("set the token's user PIN in the environment variable KEYSTATE_PKCS11_PIN");
  return pin;
}

function usage(message: string): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", `${message}\n\n${SERVE_USAGE}`);
}
