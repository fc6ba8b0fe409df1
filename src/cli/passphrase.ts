import { UsageError } from "./command.js";
import type { CliIo } from "./context.js";

/** Environment variable the passphrase is read from before any prompt. */
export const PASSPHRASE_VARIABLE = "KEYSTATE_PASSPHRASE";

/** Raised when the user presses Ctrl-C at a prompt; the CLI exits with 130 like a shell. */
export class PromptInterrupted extends Error {
  override readonly name = "PromptInterrupted";
}

/**
 * Returns the store passphrase: KEYSTATE_PASSPHRASE when set, else a prompt
 * on the terminal without echo. With `confirm`, the prompt requests it twice.
 * Throws UsageError when neither is available or the two entries differ.
 */
export async function readPassphrase(io: CliIo, prompt: string, confirm = false): Promise<string> {
  const fromEnvironment = io.env[PASSPHRASE_VARIABLE];
  if (fromEnvironment !== undefined) {
    if (fromEnvironment.length === 0) throw new UsageError(`${PASSPHRASE_VARIABLE} is set but empty; set it to the passphrase or unset it to be asked.`);
    return fromEnvironment;
  }

  const setRawMode = io.stdin.setRawMode?.bind(io.stdin);
  if (io.stdin.isTTY !== true || setRawMode === undefined) {
    throw new UsageError(`No passphrase: set ${PASSPHRASE_VARIABLE}, or run keystate in a terminal to be asked for it.`);
  }

  // Raw mode turns the terminal's echo off. It goes on before the first
  // prompt is written and stays on until the last line is read, so input typed
  // or pasted ahead of a prompt, or between the two prompts, is never shown.
  const wasRaw = io.stdin.isRaw === true;
  setRawMode(true);
  try {
    const passphrase = await readHidden(io, `${prompt}: `);
    if (passphrase.length === 0) throw new UsageError("The passphrase must not be empty.");

    if (confirm && (await readHidden(io, "Repeat the passphrase: ")) !== passphrase) {
      throw new UsageError("The two passphrases differ; run the command again.");
    }
    return passphrase;
  } finally {
    setRawMode(wasRaw);
  }
}

/** Reads one line from the terminal, which the caller has already put in raw mode so the typed characters are not shown. */
function readHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(prompt);

  return new Promise((resolve, reject) => {
    let typed = "";

    const finish = (error?: Error): void => {
      stdin.off("data", onData);
      stdin.pause();
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };

    const onData = (chunk: Buffer | string): void => {
      for (const character of chunk.toString()) {
        if (character === "\r" || character === "\n") return finish();
        if (character === "\u0003") return finish(new PromptInterrupted("Interrupted."));
        if (character === "\u0004" && typed.length === 0) return finish(new UsageError("No passphrase was entered."));
        if (character === "\u007f" || character === "\b") {
          typed = [...typed].slice(0, -1).join("");
          continue;
        }
        if (character >= " ") typed += character;
      }
    };

    stdin.resume();
    stdin.on("data", onData);
  });
}
