import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isKeyStateError } from "../errors.js";
import { EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, UsageError, type Command, type CommandGroup, type OptionSpec } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { CliContext, type CliIo } from "./context.js";
import { GLOBAL_OPTIONS } from "./global-options.js";
import { renderCommandHelp, renderGroupHelp, renderMainHelp } from "./help.js";
import { CliFailure } from "./io.js";
import { PromptInterrupted } from "./passphrase.js";

/** Exit status after Ctrl-C at a prompt, as shells report SIGINT (128 + 2). */
const EXIT_INTERRUPTED = 130;

/**
 * Runs the keystate command line `argv` (without "node" and the script) and
 * returns the exit status: 0 success, 1 the operation failed, 2 usage error.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return report(error, io);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const { words, rest } = splitCommandWords(argv);
  const wantsHelp = rest.includes("--help") || rest.includes("-h");

  const first = words[0];
  if (first === undefined) {
    if (wantsHelp) {
      io.stdout.write(renderMainHelp(COMMANDS));
      return EXIT_SUCCESS;
    }
    io.stderr.write(renderMainHelp(COMMANDS));
    return EXIT_USAGE;
  }

  const entry = COMMANDS.find((candidate) => candidate.name === first);
  if (entry === undefined) throw new UsageError(`Unknown command "${first}".`);

  let command: Command;
  let path: string;
  if (isGroup(entry)) {
    const second = words[1];
    if (second === undefined) {
      if (wantsHelp) {
        io.stdout.write(renderGroupHelp(entry));
        return EXIT_SUCCESS;
      }
      io.stderr.write(renderGroupHelp(entry));
      return EXIT_USAGE;
    }

    const found = entry.commands.find((candidate) => candidate.name === second);
    if (found === undefined) throw new UsageError(`Unknown command "${entry.name} ${second}".`, entry.name);
    command = found;
    path = `${entry.name} ${second}`;
  } else {
    command = entry;
    path = entry.name;
  }

  const input = parseCommandLine(rest, command, path);
  if (input.values.help === true) {
    io.stdout.write(renderCommandHelp(path, command));
    return EXIT_SUCCESS;
  }

  const expected = command.arguments ?? [];
  if (input.positionals.length !== expected.length) {
    const wanted = expected.length === 0 ? "no arguments" : expected.join(" ");
    throw new UsageError(`"keystate ${path}" takes ${wanted}, got ${input.positionals.length} argument(s).`, path);
  }

  const context = new CliContext(io, input);
  try {
    return await command.run(input, context);
  } finally {
    await context.close();
  }
}

/**
 * Takes the command words (one, or two inside a group) out of `argv`. Global
 * options may come before them, with their values, as in
 * `keystate --store DIR key list`.
 */
function splitCommandWords(argv: readonly string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];

  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    const wordsNeeded = words.length === 0 || isGroup(COMMANDS.find((entry) => entry.name === words[0])) ? 2 : 1;

    if (words.length >= wordsNeeded || token === "--") {
      rest.push(...argv.slice(index));
      break;
    }

    if (token.startsWith("-")) {
      rest.push(token);
      const spec = globalOptionFor(token);
      const takesValue = spec?.type === "string" && !token.includes("=");
      if (takesValue && index + 1 < argv.length) rest.push(argv[++index]!);
      continue;
    }

    words.push(token);
  }

  return { words, rest };
}

function globalOptionFor(token: string): OptionSpec | undefined {
  if (token.startsWith("--")) return GLOBAL_OPTIONS[token.slice(2).split("=")[0]!];
  return Object.values(GLOBAL_OPTIONS).find((spec) => spec.short !== undefined && `-${spec.short}` === token);
}

function parseCommandLine(args: string[], command: Command, path: string): { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> } {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...command.options })) {
    options[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === true ? { multiple: true } : {}),
    };
  }

  try {
    const joined = joinDashValues(args, options);
    const { values, positionals } = parseArgs({ args: joined, options, strict: true, allowPositionals: true });
    return { positionals, values: values as Record<string, string | boolean | string[] | undefined> };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(firstSentence(message), path);
  }
}

/**
 * Rewrites `--name VALUE` as `--name=VALUE` when `name` takes a string and
 * VALUE starts with "-" but is no option of the command. parseArgs rejects
 * such values as ambiguous, yet a base64url signature starts with "-" about
 * once in 64 times.
 */
function joinDashValues(args: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const isOption = (token: string): boolean => {
    if (token.startsWith("--")) return token.slice(2).split("=")[0]! in options;
    return Object.values(options).some((option) => option.short !== undefined && `-${option.short}` === token);
  };

  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    const next = args[i + 1];
    const name = token.startsWith("--") && !token.includes("=") ? token.slice(2) : undefined;

    if (name !== undefined && options[name]?.type === "string" && next !== undefined && next.startsWith("-") && !isOption(next)) {
      joined.push(`${token}=${next}`);
      i++;
      continue;
    }

    joined.push(token);
  }
  return joined;
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const helpCommand = error.commandPath === undefined ? "keystate --help" : `keystate ${error.commandPath} --help`;
    io.stderr.write(`keystate: ${sentence(error.message)}\nRun "${helpCommand}" for usage.\n`);
    return EXIT_USAGE;
  }

  if (error instanceof PromptInterrupted) return EXIT_INTERRUPTED;

  if (isKeyStateError(error)) {
    io.stderr.write(`keystate: ${sentence(error.message)}\n`);
    return error.code === "INVALID_ARGUMENT" ? EXIT_USAGE : EXIT_FAILURE;
  }

  if (error instanceof CliFailure) {
    io.stderr.write(`keystate: ${sentence(error.message)}\n`);
    return EXIT_FAILURE;
  }

  let detail = String(error);
  if (error instanceof Error) detail = io.env.KEYSTATE_DEBUG ? (error.stack ?? error.message) : error.message;
  io.stderr.write(`keystate: unexpected error: ${detail}\nSet KEYSTATE_DEBUG=1 to see where it happened.\n`);
  return EXIT_FAILURE;
}

/** Ends a message with a full stop, as library messages have none. */
function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

/** Node's parseArgs messages add advice for scripts ("To specify a positional argument..."), which does not apply here. */
function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  return end === -1 ? message : message.slice(0, end + 1);
}

function isGroup(entry: Command | CommandGroup | undefined): entry is CommandGroup {
  return entry !== undefined && "commands" in entry;
}

/** Returns the real process's streams; a closed pipe on stdout (`keystate key list | head`) ends the process quietly. */
export function processIo(): CliIo {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT_SUCCESS);
    throw error;
  });

  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
