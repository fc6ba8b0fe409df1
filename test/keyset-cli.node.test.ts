import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyState } from "../src/client/keystate.js";
import { decodeBase64Url } from "../src/format/base64url.js";
import { runCli, type CliOptions, type CliResult } from "./fixtures/cli-runner.js";

// Each CLI start compiles the sources with tsx, which takes seconds on a loaded machine.
const CLI_TIMEOUT = 300_000;
const PASSPHRASE = "keyset cli passphrase";

let workDirectory: string;
let run: (args: string[], options?: CliOptions) => Promise<CliResult>;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), "keystate-keyset-cli-"));
  const store = join(workDirectory, "store");
  run = (args, options = {}) => runCli(args, { ...options, env: { KEYSTATE_STORE: store, KEYSTATE_PASSPHRASE: PASSPHRASE, ...options.env } });

  const init = await run(["init", "--scrypt-log-n", "10"]);
  expect(init.code, init.stderr).toBe(0);
  const create = await run(["key", "create", "api", "--purpose", "sign"]);
  expect(create.code, create.stderr).toBe(0);
}, CLI_TIMEOUT);

afterAll(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

describe("keystate keyset", { timeout: CLI_TIMEOUT }, () => {
  it("master-key prints 32 bytes of base64url", async () => {
    const result = await run(["keyset", "master-key"]);

    expect(result.code, result.stderr).toBe(0);
    expect(decodeBase64Url(result.stdout.toString().trim(), "master key")).toHaveLength(32);
  });

  it("exported keyset verifies CLI signatures", async () => {
    const masterKey = (await run(["keyset", "master-key"])).stdout.toString().trim();
    const out = join(workDirectory, "api.keyset");

    const exported = await run(["keyset", "export", "--keys", "api", "--out", out], { env: { KEYSTATE_KEYSET_MASTER_KEY: masterKey } });
    const signed = await run(["sign", "--key", "api"], { input: "hello edge" });
    const edge = await KeyState.fromSealedKeyset(await readFile(out, "utf8"), { masterKey, principal: "edge" });

    expect(exported.code, exported.stderr).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await edge.verify("api", "hello edge", decodeBase64Url(signed.stdout.toString().trim(), "signature"))).toBe(true);
  });

  it("master key from another variable", async () => {
    const masterKey = (await run(["keyset", "master-key"])).stdout.toString().trim();

    const exported = await run(["keyset", "export", "--keys", "api", "--master-key-env", "EDGE_KEY"], { env: { EDGE_KEY: masterKey } });

    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.toString().startsWith("ksk1.")).toBe(true);
  });

  it("missing master key is a usage error", async () => {
    const result = await run(["keyset", "export", "--keys", "api"], { env: { KEYSTATE_KEYSET_MASTER_KEY: undefined } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KEYSTATE_KEYSET_MASTER_KEY");
  });

  it("unknown key fails with exit status 1", async () => {
    const masterKey = (await run(["keyset", "master-key"])).stdout.toString().trim();

    const result = await run(["keyset", "export", "--keys", "absent"], { env: { KEYSTATE_KEYSET_MASTER_KEY: masterKey } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("absent");
  });
});
