import { pino } from "pino";

import { issueToken } from "../../kms/server/tokens.js";
import { pinFrom, startKmsServer } from "../../kms/server/serve.js";
import { EXIT_SUCCESS, requiredOption, stringOption, UsageError, type Command, type CommandGroup } from "../command.js";

const serveCommand: Command = {
  name: "serve",
  summary: "Run the KMS proxy over a PKCS#11 token or the store, until SIGINT or SIGTERM",
  options: {
    tokens: { type: "string", valueName: "FILE", description: 'Principals and their token hashes: a JSON file { "principals": [...] } holding the "entry" that keystate kms issue-token prints for each principal. Required.' },
    "pkcs11-module": { type: "string", valueName: "PATH", description: "PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. The user PIN is read from KEYSTATE_PKCS11_PIN." },
    token: { type: "string", valueName: "LABEL", description: "Label of the token that contains the master keys. Required with --pkcs11-module." },
    host: { type: "string", valueName: "HOST", description: "Address to listen on. Default 127.0.0.1." },
    port: { type: "string", valueName: "PORT", description: "TCP port. Default 0: any free port." },
    "max-body-bytes": { type: "string", valueName: "N", description: "Largest request body, in bytes. Default 65536." },
    "allowed-origin": { type: "string", multiple: true, valueName: "ORIGIN", description: "Let browser pages from ORIGIN call the proxy (CORS). Repeatable." },
    policy: {
      type: "string",
      valueName: "FILE",
      description: 'With --pkcs11-module: the access policy, a JSON list of rules or an object with "rules". Required unless --allow-all.',
    },
    audit: { type: "string", valueName: "FILE", description: "With --pkcs11-module: the audit log (JSON Lines) to append to. Required with --pkcs11-module." },
    "allow-all": { type: "boolean", description: "Serve without an access policy: every principal in the tokens file may use every key." },
  },
  details:
    "Without --pkcs11-module the proxy serves software keys from the store chosen with --store, " +
    "applies the store's access policy and appends its audit events to the store's audit.jsonl. " +
    "It prints its URL on stdout and logs one JSON line per request on stderr. " +
    "Put a TLS terminator in front of it; docs/kms-proxy.md shows nginx and Caddy set-ups.",

  async run(input, context) {
    const tokens = requiredOption(input, "tokens", "kms serve");
    const modulePath = stringOption(input, "pkcs11-module");
    const port = Number(stringOption(input, "port") ?? "0");
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`The option --port must be 0 to 65535, got "${stringOption(input, "port")}".`, "kms serve");
    }
    const maxBodyText = stringOption(input, "max-body-bytes");
    const maxBodyBytes = maxBodyText === undefined ? undefined : Number(maxBodyText);
    if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes > 0)) {
      throw new UsageError(`The option --max-body-bytes must be a positive integer, got "${maxBodyText}".`, "kms serve");
    }
    const origins = input.values["allowed-origin"];

    const common = {
      tokens,
      host: stringOption(input, "host") ?? "127.0.0.1",
      port,
      maxBodyBytes,
      allowedOrigins: Array.isArray(origins) ? origins : undefined,
      allowAll: input.values["allow-all"] === true,
    };
    const logger = pino({}, pino.destination(2));

    let server;
    if (modulePath !== undefined) {
      const tokenLabel = requiredOption(input, "token", "kms serve");
      const policyFile = stringOption(input, "policy");
      if (policyFile === undefined && !common.allowAll) {
        throw new UsageError("The option --policy FILE is required with --pkcs11-module; pass --allow-all to let every principal use every key.", "kms serve");
      }
      const auditFile = requiredOption(input, "audit", "kms serve");
      if (!context.io.env.KEYSTATE_PKCS11_PIN) {
        throw new UsageError("The environment variable KEYSTATE_PKCS11_PIN is missing; set it to the token's user PIN.", "kms serve");
      }
      const pkcs11 = { modulePath, tokenLabel, pin: pinFrom(context.io.env) };
      server = await startKmsServer({ ...common, pkcs11, policyFile, auditFile }, logger);
    } else {
      if (stringOption(input, "policy") !== undefined || stringOption(input, "audit") !== undefined) {
        throw new UsageError("The options --policy and --audit apply to --pkcs11-module; with --store the proxy uses the store's policy and audit.jsonl.", "kms serve");
      }
      server = await startKmsServer({ ...common, store: await context.openStore(), storeDirectory: context.storeDirectory }, logger);
    }
    context.print(server.url);

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.stop();
    return EXIT_SUCCESS;
  },
};

const issueTokenCommand: Command = {
  name: "issue-token",
  summary: "Make a bearer token for a principal and print it with its tokens-file entry",
  arguments: ["PRINCIPAL"],
  options: {
    signing: { type: "boolean", description: "Also make a request-signing secret; the proxy then requires signed requests from this principal." },
  },
  details: 'Give the token (and secret) to the client, and copy the printed "entry" into the "principals" array of the tokens file. The file stores only the token\'s SHA-256.',

  async run(input, context) {
    const principal = input.positionals[0];
    if (principal === undefined || principal.length === 0) throw new UsageError("Name the principal, e.g. keystate kms issue-token billing.", "kms issue-token");

    const issued = issueToken(principal, { signing: input.values.signing === true });
    context.print(JSON.stringify({ token: issued.token, signingSecret: issued.signingSecret, entry: issued.credential }, null, 2));
    return EXIT_SUCCESS;
  },
};

/** `keystate kms ...`: the KMS proxy. */
export const kmsGroup: CommandGroup = {
  name: "kms",
  summary: "Run the KMS proxy and issue its tokens",
  commands: [serveCommand, issueTokenCommand],
};
