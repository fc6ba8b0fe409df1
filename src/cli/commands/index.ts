import type { Command, CommandGroup } from "../command.js";
import { auditGroup } from "./audit.js";
import { policyGroup } from "./policy.js";
import { rotateCommand } from "./rotate.js";
import { backupCommand, restoreCommand } from "./backup.js";
import { decryptCommand, encryptCommand } from "./encrypt.js";
import { initCommand } from "./init.js";
import { keyGroup } from "./key.js";
import { keysetGroup } from "./keyset.js";
import { kmsGroup } from "./kms.js";
import { signCommand, verifyCommand } from "./sign.js";

/** Every command and command group, in the order `keystate --help` lists them. Add new ones here. */
export const COMMANDS: readonly (Command | CommandGroup)[] = [
  initCommand,
  keyGroup,
  keysetGroup,
  encryptCommand,
  decryptCommand,
  signCommand,
  verifyCommand,
  backupCommand,
  restoreCommand,
  kmsGroup,
  rotateCommand,
  policyGroup,
  auditGroup,
];
