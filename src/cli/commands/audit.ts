import { fileSink } from "../../audit/file-sink.js";
import { EXIT_FAILURE, EXIT_SUCCESS, UsageError, stringOption, type Command, type CommandGroup } from "../command.js";

const verifyCommand: Command = {
  name: "verify",
  summary: "Check the store's audit log for changed, deleted, reordered or cut-off entries",
  options: { json: { type: "boolean", description: "Print the result as JSON." } },
  details:
    "Exit status 0 when the log is intact, 1 when it is not; then the first broken entry is printed to stdout. " +
    "The check covers the hash chain, every signed checkpoint and the latest checkpoint recorded in the store.",

  async run(input, context) {
    const client = await context.openClient();
    const result = await client.audit.verify();

    if (input.values.json === true) context.print(JSON.stringify(result));

    if (result.ok) {
      context.say(`The audit log ${context.auditFile} is intact: ${result.count} entries.`);
      return EXIT_SUCCESS;
    }

    context.say(`keystate: The audit log ${context.auditFile} is broken at entry ${result.index}: ${result.reason}.`);

    const entry = (await fileSink(context.auditFile).read())[result.index];
    if (input.values.json !== true) context.print(entry === undefined ? "(the entry is missing)" : JSON.stringify(entry));
    return EXIT_FAILURE;
  },
};

const tailCommand: Command = {
  name: "tail",
  summary: "Print the last entries of the store's audit log as JSON Lines",
  options: { lines: { type: "string", short: "n", valueName: "N", description: "Number of entries to print. Default 20." } },

  async run(input, context) {
    const text = stringOption(input, "lines") ?? "20";
    const count = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(count)) {
      throw new UsageError(`The option -n must be a whole number of entries, got "${text}".`, "audit tail");
    }

    const client = await context.openClient();
    for (const entry of await client.audit.tail(count)) context.print(JSON.stringify(entry));
    return EXIT_SUCCESS;
  },
};

/** `keystate audit verify|tail`: the store's audit log in audit.jsonl. */
export const auditGroup: CommandGroup = {
  name: "audit",
  summary: "Verify and read the store's tamper-evident audit log",
  commands: [verifyCommand, tailCommand],
};
