import { isKeyStateError } from "../../errors.js";
import { EXIT_FAILURE, EXIT_SUCCESS, UsageError, type Command } from "../command.js";

/** `keystate rotate --due`: one pass of scheduled rotation, e.g. from cron. */
export const rotateCommand: Command = {
  name: "rotate",
  summary: "Rotate every key whose rotation policy is due",
  options: { due: { type: "boolean", description: "Rotate the keys that are due. Required." } },
  details:
    'Keys get a rotation policy with "keystate key create --rotate-every". AES-256-GCM keys also rotate after 2^30 encryptions. ' +
    'To rotate one key now whatever its policy, use "keystate key rotate NAME". Exit status 1 when any key failed.',

  async run(input, context) {
    if (input.values.due !== true) {
      throw new UsageError('"keystate rotate" needs --due; to rotate one key now, use "keystate key rotate NAME".', "rotate");
    }

    const client = await context.openClient();
    const { results, errors } = await client.rotateDue();

    for (const result of results) {
      if (result.action === "rotated") context.say(`Rotated ${result.key}: version ${result.version} (reason: ${result.reason}).`);
      if (result.action === "promoted") context.say(`Promoted ${result.key}: version ${result.version} is primary now.`);
      if (result.action === "pending") context.say(`Waiting to promote ${result.key} version ${result.version} after its propagation delay.`);
    }

    for (const { key, error } of errors) {
      const message = isKeyStateError(error) || error instanceof Error ? error.message : String(error);
      context.say(`keystate: Rotating ${key} failed: ${message}.`);
    }

    if (!results.some((result) => result.action !== "none") && errors.length === 0) context.say("No key is due for rotation.");
    return errors.length > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
  },
};
