import { encodeBase64Url } from "../../format/base64url.js";
import { randomBytes } from "../../crypto/random.js";
import { MASTER_KEY_LENGTH } from "../../keyset/master-key.js";
import { EXIT_SUCCESS, requiredOption, stringOption, UsageError, type Command, type CommandGroup } from "../command.js";
import { checkOutputPath, FORCE_OPTION, writeOutput } from "../io.js";

/** Environment variable the master key is read from when --master-key-env is absent. */
const DEFAULT_MASTER_KEY_VARIABLE = "KEYSTATE_KEYSET_MASTER_KEY";

const exportCommand: Command = {
  name: "export",
  summary: "Write keys with their material, sealed under a master key, for an edge function",
  options: {
    keys: { type: "string", valueName: "NAME,...", description: "Comma-separated names of the keys to export. Required." },
    out: { type: "string", valueName: "FILE", description: "Write the sealed keyset to FILE (mode 0600). Default: stdout." },
    ...FORCE_OPTION,
    "master-key-env": {
      type: "string",
      valueName: "VAR",
      description: `Environment variable holding the 32-byte master key in base64url. Default: ${DEFAULT_MASTER_KEY_VARIABLE}.`,
    },
  },
  details:
    'The output is one line starting with "ksk1.". Put it in an environment secret of the edge function and open it ' +
    "there with KeyState.fromSealedKeyset(text, { masterKey, principal }). Only primary and active versions are " +
    'exported; each key needs the policy\'s "admin" operation and the audit log records an "export-keyset" event. ' +
    'Make a master key with "keystate keyset master-key". See docs/keyset.md.',

  async run(input, context) {
    const names = requiredOption(input, "keys", "keyset export")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
    if (names.length === 0) throw new UsageError("--keys must name at least one key.", "keyset export");

    const variable = stringOption(input, "master-key-env") ?? DEFAULT_MASTER_KEY_VARIABLE;
    const masterKey = context.io.env[variable];
    if (masterKey === undefined || masterKey.length === 0) {
      throw new UsageError(
        `The environment variable ${variable} is not set; put the keyset master key there (base64url), ` +
          'or make one with "keystate keyset master-key".',
        "keyset export",
      );
    }

    const out = stringOption(input, "out");
    const output = { replace: input.values.force === true, commandPath: "keyset export" };
    await checkOutputPath(context.io, out, output.replace, output.commandPath);

    const client = await context.openClient();
    const sealed = await client.exportSealedKeyset(names, { masterKey });
    await writeOutput(context.io, out, `${sealed}\n`, output);
    if (out !== undefined && out !== "-") context.say(`Wrote a sealed keyset of ${names.length} key(s) to ${out}.`);
    return EXIT_SUCCESS;
  },
};

const masterKeyCommand: Command = {
  name: "master-key",
  summary: "Print a new random keyset master key in base64url",
  options: {},
  details: `Store it where the edge function reads secrets, and in ${DEFAULT_MASTER_KEY_VARIABLE} when running "keyset export". Anyone with the master key and the sealed keyset has the keys.`,

  async run(_input, context) {
    context.print(encodeBase64Url(randomBytes(MASTER_KEY_LENGTH)));
    return EXIT_SUCCESS;
  },
};

/** `keystate keyset ...`: sealed keysets for edge functions. */
export const keysetGroup: CommandGroup = {
  name: "keyset",
  summary: "Export keys as a sealed keyset for edge functions",
  commands: [exportCommand, masterKeyCommand],
};
