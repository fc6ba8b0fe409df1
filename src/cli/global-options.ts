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
  principal: {
    type: "string",
    valueName: "NAME",
    description: "Principal to act as, which the access policy decides on and the audit log records. Default: the KEYSTATE_PRINCIPAL environment variable, else the operating-system user name.",
  },
  help: { type: "boolean", short: "h", description: "Show help for the command and exit." },
};
