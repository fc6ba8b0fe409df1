import type { Command, CommandGroup, OptionSpec } from "./command.js";
import { GLOBAL_OPTIONS } from "./global-options.js";

/** Returns the `keystate --help` text: every command with its summary. */
export function renderMainHelp(entries: readonly (Command | CommandGroup)[]): string {
  const rows: [string, string][] = [];
  for (const entry of entries) {
    if ("commands" in entry) {
      for (const command of entry.commands) rows.push([`${entry.name} ${command.name}`, command.summary]);
    } else {
      rows.push([entry.name, entry.summary]);
    }
  }

  return [
    "Usage: keystate COMMAND [OPTIONS]",
    "",
    "Manage the keys of a KeyState file store: create, rotate, revoke and use them.",
    "",
    "Commands:",
    ...table(rows),
    "",
    "Global options:",
    ...table(optionRows(GLOBAL_OPTIONS)),
    "",
    "The passphrase comes from KEYSTATE_PASSPHRASE, else a prompt on the terminal.",
    "Exit status: 0 success, 1 the operation failed, 2 usage error.",
    'Run "keystate COMMAND --help" for the options of a command.',
    "",
  ].join("\n");
}

/** Returns the help of a command group: its commands. */
export function renderGroupHelp(group: CommandGroup): string {
  return [
    `Usage: keystate ${group.name} COMMAND [OPTIONS]`,
    "",
    `${group.summary}.`,
    "",
    "Commands:",
    ...table(group.commands.map((command) => [command.name, command.summary])),
    "",
    `Run "keystate ${group.name} COMMAND --help" for the options of a command.`,
    "",
  ].join("\n");
}

/** Returns the help of one command: usage line, options, details. */
export function renderCommandHelp(path: string, command: Command): string {
  const argumentsText = (command.arguments ?? []).map((name) => ` ${name}`).join("");
  const lines = [`Usage: keystate ${path}${argumentsText} [OPTIONS]`, "", `${command.summary}.`];

  const rows = optionRows(command.options);
  if (rows.length > 0) lines.push("", "Options:", ...table(rows));
  lines.push("", "Global options:", ...table(optionRows(GLOBAL_OPTIONS)));
  if (command.details !== undefined) lines.push("", command.details);
  lines.push("");

  return lines.join("\n");
}

function optionRows(options: Record<string, OptionSpec>): [string, string][] {
  return Object.entries(options).map(([name, spec]) => {
    const short = spec.short === undefined ? "" : `-${spec.short}, `;
    const value = spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : "";
    const repeat = spec.multiple === true ? " ..." : "";
    return [`${short}--${name}${value}${repeat}`, spec.description];
  });
}

function table(rows: [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
