import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { StoredKey } from "../../backends/key-store.js";
import { isKeyName } from "../../keys/names.js";
import { EXIT_FAILURE, EXIT_SUCCESS, requiredOption, type Command } from "../command.js";
import type { CliContext } from "../context.js";
import { readBackup, writeBackup } from "../backup-file.js";
import { checkOutputPath, CliFailure, FORCE_OPTION, writeOutput } from "../io.js";

/** Environment variable with the passphrase of backup files; the store passphrase when unset. */
export const BACKUP_PASSPHRASE_VARIABLE = "KEYSTATE_BACKUP_PASSPHRASE";

const PASSPHRASE_DETAILS = [
  "The backup is sealed with AES-256-GCM under a key derived with scrypt (N=2^17, r=8, p=1) from",
  `${BACKUP_PASSPHRASE_VARIABLE}, or from the store passphrase when that is unset. Nothing in it is`,
  "readable without the passphrase: not the key names, not the metadata, not the material.",
  "It reads the store directly, so the access policy and the audit log do not see it. It holds",
  "the keys only: library-internal keys (the audit log's) and documents (the policy) stay out.",
].join("\n");

export const backupCommand: Command = {
  name: "backup",
  summary: "Write every key, with all its versions, to a sealed backup file",
  options: { out: { type: "string", valueName: "FILE", description: "The backup file to write (mode 0600). Required." }, ...FORCE_OPTION },
  details: PASSPHRASE_DETAILS,

  async run(input, context) {
    const outPath = requiredOption(input, "out", "backup");
    const output = { replace: input.values.force === true, commandPath: "backup" };
    await checkOutputPath(context.io, outPath, output.replace, output.commandPath);
    const store = await context.openStore();

    const keys: StoredKey[] = [];
    for (const info of await store.listKeys()) {
      // Library-internal keys such as the audit log's signing key ("__audit")
      // have names no user key can have; they belong to their store and stay out.
      if (!isKeyName(info.name)) continue;

      const stored = await store.getKey(info.name);
      if (stored !== undefined) keys.push(stored.value);
    }
    const text = await writeBackup(keys, backupPassphrase(context));
    await writeOutput(context.io, outPath, text, output);

    const versions = keys.reduce((total, key) => total + key.info.versions.length, 0);
    context.say(`Wrote ${keys.length} key(s) with ${versions} version(s) to ${outPath}.`);
    return EXIT_SUCCESS;
  },
};

export const restoreCommand: Command = {
  name: "restore",
  summary: "Restore the keys of a backup file into the store",
  options: { in: { type: "string", valueName: "FILE", description: "The backup file to read. Required." } },
  details: [
    'The store must exist ("keystate init"). It may hold other keys, but none with the name of a key',
    "in the backup: on any such clash nothing is restored and the command exits with status 1.",
    "",
    PASSPHRASE_DETAILS,
  ].join("\n"),

  async run(input, context) {
    const inPath = requiredOption(input, "in", "restore");
    const store = await context.openStore();
    const text = await readFile(resolve(context.io.cwd, inPath), "utf8").catch((error: unknown) => {
      throw new CliFailure(`Cannot read the backup file ${inPath}: ${error instanceof Error ? error.message : String(error)}.`);
    });
    const keys = await readBackup(text, backupPassphrase(context), inPath);

    const existing = new Set((await store.listKeys()).map((info) => info.name));
    const clashes = keys.filter((key) => existing.has(key.info.name)).map((key) => key.info.name);
    if (clashes.length > 0) {
      context.say(`keystate: The store already has key(s) ${clashes.join(", ")}; nothing was restored. Remove or rename those keys in the store, or restore into another store.`);
      return EXIT_FAILURE;
    }

    for (const key of keys) await store.putKey(key, null);

    context.say(`Restored ${keys.length} key(s) from ${inPath}.`);
    return EXIT_SUCCESS;
  },
};

function backupPassphrase(context: CliContext): string {
  const fromEnvironment = context.io.env[BACKUP_PASSPHRASE_VARIABLE];
  return fromEnvironment !== undefined && fromEnvironment.length > 0 ? fromEnvironment : context.passphrase;
}
