// The passphrase prompt needs a terminal, which Node cannot allocate without
// a native module; Python's pty module provides one. The test is skipped
// where python3 is missing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/backends/file-store.js";
import { ROOT } from "./fixtures/cli-runner.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;

// Starts the CLI on a pseudo-terminal, answers each prompt in turn, and
// prints what the terminal showed as JSON, with the exit status.
const DRIVER = `
import json, os, pty, sys, time
args, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ)
    env.pop("KEYSTATE_PASSPHRASE", None)
    env["KEYSTATE_CLI_SOURCE"] = "1"
    os.execvpe("node", ["node", "bin/keystate.js"] + args, env)
shown = b""
def read_until(marker, seconds=120):
    global shown
    deadline = time.time() + seconds
    while marker not in shown and time.time() < deadline:
        try:
            shown += os.read(fd, 1024)
        except OSError:
            return
for prompt, answer in answers:
    read_until(prompt.encode())
    os.write(fd, answer.encode() + b"\\r")
read_until(b"\\x00")
_, status = os.waitpid(pid, 0)
print(json.dumps({"shown": shown.decode(), "code": os.WEXITSTATUS(status)}))
`;

let workDirectory: string;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), "keystate-prompt-"));
});

afterAll(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

function runOnTerminal(args: string[], answers: [string, string][]): { shown: string; code: number } {
  const result = spawnSync("python3", ["-c", DRIVER, JSON.stringify(args), JSON.stringify(answers)], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(result.stdout) as { shown: string; code: number };
}

describe.skipIf(!hasPython)("keystate passphrase prompt", { timeout: 300_000 }, () => {
  it("asks twice without echo on init", async () => {
    const store = join(workDirectory, "prompted");

    const result = runOnTerminal(["--store", store, "init", "--scrypt-log-n", "10"], [
      ["New passphrase", "typed secret"],
      ["Repeat the passphrase", "typed secret"],
    ]);
    const opened = await FileStore.open(store, { passphrase: "typed secret" });

    expect(result.code, result.shown).toBe(0);
    expect(result.shown).not.toContain("typed secret");
    expect(opened.directory).toBe(store);
  });

  it("rejects two different entries", () => {
    const result = runOnTerminal(["--store", join(workDirectory, "mismatch"), "init", "--scrypt-log-n", "10"], [
      ["New passphrase", "first"],
      ["Repeat the passphrase", "second"],
    ]);

    expect(result.code).toBe(2);
    expect(result.shown).toContain("The two passphrases differ");
  });
});
