import { KeyStateError } from "../errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Converts a duration to milliseconds: a number is taken as milliseconds, a
 * string is an integer and a unit (`500ms`, `30s`, `15m`, `12h`, `90d`,
 * `2w`). Throws INVALID_ARGUMENT naming `field` on anything else, and on
 * values that are not positive unless `allowZero`.
 */
export function parseDuration(value: number | string, field: string, allowZero = false): number {
  let ms: number;

  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string") {
    const match = /^(\d+)\s*(ms|s|m|h|d|w)$/.exec(value.trim());
    if (match === null) {
      throw new KeyStateError("INVALID_ARGUMENT", `${field} ${JSON.stringify(value)} is not a duration; write an integer and a unit: ms, s, m, h, d or w (e.g. "90d")`);
    }
    ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  } else {
    throw new KeyStateError("INVALID_ARGUMENT", `${field} must be milliseconds or a duration string such as "90d", got ${typeof value}`);
  }

  if (!Number.isSafeInteger(ms) || ms < 0 || (ms === 0 && !allowZero)) {
    throw new KeyStateError("INVALID_ARGUMENT", `${field} must be ${allowZero ? "zero or more" : "more than zero"} whole milliseconds, got ${String(value)}`);
  }

  return ms;
}
