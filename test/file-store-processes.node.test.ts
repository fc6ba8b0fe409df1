import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { FileStore } from "../src/backends/file-store.js";
import { makeTemporaryDirectory, rawBytes, removeDirectory } from "./fixtures/file-store-helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/file-store-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let directory: string;
let masterKey: Uint8Array;
const children = new Set<ChildProcess>();

beforeEach(async () => {
  directory = await makeTemporaryDirectory();
  masterKey = new Uint8Array(randomBytes(32));
  await FileStore.open(directory, { masterKey }, { create: true });
});

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  await removeDirectory(directory);
});

function startChild(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, directory, Buffer.from(masterKey).toString("hex"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(output())) {
        child.stdout!.off("data", check);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", () => reject(new Error(`child exited before printing ${pattern}`)));
    check();
  });
}

function lastCommitted(stdout: string): number {
  const matches = [...stdout.matchAll(/committed (\d+)\n/g)];
  return Number(matches.at(-1)?.[1] ?? 0);
}

describe("FileStore across processes", () => {
  it("survives a writer killed at random moments", async () => {
    let committedBefore = 0;

    for (let round = 0; round < 20; round++) {
      const child = startChild("loop");
      const output = collectOutput(child);
      await waitForOutput(child, output.stdout, /committed \d+\n/);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      child.kill("SIGKILL");
      const exit = await waitForExit(child);

      const store = await FileStore.open(directory, { masterKey });
      const document = await store.getDocument("counter");
      const key = await store.getKey("counter");
      await store.close();

      const committed = lastCommitted(output.stdout());
      const documentCount = (document?.value as { n: number }).n;
      const keyCount = key!.value.info.versions[0]!.usage.operations;
      expect(exit.signal, output.stderr()).toBe("SIGKILL");
      expect(committed).toBeGreaterThan(committedBefore);
      // A write that finished before the kill but was not yet reported counts
      // one more; anything else means an update was lost or half written.
      expect([committed, committed + 1]).toContain(documentCount);
      expect([documentCount - 1, documentCount]).toContain(keyCount);
      expect(rawBytes(key!.value.material.get(1))).toEqual(new Uint8Array(32).fill(keyCount % 256));
      committedBefore = documentCount;
    }
  });

  it("keeps every increment of two processes", async () => {
    const increments = 40;
    const children = [startChild("increment", String(increments)), startChild("increment", String(increments))];
    const outputs = children.map(collectOutput);

    const exits = await Promise.all(children.map(waitForExit));
    const store = await FileStore.open(directory, { masterKey });
    const document = await store.getDocument("count");

    expect(exits.map((exit) => exit.code), outputs.map((output) => output.stderr()).join("\n")).toEqual([0, 0]);
    expect(outputs.map((output) => output.stdout())).toEqual([expect.stringMatching(/^done \d+\n$/), expect.stringMatching(/^done \d+\n$/)]);
    expect(document?.value).toEqual({ n: 2 * increments });
    expect(document?.revision).toBe(2 * increments);
  });

  it("keeps every increment of two instances", async () => {
    const stores = [await FileStore.open(directory, { masterKey }), await FileStore.open(directory, { masterKey })];
    const increments = 25;

    await Promise.all(
      stores.map(async (store) => {
        for (let i = 0; i < increments; i++) {
          for (;;) {
            const document = await store.getDocument("count");
            const next = ((document?.value as { n: number } | undefined)?.n ?? 0) + 1;
            try {
              await store.putDocument("count", { n: next }, document?.revision ?? null);
              break;
            } catch (error) {
              if ((error as { code?: string }).code !== "CONFLICT") throw error;
            }
          }
        }
      }),
    );

    expect((await stores[0]!.getDocument("count"))?.value).toEqual({ n: 2 * increments });
  });
});
