import * as core from "../core/index.js";
import { KeyStateError } from "../errors.js";
import { methodSpec, type MethodName } from "./methods.js";

/**
 * Calls the core function `name` with `args` in this thread. The core must
 * be ready. Throws UNSUPPORTED_ALGORITHM when `name` is not in the method
 * table or this build of the core lacks it, and whatever the function throws.
 */
export function invokeCore(name: string, args: readonly unknown[]): unknown {
  const target = resolveCoreFunction(name);
  return target.fn.apply(target.owner, [...args]);
}

function resolveCoreFunction(name: string): { fn: (...args: unknown[]) => unknown; owner: unknown } {
  // Only names from the method table are looked up, so a message from the
  // other side of the worker boundary cannot reach any other export.
  if (methodSpec(name) === undefined) {
    throw new KeyStateError("UNSUPPORTED_ALGORITHM", `the pool has no function named "${name}"`);
  }

  let owner: unknown = undefined;
  let value: unknown = core;
  for (const segment of (name as MethodName).split(".")) {
    owner = value;
    value = value === undefined || value === null ? undefined : (value as Record<string, unknown>)[segment];
  }

  if (typeof value !== "function") {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      `this build of keystate/core has no ${name}(); update keystate so the core and the pool match`,
    );
  }

  return { fn: value as (...args: unknown[]) => unknown, owner };
}
