import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isKeyStateError } from "../src/errors.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { issueToken } from "../src/kms/server/index.js";
import { createSoftHsmToken, type SoftHsmToken } from "./kms/softhsm-token.js";

const app = issueToken("app");
let hsm: SoftHsmToken;
const children: ChildProcess[] = [];

async function startProxy(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/kms/proxy-process.ts"], {
    env: {
      ...process.env,
      SOFTHSM2_CONF: hsm.configPath,
      KMS_TOKEN_LABEL: hsm.label,
      KEYSTATE_PKCS11_PIN: hsm.pin,
      KMS_TOKENS: JSON.stringify({ principals: [app.credential] }),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);

  const lines = createInterface({ input: child.stdout! });
  const [url] = (await once(lines, "line")) as [string];
  return { child, url };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

beforeAll(() => {
  hsm = createSoftHsmToken("kms-crash");
});

afterAll(async () => {
  for (const child of children) await kill(child);
  hsm?.remove();
});

describe("kms proxy killed mid-request", () => {
  it("gives KMS_UNAVAILABLE and loses no data", async () => {
    const first = await startProxy();
    const kms = new RemoteKms({ url: first.url, token: app.token, timeoutMs: 10_000, retries: 0 });
    await kms.createKey("master", "AES-256-GCM");
    await kms.createKey("slow", "AES-256-GCM");
    const earlier = await kms.wrap("master", new Uint8Array(32).fill(5), { context: { file: "a" } });

    const inFlight = kms.wrap("slow", new Uint8Array(32).fill(6)).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await kill(first.child);

    const error = await inFlight;
    expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);

    // A new process on the same token finds both keys and unwraps what the first one wrapped.
    const second = await startProxy();
    const again = new RemoteKms({ url: second.url, token: app.token, timeoutMs: 10_000, retries: 0 });
    const names = (await again.listKeys()).map((key) => key.name);
    expect(names).toEqual(["master", "slow"]);

    const unwrapped = await again.unwrap(earlier.wrappedKey, { context: { file: "a" } });
    expect(unwrapped.plaintext).toEqual(new Uint8Array(32).fill(5));
    await kill(second.child);
  });

  it("unwrap after the kill gives KMS_UNAVAILABLE", async () => {
    const first = await startProxy();
    const kms = new RemoteKms({ url: first.url, token: app.token, retries: 0 });
    const wrapped = await kms.wrap("master", new Uint8Array(32).fill(7));
    await kill(first.child);

    const error = await kms.unwrap(wrapped.wrappedKey).catch((e: unknown) => e);
    expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);
  });
});
