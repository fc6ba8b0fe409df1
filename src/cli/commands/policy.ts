import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { isKeyStateError } from "../../errors.js";
import { POLICY_ADMIN_KEY } from "../../policy/engine.js";
import { evaluatePolicy } from "../../policy/evaluate.js";
import type { PolicyRule } from "../../policy/types.js";
import { validateRules } from "../../policy/validate.js";
import { EXIT_SUCCESS, UsageError, type Command, type CommandGroup } from "../command.js";

/** Returns whether valid `rules` deny `principal` the right to change the policy; false for invalid rules. */
function locksOut(rules: unknown, principal: string): boolean {
  let valid: PolicyRule[];
  try {
    valid = validateRules(rules);
  } catch {
    return false;
  }
  return !evaluatePolicy(valid, { principal, operation: "admin", keyName: POLICY_ADMIN_KEY, now: Date.now() }).allowed;
}

const setCommand: Command = {
  name: "set",
  summary: "Replace the access policy with the rules in a JSON file",
  arguments: ["FILE"],
  options: {
    "allow-lockout": { type: "boolean", description: "Accept rules under which you could no longer change the policy." },
  },
  details:
    'FILE holds a JSON list of rules, or an object with "rules" as "keystate policy show" prints it. ' +
    'Changing the policy needs "admin" on key "*". See docs/policy.md for the rule format.',

  async run(input, context) {
    const path = resolve(context.io.cwd, input.positionals[0]!);

    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new UsageError(`The policy file ${path} could not be read as JSON: ${(error as Error).message}`, "policy set");
    }

    const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
    const client = await context.openClient();
    const allowLockout = input.values["allow-lockout"] === true;
    let version: number;
    try {
      version = await client.setPolicy(rules as PolicyRule[], { allowLockout });
    } catch (error) {
      if (!allowLockout && isKeyStateError(error, "INVALID_ARGUMENT") && locksOut(rules, context.principal)) {
        throw new UsageError(
          `These rules would stop principal ${JSON.stringify(context.principal)} from changing the policy again ` +
            '(operation "admin" on key "*"); add such a rule, or pass --allow-lockout if that is intended.',
          "policy set",
        );
      }
      throw error;
    }

    context.say(`Policy version ${version} is in force: ${(rules as unknown[]).length} rule(s).`);
    return EXIT_SUCCESS;
  },
};

const showCommand: Command = {
  name: "show",
  summary: "Print the access policy as JSON",
  options: {},
  details: 'Needs "admin" on key "*". The output is valid input for "keystate policy set".',

  async run(_input, context) {
    const client = await context.openClient();
    context.print(JSON.stringify(await client.getPolicy(), null, 2));
    return EXIT_SUCCESS;
  },
};

/** `keystate policy set|show`: the store's access policy. */
export const policyGroup: CommandGroup = {
  name: "policy",
  summary: "Show or replace the access policy",
  commands: [setCommand, showCommand],
};
