import { UsageError, multipleOption, type CommandInput, type OptionSpec } from "../command.js";

/** The --context option of encrypt and decrypt. */
export const CONTEXT_OPTION: Record<string, OptionSpec> = {
  context: {
    type: "string",
    multiple: true,
    valueName: "KEY=VALUE",
    description: "Encryption context, bound to the ciphertext; decrypt needs the same pairs. Repeat for more pairs.",
  },
};

/** Parses repeated --context KEY=VALUE options; returns undefined when there are none. */
export function parseContext(input: CommandInput, commandPath: string): Record<string, string> | undefined {
  const pairs = multipleOption(input, "context");
  if (pairs.length === 0) return undefined;

  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf("=");
    if (separator <= 0) throw new UsageError(`The option --context needs KEY=VALUE, got "${pair}".`, commandPath);

    const key = pair.slice(0, separator);
    if (Object.hasOwn(context, key)) throw new UsageError(`The context key "${key}" is given twice.`, commandPath);
    context[key] = pair.slice(separator + 1);
  }
  return context;
}
