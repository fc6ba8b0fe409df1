import type { CliContext } from "./context.js";

/** One option of a command, in the shape node:util parseArgs reads, plus its help. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** The option may repeat; its value is then an array. */
  multiple?: boolean;
  /** Placeholder of the value in help, e.g. "FILE". */
  valueName?: string;
  /** Help sentence: the value the option sets, with its unit and default. */
  description: string;
}

/** Parsed command line of one command. */
export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/**
 * A command: `keystate NAME ...`, or `keystate GROUP NAME ...` inside a
 * group. `run` returns the exit status: 0 for success, 1 when the operation
 * failed (a decryption, a signature check). Usage errors are thrown as UsageError.
 */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Names of the positional arguments, each required, e.g. ["NAME"]. */
  arguments?: string[];
  options: Record<string, OptionSpec>;
  /** Paragraphs shown after the options in `--help`. */
  details?: string;
  run(input: CommandInput, context: CliContext): Promise<number>;
}

/** Commands under a shared first word, e.g. `keystate key create`. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

/** A mistake on the command line: exit status 2 and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    /** The command whose help to point to, e.g. "key create". */
    readonly commandPath?: string,
  ) {
    super(message);
  }
}

/** Exit statuses of the CLI. */
export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Returns a string option's value, or undefined. */
export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Returns a string option's value or throws UsageError naming it. */
export function requiredOption(input: CommandInput, name: string, commandPath: string): string {
  const value = stringOption(input, name);
  if (value === undefined || value.length === 0) throw new UsageError(`The option --${name} is required.`, commandPath);
  return value;
}

/** Returns the values of a repeatable string option. */
export function multipleOption(input: CommandInput, name: string): string[] {
  const value = input.values[name];
  return Array.isArray(value) ? value : [];
}

/** Parses a positive integer option such as --version; throws UsageError otherwise. */
export function positiveIntegerOption(input: CommandInput, name: string, commandPath: string): number {
  const text = requiredOption(input, name, commandPath);
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`The option --${name} must be a positive integer, got "${text}".`, commandPath);
  }
  return value;
}
