import { decodeBase64Url, encodeBase64Url } from "../../format/base64url.js";
import { EXIT_FAILURE, EXIT_SUCCESS, requiredOption, stringOption, type Command } from "../command.js";
import { readAll } from "../io.js";

const IN_OPTION = { in: { type: "string", valueName: "FILE", description: "Read the message from FILE. Default: stdin." } } as const;

export const signCommand: Command = {
  name: "sign",
  summary: "Sign a message with a sign key and print the signature in base64url",
  options: {
    key: { type: "string", valueName: "NAME", description: "The sign key. Required." },
    ...IN_OPTION,
  },
  details: "The signature is 64 bytes (Ed25519, or ECDSA P-256 as r || s), printed as one line of base64url.",

  async run(input, context) {
    const name = requiredOption(input, "key", "sign");
    const client = await context.openClient();
    const message = await readAll(context.io, stringOption(input, "in"), "Signing");

    const signature = await client.sign(name, message);

    context.print(encodeBase64Url(signature));
    return EXIT_SUCCESS;
  },
};

export const verifyCommand: Command = {
  name: "verify",
  summary: "Check a signature made by keystate sign",
  options: {
    key: { type: "string", valueName: "NAME", description: "The sign key. Required." },
    signature: { type: "string", valueName: "SIG", description: "The signature in base64url, as keystate sign printed it. Required." },
    ...IN_OPTION,
  },
  details: "Exit status 0 when a primary or active version of the key made the signature, 1 when none did.",

  async run(input, context) {
    const name = requiredOption(input, "key", "verify");
    const signature = decodeBase64Url(requiredOption(input, "signature", "verify").trim(), "--signature");
    const client = await context.openClient();
    const message = await readAll(context.io, stringOption(input, "in"), "Verifying");

    if (await client.verify(name, message, signature)) {
      context.say(`The signature is valid for key ${name}.`);
      return EXIT_SUCCESS;
    }
    context.say(`keystate: The signature is not valid for key ${name}: the message differs, or no usable version of the key made it.`);
    return EXIT_FAILURE;
  },
};
