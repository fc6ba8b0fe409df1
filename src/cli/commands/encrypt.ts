import { isKeyStateError } from "../../errors.js";
import { KIND_DIRECT, KIND_ENVELOPE, KIND_STREAM } from "../../format/header.js";
import { fromText, TEXT_PREFIX, toText } from "../../format/text.js";
import { EXIT_FAILURE, EXIT_SUCCESS, requiredOption, stringOption, UsageError, type Command } from "../command.js";
import type { CliContext } from "../context.js";
import { checkOutputPath, FORCE_OPTION, outputIsTerminal, readAll, readInput, writeOutput } from "../io.js";
import { getKeyForCli } from "../library-errors.js";
import { CONTEXT_OPTION, parseContext } from "./context-option.js";

const IO_OPTIONS = {
  in: { type: "string", valueName: "FILE", description: "Read the input from FILE. Default: stdin." },
  out: { type: "string", valueName: "FILE", description: "Write the output to FILE (mode 0600). Default: stdout." },
  ...FORCE_OPTION,
} as const;

/** Message of a failed decryption. The library gives no reason, so the sentence lists the usual ones. */
const DECRYPT_FAILED_MESSAGE =
  "Decryption failed. The input is damaged or not a KeyState ciphertext, the --context differs from the one used to encrypt, " +
  "or the key version that encrypted it is disabled, destroyed or not in this store.";

export const encryptCommand: Command = {
  name: "encrypt",
  summary: "Encrypt data with an encrypt key, or with a wrap key as an envelope",
  options: {
    key: { type: "string", valueName: "NAME", description: "The key to encrypt with, purpose encrypt or wrap. Required." },
    ...CONTEXT_OPTION,
    ...IO_OPTIONS,
    armor: { type: "boolean", description: 'Write the text form ("ks1." and base64url) instead of binary.' },
  },
  details: [
    "An encrypt key encrypts the whole input in memory. A wrap key encrypts with a fresh data key",
    "(envelope encryption) and streams the input in 64 KiB chunks, so any size fits in bounded",
    "memory unless --armor is given. Files over 64 MiB show a progress bar on a terminal.",
  ].join("\n"),

  async run(input, context) {
    const name = requiredOption(input, "key", "encrypt");
    const encryptionContext = parseContext(input, "encrypt");
    const armor = input.values.armor === true;
    const inPath = stringOption(input, "in");
    const outPath = stringOption(input, "out");
    if (!armor && outputIsTerminal(context.io, outPath)) {
      throw new UsageError("The ciphertext is binary and stdout is a terminal; add --out FILE or --armor.", "encrypt");
    }
    const output = { replace: input.values.force === true, commandPath: "encrypt" };
    await checkOutputPath(context.io, outPath, output.replace, output.commandPath);

    const client = await context.openClient();
    const key = await getKeyForCli(client, name, "encrypt");
    const options = encryptionContext === undefined ? {} : { context: encryptionContext };

    if (key.purpose === "encrypt") {
      const plaintext = await readAll(context.io, inPath, "Encrypting");
      const ciphertext = await client.encrypt(name, plaintext, options);
      plaintext.fill(0);
      await writeOutput(context.io, outPath, armor ? `${toText(ciphertext)}\n` : ciphertext, output);
    } else if (key.purpose === "wrap") {
      if (armor) {
        const plaintext = await readAll(context.io, inPath, "Encrypting");
        const text = await client.sealToString(name, plaintext, options);
        plaintext.fill(0);
        await writeOutput(context.io, outPath, `${text}\n`, output);
      } else {
        const sealed = await client.seal(name, readInput(context.io, inPath, "Encrypting"), options);
        await writeOutput(context.io, outPath, sealed, output);
      }
    } else {
      context.say(`keystate: Key ${name} is a ${key.purpose} key; encrypt needs a key of purpose encrypt or wrap.`);
      return EXIT_FAILURE;
    }

    return EXIT_SUCCESS;
  },
};

export const decryptCommand: Command = {
  name: "decrypt",
  summary: "Decrypt what keystate encrypt wrote, binary or text form",
  options: { ...CONTEXT_OPTION, ...IO_OPTIONS },
  details: [
    "The ciphertext names its key and version, so decrypt needs no --key. Pass the same --context",
    "pairs as at encryption.",
    "With --out FILE, FILE is written only after all of the input is authenticated, so a failed",
    "decryption leaves no file. Without --out, stdout receives the plaintext of a streamed envelope",
    "chunk by chunk as each chunk is authenticated. A damaged or truncated input then fails after",
    "part of the plaintext was written, so only exit status 0 means the output is complete.",
  ].join("\n"),

  async run(input, context) {
    const encryptionContext = parseContext(input, "decrypt");
    const options = encryptionContext === undefined ? {} : { context: encryptionContext };
    const output = { path: stringOption(input, "out"), replace: input.values.force === true, commandPath: "decrypt" };
    await checkOutputPath(context.io, output.path, output.replace, output.commandPath);
    const client = await context.openClient();

    try {
      const { head, rest } = await peek(readInput(context.io, stringOption(input, "in"), "Decrypting"), TEXT_PREFIX.length);

      if (startsWithText(head, TEXT_PREFIX)) {
        const text = new TextDecoder().decode(await collect(head, rest)).trim();
        const bytes = fromText(text, "the input");
        await writeDecrypted(context, output, bytes[3] === KIND_DIRECT ? await client.decrypt(bytes, options) : await client.open(bytes, options));
        return EXIT_SUCCESS;
      }

      const kind = head[3];
      if (kind === KIND_STREAM) {
        await writeDecrypted(context, output, await client.open(prepend(head, rest), options));
      } else if (kind === KIND_ENVELOPE) {
        await writeDecrypted(context, output, await client.open(await collect(head, rest), options));
      } else {
        // Direct ciphertexts, and anything unrecognized, which decrypt rejects as DECRYPT_FAILED.
        await writeDecrypted(context, output, await client.decrypt(await collect(head, rest), options));
      }
      return EXIT_SUCCESS;
    } catch (error) {
      if (!isKeyStateError(error, "DECRYPT_FAILED")) throw error;
      context.say(`keystate: ${DECRYPT_FAILED_MESSAGE}`);
      return EXIT_FAILURE;
    }
  },
};

async function writeDecrypted(
  context: CliContext,
  output: { path: string | undefined; replace: boolean; commandPath: string },
  plaintext: Uint8Array | AsyncIterable<Uint8Array>,
): Promise<void> {
  await writeOutput(context.io, output.path, plaintext, output);
  if (plaintext instanceof Uint8Array) plaintext.fill(0);
}

/** Reads at least `length` bytes (less only at the end of input) and returns them with the iterator of the rest. */
async function peek(source: AsyncGenerator<Uint8Array>, length: number): Promise<{ head: Uint8Array; rest: AsyncGenerator<Uint8Array> }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < length) {
    const next = await source.next();
    if (next.done === true) break;
    chunks.push(next.value);
    size += next.value.length;
  }
  return { head: concat(chunks), rest: source };
}

async function* prepend(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  yield* rest;
}

async function collect(head: Uint8Array, rest: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks = [head];
  for await (const chunk of rest) chunks.push(chunk);
  return concat(chunks);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function startsWithText(bytes: Uint8Array, prefix: string): boolean {
  return new TextDecoder().decode(bytes.subarray(0, prefix.length)) === prefix;
}
