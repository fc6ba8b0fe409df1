// Library errors reworded for the command line. The library's messages name
// its own API (createKey, { promote }, allowLockout); these name the CLI
// commands and flags that do the same thing.
import { isKeyStateError } from "../errors.js";
import type { KeyState } from "../client/keystate.js";
import type { KeyInfo } from "../keys/types.js";
import { UsageError } from "./command.js";
import { CliFailure } from "./io.js";

/**
 * Returns key `name`, or throws CliFailure naming `keystate key create` when
 * the key does not exist. With `operation`, a policy denial names that
 * operation, not the "read" of the key's metadata that the library checks.
 */
export async function getKeyForCli(client: KeyState, name: string, operation?: string): Promise<KeyInfo> {
  try {
    return await client.getKey(name);
  } catch (error) {
    if (operation !== undefined && isKeyStateError(error, "POLICY_DENIED")) {
      // The library's message ends with the reason (the rule that denies, or
      // none that allows) after `key "NAME": `, and that part is kept.
      const marker = `key "${name}": `;
      const at = error.message.indexOf(marker);
      const reason = at === -1 ? "ask an administrator to change the policy" : error.message.slice(at + marker.length);
      throw new CliFailure(`Principal ${JSON.stringify(client.principal)} may not ${operation} with key ${JSON.stringify(name)}: ${reason}`);
    }
    if (!isKeyStateError(error, "KEY_NOT_FOUND")) throw error;
    throw new CliFailure(
      `The key ${JSON.stringify(name)} does not exist; create it with "keystate key create ${name} --purpose PURPOSE" ` +
        'or check the name with "keystate key list".',
    );
  }
}

/**
 * Runs a revoke or destroy of `version`. When the library rejects it because
 * `version` is the primary and no --promote was given, throws UsageError
 * naming --promote instead of the library's `{ promote }` option.
 */
export async function replacingPrimary(
  client: KeyState,
  name: string,
  version: number,
  promote: number | undefined,
  commandPath: "key revoke" | "key destroy",
  change: () => Promise<unknown>,
): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (promote !== undefined || !isKeyStateError(error, "INVALID_ARGUMENT")) throw error;

    const key = await client.getKey(name);
    const primary = key.versions.find((candidate) => candidate.status === "primary")?.version;
    if (primary !== version) throw error;

    const operation = commandPath === "key revoke" ? "revoke" : "destroy";
    throw new UsageError(
      `Version ${version} is the primary version of ${name}; run "keystate key rotate ${name}" first, ` +
        `or pass --promote N with an active version N to ${operation} it.`,
      commandPath,
    );
  }
}
