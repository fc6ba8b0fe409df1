import { isKeyName } from "../../keys/names.js";
import type { KeyAlgorithm, KeyInfo, KeyPurpose } from "../../keys/types.js";
import {
  EXIT_SUCCESS,
  positiveIntegerOption,
  requiredOption,
  stringOption,
  UsageError,
  type Command,
  type CommandGroup,
  type CommandInput,
} from "../command.js";
import { getKeyForCli, replacingPrimary } from "../library-errors.js";

const PURPOSES: readonly KeyPurpose[] = ["encrypt", "sign", "mac", "wrap"];
const ALGORITHMS: readonly KeyAlgorithm[] = ["XCHACHA20-POLY1305", "AES-256-GCM", "ED25519", "ECDSA-P256", "HMAC-SHA256", "AES-KW"];

const jsonOption = { json: { type: "boolean", description: "Print JSON instead of a table." } } as const;

const createCommand: Command = {
  name: "create",
  summary: "Create a key with one primary version",
  arguments: ["NAME"],
  options: {
    purpose: { type: "string", valueName: "PURPOSE", description: "What the key is for: encrypt, sign, mac or wrap. Required." },
    alg: {
      type: "string",
      valueName: "ALG",
      description: `Algorithm: ${ALGORITHMS.join(", ")}. Default by purpose: XCHACHA20-POLY1305, ED25519, HMAC-SHA256, AES-KW.`,
    },
    "rotate-every": {
      type: "string",
      valueName: "DURATION",
      description: 'Rotation policy: maximum age of the primary version, e.g. 90d, 12h, 30m (units ms, s, m, h, d, w). "keystate rotate --due" rotates due keys.',
    },
  },
  details: 'Key names are 1 to 128 characters from A-Z, a-z, 0-9, ".", "_" and "-".',

  async run(input, context) {
    const purpose = requiredOption(input, "purpose", "key create");
    if (!PURPOSES.includes(purpose as KeyPurpose)) {
      throw new UsageError(`The purpose must be one of ${PURPOSES.join(", ")}, got "${purpose}".`, "key create");
    }
    const algorithm = stringOption(input, "alg")?.toUpperCase();
    if (algorithm !== undefined && !ALGORITHMS.includes(algorithm as KeyAlgorithm)) {
      throw new UsageError(`The algorithm must be one of ${ALGORITHMS.join(", ")}, got "${stringOption(input, "alg")}".`, "key create");
    }

    const rotateEvery = stringOption(input, "rotate-every");

    const client = await context.openClient();
    const info = await client.createKey(input.positionals[0]!, {
      purpose: purpose as KeyPurpose,
      ...(algorithm === undefined ? {} : { algorithm: algorithm as KeyAlgorithm }),
      ...(rotateEvery === undefined ? {} : { rotation: { every: rotateEvery } }),
    });

    const rotation = rotateEvery === undefined ? "" : ` It rotates every ${rotateEvery}.`;
    context.say(`Created ${info.purpose} key ${info.name} (${info.algorithm}), version 1.${rotation}`);
    return EXIT_SUCCESS;
  },
};

const listCommand: Command = {
  name: "list",
  summary: "List the keys with their purpose, algorithm and primary version",
  options: { ...jsonOption },

  async run(input, context) {
    const client = await context.openClient();
    const keys = await client.listKeys();

    if (input.values.json === true) {
      context.print(JSON.stringify(keys, null, 2));
      return EXIT_SUCCESS;
    }
    if (keys.length === 0) {
      // listKeys shows only the keys the access policy lets the principal see,
      // so an empty list does not mean an empty store.
      const stored = (await (await context.openStore()).listKeys()).filter((info) => isKeyName(info.name));
      if (stored.length > 0) {
        context.say(
          `No keys are visible to principal ${JSON.stringify(context.principal)}: the access policy hides the store's ${stored.length} key(s) from it. ` +
            'Run as another principal, or see "keystate policy show".',
        );
      } else {
        context.say(`The store ${context.storeDirectory} has no keys yet; create one with "keystate key create".`);
      }
      return EXIT_SUCCESS;
    }

    const rows = keys.map((key) => [key.name, key.purpose, key.algorithm, String(primaryVersion(key) ?? "-"), String(key.versions.length)]);
    for (const line of formatTable(["NAME", "PURPOSE", "ALGORITHM", "PRIMARY", "VERSIONS"], rows)) context.print(line);
    return EXIT_SUCCESS;
  },
};

const showCommand: Command = {
  name: "show",
  summary: "Show a key's versions and their status (never the key material)",
  arguments: ["NAME"],
  options: { ...jsonOption },

  async run(input, context) {
    const client = await context.openClient();
    const key = await getKeyForCli(client, input.positionals[0]!);

    if (input.values.json === true) {
      context.print(JSON.stringify(key, null, 2));
      return EXIT_SUCCESS;
    }

    context.print(`Name:      ${key.name}`);
    context.print(`Purpose:   ${key.purpose}`);
    context.print(`Algorithm: ${key.algorithm}`);
    context.print(`Created:   ${new Date(key.createdAt).toISOString()}`);
    context.print("");
    const rows = key.versions.map((version) => [
      String(version.version),
      version.id.toString(16).padStart(8, "0"),
      version.status,
      new Date(version.createdAt).toISOString(),
      String(version.usage.operations),
      String(version.usage.bytes),
    ]);
    for (const line of formatTable(["VERSION", "ID", "STATUS", "CREATED", "OPERATIONS", "BYTES"], rows)) context.print(line);
    return EXIT_SUCCESS;
  },
};

const rotateCommand: Command = {
  name: "rotate",
  summary: "Add a new primary version; older versions keep decrypting and verifying",
  arguments: ["NAME"],
  options: {},

  async run(input, context) {
    const client = await context.openClient();
    const version = await client.rotate(input.positionals[0]!);

    context.say(`Rotated ${input.positionals[0]}: version ${version.version} is now primary.`);
    return EXIT_SUCCESS;
  },
};

const promoteOption = {
  promote: {
    type: "string",
    valueName: "N",
    description: "An active version to make primary in the same step. Required when --version is the primary.",
  },
} as const;

const revokeCommand: Command = {
  name: "revoke",
  summary: "Disable a version: it stops decrypting and verifying",
  arguments: ["NAME"],
  options: {
    version: { type: "string", valueName: "N", description: "The version to disable. Required." },
    ...promoteOption,
  },
  details: 'A disabled version can be made active again with "keystate key enable".',

  async run(input, context) {
    const name = input.positionals[0]!;
    const version = positiveIntegerOption(input, "version", "key revoke");
    const promote = optionalVersion(input, "promote", "key revoke");

    rejectSamePromote(version, promote, "key revoke");

    const client = await context.openClient();
    await replacingPrimary(client, name, version, promote, "key revoke", () =>
      client.revoke(name, { version, ...(promote === undefined ? {} : { promote }) }),
    );

    context.say(`Revoked version ${version} of ${name}: it no longer decrypts or verifies.`);
    return EXIT_SUCCESS;
  },
};

const enableCommand: Command = {
  name: "enable",
  summary: "Make a disabled version active again",
  arguments: ["NAME"],
  options: { version: { type: "string", valueName: "N", description: "The version to enable. Required." } },

  async run(input, context) {
    const name = input.positionals[0]!;
    const version = positiveIntegerOption(input, "version", "key enable");

    const client = await context.openClient();
    await client.enable(name, { version });

    context.say(`Enabled version ${version} of ${name}: it decrypts and verifies again.`);
    return EXIT_SUCCESS;
  },
};

const promoteCommand: Command = {
  name: "promote",
  summary: "Make an active version the primary",
  arguments: ["NAME"],
  options: { version: { type: "string", valueName: "N", description: "The active version to make primary. Required." } },

  async run(input, context) {
    const name = input.positionals[0]!;
    const version = positiveIntegerOption(input, "version", "key promote");

    const client = await context.openClient();
    await client.promote(name, { version });

    context.say(`Version ${version} of ${name} is now primary.`);
    return EXIT_SUCCESS;
  },
};

const destroyCommand: Command = {
  name: "destroy",
  summary: "Delete a version's key material for good",
  arguments: ["NAME"],
  options: {
    version: { type: "string", valueName: "N", description: "The version to destroy. Required." },
    yes: { type: "boolean", description: "Confirm: data encrypted under the version can never be decrypted again." },
    ...promoteOption,
  },

  async run(input, context) {
    const name = input.positionals[0]!;
    const version = positiveIntegerOption(input, "version", "key destroy");
    const promote = optionalVersion(input, "promote", "key destroy");
    if (input.values.yes !== true) {
      throw new UsageError(
        `Destroying version ${version} of ${name} cannot be undone, and its ciphertexts become undecryptable; add --yes to confirm.`,
        "key destroy",
      );
    }

    rejectSamePromote(version, promote, "key destroy");

    const client = await context.openClient();
    await replacingPrimary(client, name, version, promote, "key destroy", () =>
      client.destroy(name, { version, confirm: true, ...(promote === undefined ? {} : { promote }) }),
    );

    context.say(`Destroyed version ${version} of ${name}: its key material is gone.`);
    return EXIT_SUCCESS;
  },
};

export const keyGroup: CommandGroup = {
  name: "key",
  summary: "Create, inspect, rotate, revoke and destroy keys",
  commands: [createCommand, listCommand, showCommand, rotateCommand, revokeCommand, enableCommand, promoteCommand, destroyCommand],
};

function rejectSamePromote(version: number, promote: number | undefined, commandPath: string): void {
  if (promote === version) {
    throw new UsageError(`--promote ${promote} names the version to change; pass another active version as --promote N.`, commandPath);
  }
}

function optionalVersion(input: CommandInput, name: string, commandPath: string): number | undefined {
  return stringOption(input, name) === undefined ? undefined : positiveIntegerOption(input, name, commandPath);
}

function primaryVersion(key: KeyInfo): number | undefined {
  return key.versions.find((version) => version.status === "primary")?.version;
}

/** Formats rows as left-aligned columns under a header. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [format(header), ...rows.map(format)];
}
