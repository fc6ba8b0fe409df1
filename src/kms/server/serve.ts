import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino, type Logger } from "pino";

import { fileSink, storeAuditSink } from "../../audit/file-sink.js";
import { AuditLog } from "../../audit/log.js";
import { FileStore } from "../../backends/file-store.js";
import type { KeyStore } from "../../backends/key-store.js";
import { MemoryStore } from "../../backends/memory-store.js";
import { KeyStateError } from "../../errors.js";
import { POLICY_DOCUMENT, PolicyEngine } from "../../policy/engine.js";
import type { PolicyDocument } from "../../policy/types.js";
import { validateRules } from "../../policy/validate.js";
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
                         its passphrase is read from KEYSTATE_PASSPHRASE; the proxy
                         applies the store's policy and appends to DIR/audit.jsonl
  --policy FILE          with --pkcs11-module: the access policy, a JSON list of
                         rules or an object with "rules"; required unless --allow-all
  --audit FILE           with --pkcs11-module: the audit log (JSON Lines); required
  --allow-all            serve without an access policy: every principal in the
                         tokens file may use every key
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
  /** With `store`: its directory. The audit log is appended to audit.jsonl there, as the CLI does. Required with `store`. */
  storeDirectory?: string;
  /** With `pkcs11`: the access policy file, a JSON list of rules or an object with "rules". Required unless `allowAll`. */
  policyFile?: string;
  /** With `pkcs11`: the audit log file, JSON Lines. Required. */
  auditFile?: string;
  /** Serve without an access policy, so every authenticated principal may use every key. Audit events are still written. */
  allowAll?: boolean;
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  allowedOrigins?: readonly string[];
}

/**
 * Opens the backend, the access policy and the audit log, and starts the
 * proxy. Throws INVALID_ARGUMENT unless exactly one backend is given, when a
 * PKCS#11 backend has no policy file (and no `allowAll`) or no audit file,
 * and when a store has no policy (and no `allowAll`).
 */
export async function startKmsServer(options: KmsServerOptions, logger: Logger = pino()): Promise<KmsServeHandle> {
  if ((options.pkcs11 === undefined) === (options.store === undefined)) {
    throw new KeyStateError("INVALID_ARGUMENT", "choose one backend: a PKCS#11 token (--pkcs11-module PATH --token LABEL) or a store (--store DIR)");
  }
  checkAccessOptions(options);

  const backend: KmsBackend =
    options.pkcs11 !== undefined ? await Pkcs11Backend.open(options.pkcs11) : new SoftwareBackend(options.store!, { closeStore: true });
  let audit: AuditLog | undefined;
  try {
    const access = await openAccessControl(options);
    audit = access.audit;
    const proxy = createKmsProxy({
      backend,
      tokens: options.tokens,
      policy: access.policy,
      audit,
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
        try {
          await audit!.close();
        } finally {
          await backend.close();
        }
      },
    };
  } catch (error) {
    await audit?.close();
    await backend.close();
    throw error;
  }
}

/** Rejects missing policy and audit options before the backend is opened. */
function checkAccessOptions(options: KmsServerOptions): void {
  if (options.store !== undefined) {
    if (options.storeDirectory === undefined) {
      throw new KeyStateError("INVALID_ARGUMENT", "storeDirectory is required with store: the audit log is written to audit.jsonl in that directory");
    }
    return;
  }

  if (options.policyFile === undefined && options.allowAll !== true) {
    throw usage("--policy FILE is required with --pkcs11-module; to let every principal in the tokens file use every key, pass --allow-all instead");
  }
  if (options.auditFile === undefined) throw usage("--audit FILE is required with --pkcs11-module: the proxy appends its audit log there (JSON Lines)");
}

/** The access policy (undefined with `allowAll`) and the audit log the proxy applies. */
interface AccessControl {
  policy: PolicyEngine | undefined;
  audit: AuditLog;
}

/**
 * Opens the access policy and the audit log. A store has both: its "policy"
 * document and its audit state, with the log in the store directory's
 * audit.jsonl, as the CLI keeps them. A PKCS#11 token has no place for them,
 * so the policy comes from `policyFile` and the audit state lives in memory.
 */
async function openAccessControl(options: KmsServerOptions): Promise<AccessControl> {
  if (options.store !== undefined) {
    const policy = options.allowAll === true ? undefined : await openStorePolicy(options.store);
    const audit = await AuditLog.open({ store: options.store, sinks: [storeAuditSink(options.storeDirectory!)] });
    return { policy, audit };
  }

  const state = new MemoryStore();
  const policy = options.policyFile === undefined ? undefined : await openFilePolicy(state, options.policyFile);
  // NOTE: the audit signing key and context salt are made anew at each start,
  // so checkpoints written by an earlier run cannot be verified with this run's key.
  const audit = await AuditLog.open({ store: state, sinks: [fileSink(resolve(options.auditFile!))] });
  return { policy, audit };
}

async function openStorePolicy(store: KeyStore): Promise<PolicyEngine> {
  // PolicyEngine.open would create a policy for its principal, so a store without one is rejected first.
  if ((await store.getDocument(POLICY_DOCUMENT)) === undefined) {
    throw usage('the store has no access policy; create one with "keystate init" or "keystate policy set", or pass --allow-all');
  }
  return PolicyEngine.open({ store, principal: "keystate-kms-proxy" });
}

/** Reads a policy file in the format "keystate policy set" accepts into `state`, and opens it. */
async function openFilePolicy(state: KeyStore, path: string): Promise<PolicyEngine> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw usage(`reading the policy file ${path} failed: ${(error as Error).message}`);
  }

  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  let document: PolicyDocument;
  try {
    document = { format: "keystate-policy", version: 1, rules: validateRules(rules), updatedAt: Date.now(), updatedBy: "--policy" };
  } catch (error) {
    throw usage(`the policy file ${path} is invalid: ${(error as Error).message}`);
  }

  // NOTE: the file is read once; restart the proxy to apply a changed policy.
  await state.putDocument(POLICY_DOCUMENT, document, null);
  return PolicyEngine.open({ store: state, principal: "keystate-kms-proxy" });
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
      policy: { type: "string" },
      audit: { type: "string" },
      "allow-all": { type: "boolean" },
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

  const common = { tokens: values.tokens, host: values.host, port, maxBodyBytes, allowedOrigins: values["allowed-origin"], allowAll: values["allow-all"] };
  if (modulePath !== undefined) {
    if (values.token === undefined) throw usage("--token LABEL is required with --pkcs11-module");
    const pkcs11 = { modulePath, tokenLabel: values.token, pin: pinFrom(env) };
    return startKmsServer({ ...common, pkcs11, policyFile: values.policy, auditFile: values.audit }, logger);
  }
  if (values.policy !== undefined || values.audit !== undefined) {
    throw usage("--policy and --audit apply to --pkcs11-module; with --store the proxy uses the store's policy and DIR/audit.jsonl");
  }

  const passphrase = env.KEYSTATE_PASSPHRASE;
  if (passphrase === undefined || passphrase.length === 0) throw usage("set the store's passphrase in the environment variable KEYSTATE_PASSPHRASE");
  const store = await FileStore.open(values.store!, { passphrase });
  return startKmsServer({ ...common, store, storeDirectory: values.store! }, logger);
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
