import { FileStore } from "../../backends/file-store.js";
import { SCRYPT_LOG_N_RANGE } from "../../backends/file/store-keys.js";
import { EXIT_FAILURE, EXIT_SUCCESS, stringOption, UsageError, type Command } from "../command.js";
import { readPassphrase } from "../passphrase.js";
import { PolicyEngine } from "../../policy/engine.js";

export const initCommand: Command = {
  name: "init",
  summary: "Create a new, empty store protected by a passphrase",
  options: {
    "scrypt-log-n": {
      type: "string",
      valueName: "N",
      description: `log2 of scrypt's cost parameter N, ${SCRYPT_LOG_N_RANGE.min} to ${SCRYPT_LOG_N_RANGE.max}. Default 17 (128 MiB of memory); lower values are for tests.`,
    },
  },
  details: [
    "The directory must be missing or empty. The passphrase comes from KEYSTATE_PASSPHRASE,",
    "else the terminal asks for it twice. Nothing can open the store without it.",
  ].join("\n"),

  async run(input, context) {
    const costText = stringOption(input, "scrypt-log-n");
    const scryptLogN = costText === undefined ? undefined : Number(costText);
    if (scryptLogN !== undefined && (!/^[0-9]+$/.test(costText!) || scryptLogN < SCRYPT_LOG_N_RANGE.min || scryptLogN > SCRYPT_LOG_N_RANGE.max)) {
      throw new UsageError(
        `The option --scrypt-log-n must be an integer from ${SCRYPT_LOG_N_RANGE.min} to ${SCRYPT_LOG_N_RANGE.max}, got "${costText}".`,
        "init",
      );
    }

    const directory = context.storeDirectory;
    if (await FileStore.exists(directory)) {
      context.say(`keystate: A store already exists in ${directory}; nothing was changed.`);
      return EXIT_FAILURE;
    }

    const passphrase = await readPassphrase(context.io, `New passphrase for ${directory}`, true);
    const store = await FileStore.open(directory, { passphrase }, { create: true, ...(scryptLogN === undefined ? {} : { scryptLogN }) });
    try {
      // Written now, so the creator owns the store rather than the first principal to open it.
      await PolicyEngine.open({ store, principal: context.principal });
    } finally {
      await store.close();
    }

    context.say(`Created a KeyState store in ${directory}. Its policy lets ${context.principal} do everything; see "keystate policy".`);
    return EXIT_SUCCESS;
  },
};
