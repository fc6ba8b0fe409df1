import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KeyStateError } from "../src/errors.js";
import { TokenTable } from "../src/kms/server/tokens.js";

describe("kms tokens file", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "keystate-tokens-"));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("accepts an issued entry in principals", async () => {
    const path = join(directory, "tokens.json");
    const entry = { principal: "billing", tokenSha256: "a".repeat(64) };
    await writeFile(path, JSON.stringify({ principals: [entry] }));

    const table = await TokenTable.fromFile(path);

    expect(table).toBeInstanceOf(TokenTable);
  });

  it("names the file and the fix for issue-token output", async () => {
    const path = join(directory, "issued.json");
    const printed = { token: "t", entry: { principal: "billing", tokenSha256: "a".repeat(64) } };
    await writeFile(path, JSON.stringify(printed));

    const failure = (await TokenTable.fromFile(path).then(
      () => undefined,
      (error: unknown) => error,
    )) as KeyStateError;

    expect(failure.code).toBe("INVALID_ARGUMENT");
    expect(failure.message).toContain(path);
    expect(failure.message).toContain('"entry" object into the "principals" array');
  });
});
