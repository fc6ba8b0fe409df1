import type { Command, CommandGroup } from "../command.js";
import { backupCommand, restoreCommand } from "./backup.js";
import { decryptCommand, encryptCommand } from "./encrypt.js";
import { initCommand } from "./init.js";
import { keyGroup } from "./key.js";
import { kmsGroup } from "./kms.js";
import { signCommand, verifyCommand } from "./sign.js";

/** Every command and command group, in the order `keystate --help` lists them. Add new ones here. */
export const COMMANDS: readonly (Command | CommandGroup)[] = [
  initCommand,
  keyGroup,
  encryptCommand,
  decryptCommand,
  signCommand,
  verifyCommand,
  backupCommand,
  restoreCommand,
  kmsGroup,
];
