// The CLI run in this process through main(), with fake streams: for help
// texts of every command and for terminal behaviour a child process cannot
// fake (a TTY on stdout or stderr).
import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/context.js";
import { createProgress, PROGRESS_THRESHOLD } from "../src/cli/progress.js";

interface FakeIo {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function fakeIo(options: { stdoutIsTty?: boolean; stderrIsTty?: boolean; env?: Record<string, string> } = {}): FakeIo {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.stdoutIsTty ?? false });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.stderrIsTty ?? false });
  let stdoutText = "";
  let stderrText = "";
  stdout.on("data", (chunk: Buffer) => (stdoutText += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (stderrText += chunk.toString()));

  return {
    io: { stdin: new PassThrough(), stdout, stderr, env: options.env ?? {}, cwd: process.cwd() },
    stdout: () => stdoutText,
    stderr: () => stderrText,
  };
}

const COMMANDS = [
  "init",
  "key create",
  "key list",
  "key show",
  "key rotate",
  "key revoke",
  "key enable",
  "key promote",
  "key destroy",
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "backup",
  "restore",
];

describe("keystate help", () => {
  it.each(COMMANDS)("prints help for %s", async (command) => {
    const fake = fakeIo();

    const code = await main([...command.split(" "), "--help"], fake.io);

    expect(code).toBe(0);
    expect(fake.stdout()).toContain(`Usage: keystate ${command}`);
    expect(fake.stdout()).toContain("--store DIR");
    expect(fake.stderr()).toBe("");
  });

  it("lists every command in the main help", async () => {
    const fake = fakeIo();

    const code = await main(["--help"], fake.io);

    expect(code).toBe(0);
    for (const command of COMMANDS) expect(fake.stdout()).toContain(`  ${command} `);
  });

  it("prints the main help on stderr without a command", async () => {
    const fake = fakeIo();

    const code = await main([], fake.io);

    expect(code).toBe(2);
    expect(fake.stderr()).toContain("Usage: keystate COMMAND");
  });

  it("prints a group's commands without a subcommand", async () => {
    const fake = fakeIo();

    const code = await main(["key"], fake.io);

    expect(code).toBe(2);
    expect(fake.stderr()).toContain("Usage: keystate key COMMAND");
    expect(fake.stderr()).toContain("  rotate ");
  });

  it("warns that decrypt streams to stdout", async () => {
    const fake = fakeIo();

    const code = await main(["decrypt", "--help"], fake.io);
    const help = fake.stdout().replace(/\s+/g, " ");

    expect(code).toBe(0);
    expect(help).toContain("chunk by chunk as each chunk is authenticated");
    expect(help).toContain("only exit status 0 means the output is complete");
    expect(help).toContain("FILE is written only after all of the input is authenticated");
  });
});

describe("keystate terminal output", () => {
  it("refuses binary ciphertext on a terminal", async () => {
    const fake = fakeIo({ stdoutIsTty: true });

    const code = await main(["encrypt", "--key", "orders"], fake.io);

    expect(code).toBe(2);
    expect(fake.stderr()).toContain("--armor");
    expect(fake.stdout()).toBe("");
  });

  it("draws a progress bar above 64 MiB on a terminal", () => {
    const fake = fakeIo({ stderrIsTty: true });
    const total = PROGRESS_THRESHOLD + 1024 * 1024;

    const progress = createProgress(fake.io, "Encrypting", total);
    progress.advance(total / 2);
    progress.advance(total / 2);
    progress.finish();

    expect(fake.stderr()).toContain("Encrypting [");
    expect(fake.stderr()).toContain("  0% 0.0/65.0 MiB");
    expect(fake.stderr()).toContain(" 50% 32.5/65.0 MiB");
    expect(fake.stderr()).toContain("100% 65.0/65.0 MiB");
  });

  it("draws no progress bar for 64 MiB or less", () => {
    const fake = fakeIo({ stderrIsTty: true });

    const progress = createProgress(fake.io, "Encrypting", PROGRESS_THRESHOLD);
    progress.advance(PROGRESS_THRESHOLD);
    progress.finish();

    expect(fake.stderr()).toBe("");
  });

  it("draws no progress bar when stderr is not a terminal", () => {
    const fake = fakeIo({ stderrIsTty: false });

    const progress = createProgress(fake.io, "Encrypting", PROGRESS_THRESHOLD * 2);
    progress.advance(PROGRESS_THRESHOLD * 2);
    progress.finish();

    expect(fake.stderr()).toBe("");
  });
});
