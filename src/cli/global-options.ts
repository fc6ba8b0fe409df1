import type { OptionSpec } from "./command.js";

/**
 * Options every command accepts, before or after the command words. A new
 * global option goes here, and CliContext reads it.
 */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  store: {
    type: "string",
    valueName: "DIR",
    description: "Store directory. Default: the KEYSTATE_STORE environment variable, else ./.keystate.",
  },
  help: { type: "boolean", short: "h", description: "Show help for the command and exit." },
};
