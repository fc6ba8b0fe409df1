import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../src/audit/log.js";
import { fileSink, parseJsonLines } from "../src/audit/file-sink.js";
import type { AuditEntry } from "../src/audit/types.js";
import { FileStore } from "../src/backends/file-store.js";
import { readFile } from "node:fs/promises";
import { checkChainIndependently } from "./helpers/audit-support.js";
import { makeTemporaryDirectory, removeDirectory } from "./fixtures/file-store-helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/audit-writer-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let directory: string;
let storeDirectory: string;
let logPath: string;
let masterKey: Uint8Array;
const children = new Set<ChildProcess>();

beforeEach(async () => {
  directory = await makeTemporaryDirectory();
  storeDirectory = join(directory, "store");
  logPath = join(directory, "audit.jsonl");
  masterKey = new Uint8Array(randomBytes(32));
  const store = await FileStore.open(storeDirectory, { masterKey }, { create: true });

  // Creates the audit key and salt once, so the writers need not race for them.
  await (await AuditLog.open({ store, sinks: [fileSink(logPath)] })).close();
  await store.close();
});

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  await removeDirectory(directory);
});

interface Writer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startWriter(name: string, count: number): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, storeDirectory, Buffer.from(masterKey).toString("hex"), logPath, name, String(count)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);

  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => (children.delete(child), resolve(code))));
  return { child, output: () => output, exited };
}

async function waitForReady(writer: Writer): Promise<void> {
  while (!writer.output().includes("ready")) {
    if (writer.child.exitCode !== null) throw new Error(`writer exited early: ${writer.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function requestIdsOf(entries: readonly AuditEntry[]): string[] {
  return entries.filter((entry) => entry.operation !== "checkpoint").map((entry) => entry.requestId).sort();
}

async function openReader(): Promise<{ log: AuditLog; store: FileStore }> {
  const store = await FileStore.open(storeDirectory, { masterKey });
  return { log: await AuditLog.open({ store, sinks: [fileSink(logPath)] }), store };
}

describe("audit file sink with several writers", () => {
  it("two processes append one chain", async () => {
    const count = 60;
    const writers = [startWriter("a", count), startWriter("b", count)];
    for (const writer of writers) await waitForReady(writer);

    for (const writer of writers) writer.child.stdin!.end("go\n");
    const codes = await Promise.all(writers.map((writer) => writer.exited));
    expect(codes, writers.map((writer) => writer.output()).join("\n")).toEqual([0, 0]);

    const entries = parseJsonLines(await readFile(logPath, "utf8"));
    const { log, store } = await openReader();
    expect(await checkChainIndependently(entries, log.publicKey)).toBe("ok");

    const expected = ["a", "b"].flatMap((name) => Array.from({ length: count }, (_, index) => `${name}-${index}`)).sort();
    expect(requestIdsOf(entries)).toEqual(expected);
    expect(await log.verify()).toEqual({ ok: true, count: entries.length });
    expect(existsSync(`${logPath}.lock`)).toBe(false);

    await log.close();
    await store.close();
  });

  it("two logs in one process share a file", async () => {
    const { log: reader, store } = await openReader();
    const first = await AuditLog.open({ store, sinks: [fileSink(logPath)], checkpointEvery: 4 });
    const second = await AuditLog.open({ store, sinks: [fileSink(logPath)], checkpointEvery: 4 });

    const calls: Promise<void>[] = [];
    for (let index = 0; index < 20; index++) {
      calls.push(first.record({ operation: "rotate", principal: "a", outcome: "success", requestId: `a-${index}` }));
      calls.push(second.record({ operation: "rotate", principal: "b", outcome: "success", requestId: `b-${index}` }));
    }
    await Promise.all(calls);
    await first.close();
    await second.close();

    const entries = parseJsonLines(await readFile(logPath, "utf8"));
    expect(await checkChainIndependently(entries, reader.publicKey)).toBe("ok");
    expect(requestIdsOf(entries)).toHaveLength(40);
    expect(await reader.verify()).toEqual({ ok: true, count: entries.length });

    await reader.close();
    await store.close();
  });
});
