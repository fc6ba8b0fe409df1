// The policy, audit and rotation commands, run in this process through
// main() with fake streams on a store of their own.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "keystate-cli-governance-"));
  await writeFile(join(directory, "message.txt"), "hello");
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runner(store: string) {
  return async (args: string[], principal = "alice"): Promise<Run> => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));

    const env = { KEYSTATE_STORE: store, KEYSTATE_PASSPHRASE: "governance test", KEYSTATE_PRINCIPAL: principal };
    const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env, cwd: directory });
    return { code, stdout: out, stderr: err };
  };
}

async function newStore(name: string) {
  const run = runner(join(directory, name));
  expect((await run(["init", "--scrypt-log-n", "10"])).code).toBe(0);
  return run;
}

describe("keystate policy", () => {
  it("denies another principal and names the rule", async () => {
    const run = await newStore("policy");
    expect((await run(["key", "create", "app-db", "--purpose", "encrypt"])).code).toBe(0);
    expect((await run(["key", "create", "app-legacy", "--purpose", "encrypt"])).code).toBe(0);

    const before = await run(["encrypt", "--key", "app-db", "--in", "message.txt"], "bob");
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('"bob" may not');
    expect(before.stderr).toContain("no policy rule allows");

    const shown = await run(["policy", "show"]);
    expect(shown.code).toBe(0);
    const policy = JSON.parse(shown.stdout) as { version: number; rules: unknown[] };
    expect(policy.version).toBe(1);

    policy.rules.push(
      { id: "bob-app", effect: "allow", principal: "bob", keys: "app-*", operations: ["encrypt"] },
      { id: "no-legacy", effect: "deny", principal: "bob", keys: "app-legacy", operations: ["*"] },
    );
    await writeFile(join(directory, "policy.json"), JSON.stringify(policy));
    const set = await run(["policy", "set", "policy.json"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain("Policy version 2");

    expect((await run(["encrypt", "--key", "app-db", "--in", "message.txt"], "bob")).code).toBe(0);

    const legacy = await run(["encrypt", "--key", "app-legacy", "--in", "message.txt"], "bob");
    expect(legacy.code).toBe(1);
    expect(legacy.stderr).toContain('"no-legacy"');
  });

  it("global --principal option selects the principal", async () => {
    const run = await newStore("principal-option");
    const result = await run(["--principal", "mallory", "policy", "show"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"mallory"');
  });

  it("policy set rejects a bad rule with exit 2", async () => {
    const run = await newStore("bad-policy");
    await writeFile(join(directory, "bad.json"), JSON.stringify([{ id: "x", effect: "permit", principal: "a", keys: "*", operations: ["*"] }]));
    const result = await run(["policy", "set", "bad.json"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("rules[0].effect");
  });
});

describe("keystate audit", () => {
  it("tails and verifies the log", async () => {
    const run = await newStore("audit");
    await run(["key", "create", "k", "--purpose", "encrypt"]);
    await run(["encrypt", "--key", "k", "--in", "message.txt"]);

    const tail = await run(["audit", "tail", "-n", "3"]);
    expect(tail.code).toBe(0);
    const entries = tail.stdout.trim().split("\n").map((line) => JSON.parse(line) as { operation: string });
    expect(entries).toHaveLength(3);
    expect(entries.map((entry) => entry.operation)).toContain("encrypt");

    const verify = await run(["audit", "verify"]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain("intact");
  });

  it("verify fails on a changed entry", async () => {
    const run = await newStore("audit-changed");
    await run(["key", "create", "k", "--purpose", "encrypt"]);
    await run(["encrypt", "--key", "k", "--in", "message.txt"]);

    const path = join(directory, "audit-changed", "audit.jsonl");
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    lines[1] = lines[1]!.replace('"outcome":"success"', '"outcome":"failure"');
    await writeFile(path, `${lines.join("\n")}\n`);

    const verify = await run(["audit", "verify"]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain("broken at entry 1");
    expect(JSON.parse(verify.stdout)).toMatchObject({ seq: 1, outcome: "failure" });
  });

  it("verify fails on a cut-off tail", async () => {
    const run = await newStore("audit-cut");
    await run(["key", "create", "k", "--purpose", "encrypt"]);
    await run(["encrypt", "--key", "k", "--in", "message.txt"]);

    const path = join(directory, "audit-cut", "audit.jsonl");
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    await writeFile(path, `${lines.slice(0, -1).join("\n")}\n`);

    const verify = await run(["audit", "verify"]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain("cut off");
  });
});

describe("keystate rotate", () => {
  it("rotate --due with nothing due", async () => {
    const run = await newStore("rotate");
    expect((await run(["key", "create", "k", "--purpose", "encrypt", "--rotate-every", "90d"])).code).toBe(0);

    const result = await run(["rotate", "--due"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("No key is due");
  });

  it("rotate without --due is a usage error", async () => {
    const run = await newStore("rotate-usage");
    expect((await run(["rotate"])).code).toBe(2);
  });

  it("bad --rotate-every is a usage error", async () => {
    const run = await newStore("rotate-bad");
    const result = await run(["key", "create", "k", "--purpose", "encrypt", "--rotate-every", "soon"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not a duration");
  });
});

describe("keystate messages in CLI terms", () => {
  it("revoke of the primary names --promote", async () => {
    const run = await newStore("messages-revoke");
    expect((await run(["key", "create", "orders", "--purpose", "encrypt"])).code).toBe(0);
    expect((await run(["key", "rotate", "orders"])).code).toBe(0);

    const revoke = await run(["key", "revoke", "orders", "--version", "2"]);
    const destroy = await run(["key", "destroy", "orders", "--version", "2", "--yes"]);
    const promoted = await run(["key", "revoke", "orders", "--version", "2", "--promote", "1"]);

    expect(revoke.code).toBe(2);
    expect(revoke.stderr).toContain("pass --promote N");
    expect(revoke.stderr).not.toContain("{ promote");
    expect(destroy.code).toBe(2);
    expect(destroy.stderr).toContain("pass --promote N");
    expect(destroy.stderr).toContain("to destroy it");
    expect(promoted.code, promoted.stderr).toBe(0);
  });

  it("policy lockout names --allow-lockout", async () => {
    const run = await newStore("messages-lockout");
    const rulesPath = join(directory, "lockout.json");
    await writeFile(rulesPath, JSON.stringify([{ id: "read", effect: "allow", principal: "alice", keys: "*", operations: ["decrypt"] }]));

    const result = await run(["policy", "set", rulesPath]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--allow-lockout");
    expect(result.stderr).not.toContain("allowLockout");
  });

  it("missing key names keystate key create", async () => {
    const run = await newStore("messages-missing");

    const show = await run(["key", "show", "nope"]);
    const encrypt = await run(["encrypt", "--key", "nope", "--armor", "--in", "message.txt"]);

    for (const result of [show, encrypt]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('"keystate key create nope --purpose PURPOSE"');
      expect(result.stderr).not.toContain("createKey");
    }
  });

  it("empty --principal is a usage error", async () => {
    const run = await newStore("messages-principal");

    const result = await run(["--principal", "", "key", "list"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("The principal must not be empty");
  });
});

describe("keystate messages that name the cause", () => {
  it("names what a principal cannot see or do", async () => {
    const run = await newStore("messages-principal-view");
    expect((await run(["key", "create", "orders", "--purpose", "encrypt"])).code).toBe(0);

    const list = await run(["key", "list"], "bob");
    const encrypt = await run(["encrypt", "--key", "orders", "--armor", "--in", "message.txt"], "bob");

    expect(list.code).toBe(0);
    expect(list.stderr).toContain('No keys are visible to principal "bob"');
    expect(list.stderr).not.toContain("has no keys yet");
    expect(encrypt.code).toBe(1);
    expect(encrypt.stderr).toContain('Principal "bob" may not encrypt with key "orders"');
    expect(encrypt.stderr).not.toContain("may not read");
  });

  it("init names the file in the way", async () => {
    const file = join(directory, "report.pdf");
    await writeFile(file, "not a folder");

    const result = await runner(join(file, "sub"))(["init", "--scrypt-log-n", "10"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file} is a file, not a directory`);
  });

  it("restore help states the name rule", async () => {
    const result = await runner(join(directory, "unused"))(["restore", "--help"]);

    expect(result.code).toBe(0);
    expect(result.stdout.replace(/\s+/g, " ")).toContain("It may hold other keys, but none with the name of a key in the backup");
  });
});
