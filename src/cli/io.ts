import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { UsageError, type OptionSpec } from "./command.js";
import type { CliIo } from "./context.js";
import { createProgress } from "./progress.js";

/** A failure to report in one sentence with exit status 1, e.g. a missing input file. */
export class CliFailure extends Error {
  override readonly name = "CliFailure";
}

/** The --force option of every command with --out. */
export const FORCE_OPTION: Record<"force", OptionSpec> = {
  force: { type: "boolean", description: "Replace the --out FILE when it exists. Without it, an existing FILE is an error." },
};

/**
 * Checks, before any work is done, that `path` can receive the output: its
 * folder exists, and the file does not exist unless `replace` is true.
 * Throws UsageError (exit status 2) for an existing file and CliFailure for a
 * missing folder. Does nothing for stdout (undefined or "-").
 */
export async function checkOutputPath(io: CliIo, path: string | undefined, replace: boolean, commandPath: string): Promise<void> {
  if (path === undefined || path === "-") return;
  const target = resolve(io.cwd, path);

  try {
    if (!(await stat(dirname(target))).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  } catch (error) {
    throw fileError(error, path, "output");
  }

  if (!replace && (await pathExists(target))) throw existingOutputError(path, commandPath);
}

/** Returns whether anything (file, folder, link) exists at `target`. */
async function pathExists(target: string): Promise<boolean> {
  try {
    await stat(target);
    return true;
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") return false;
    throw error;
  }
}

function existingOutputError(path: string, commandPath: string): UsageError {
  return new UsageError(`The output file ${path} already exists; pass --force to replace it, or choose another path.`, commandPath);
}

/** Returns the size of the input file, or undefined for stdin. */
export async function inputSize(io: CliIo, path: string | undefined): Promise<number | undefined> {
  if (path === undefined || path === "-") return undefined;
  try {
    return (await stat(resolve(io.cwd, path))).size;
  } catch (error) {
    throw fileError(error, path, "input");
  }
}

/**
 * Yields the input in chunks: the file at `path`, or stdin when `path` is
 * undefined or "-". Files over 64 MiB show a progress bar on a terminal.
 */
export async function* readInput(io: CliIo, path: string | undefined, label: string): AsyncGenerator<Uint8Array> {
  if (path === undefined || path === "-") {
    for await (const chunk of io.stdin) yield toBytes(chunk as Buffer | string);
    return;
  }

  const progress = createProgress(io, label, await inputSize(io, path));
  const stream = createReadStream(resolve(io.cwd, path), { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream) {
      progress.advance((chunk as Buffer).length);
      yield toBytes(chunk as Buffer);
    }
  } catch (error) {
    throw fileError(error, path, "input");
  } finally {
    progress.finish();
  }
}

/** Reads the whole input into memory. */
export async function readAll(io: CliIo, path: string | undefined, label: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of readInput(io, path, label)) {
    chunks.push(chunk);
    length += chunk.length;
  }

  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * Writes the output to the file at `path`, or to stdout when `path` is
 * undefined or "-". A file is written to a temporary name and renamed when
 * complete, so a failure part-way (a decryption that fails at a later chunk)
 * leaves no partial file and an existing file untouched. New files get mode
 * 0600, because they may contain plaintext. An existing file is replaced only
 * when `options.replace` is true; otherwise UsageError names `commandPath`.
 */
export async function writeOutput(
  io: CliIo,
  path: string | undefined,
  data: Uint8Array | string | AsyncIterable<Uint8Array>,
  options: { replace: boolean; commandPath: string },
): Promise<void> {
  if (path === undefined || path === "-") {
    for await (const chunk of chunksOf(data)) {
      if (!io.stdout.write(chunk)) await once(io.stdout, "drain");
    }
    return;
  }

  const target = resolve(io.cwd, path);
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = createWriteStream(temporary, { mode: 0o600, flags: "wx" });

  try {
    for await (const chunk of chunksOf(data)) {
      if (!file.write(chunk)) await once(file, "drain");
    }
    file.end();
    await finished(file);
    // NOTE: a file created at `target` between this check and the rename is
    // still replaced. The early checkOutputPath call makes that window short.
    if (!options.replace && (await pathExists(target))) throw existingOutputError(path, options.commandPath);
    await rename(temporary, target);
  } catch (error) {
    file.destroy();
    await rm(temporary, { force: true });
    if (error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("E")) {
      throw fileError(error, path, "output");
    }
    throw error;
  }
}

/** Returns whether output would go to a terminal, where binary data does not belong. */
export function outputIsTerminal(io: CliIo, path: string | undefined): boolean {
  return (path === undefined || path === "-") && io.stdout.isTTY === true;
}

async function* chunksOf(data: Uint8Array | string | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array | string> {
  if (typeof data === "string" || data instanceof Uint8Array) {
    yield data;
    return;
  }
  yield* data;
}

/** Copies a chunk into its own buffer: Node may hand out views of a shared pool, which must not be transferred or wiped. */
function toBytes(chunk: Buffer | string): Uint8Array {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  return new Uint8Array(chunk);
}

function fileError(error: unknown, path: string, role: "input" | "output"): CliFailure {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  if (code === "ENOENT" && role === "output") {
    return new CliFailure(`The folder ${dirname(path)} for the output file ${path} does not exist; create it or choose another path.`);
  }
  if (code === "ENOTDIR" && role === "output") {
    return new CliFailure(`The path ${dirname(path)} for the output file ${path} is not a folder; choose another path.`);
  }
  if (code === "ENOENT") return new CliFailure(`The ${role} file ${path} does not exist.`);
  if (code === "EACCES" || code === "EPERM") return new CliFailure(`Permission denied on the ${role} file ${path}.`);
  if (code === "EISDIR") return new CliFailure(`The ${role} path ${path} is a directory; name a file.`);
  return new CliFailure(`Cannot use the ${role} file ${path}: ${error instanceof Error ? error.message : String(error)}.`);
}
