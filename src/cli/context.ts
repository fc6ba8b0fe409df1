import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { FileStore } from "../backends/file-store.js";
import { KeyStateError } from "../errors.js";
import { UsageError, type CommandInput } from "./command.js";
import { readPassphrase } from "./passphrase.js";
import { KeyState } from "../client/keystate.js";
import { STORE_AUDIT_FILE, storeAuditSink } from "../audit/file-sink.js";

/** Environment variable naming the store directory when --store is absent. */
export const STORE_VARIABLE = "KEYSTATE_STORE";

/** Environment variable naming the principal when --principal is absent. */
export const PRINCIPAL_VARIABLE = "KEYSTATE_PRINCIPAL";

/** The audit log's file inside the store directory, JSON Lines. */
export const AUDIT_FILE = STORE_AUDIT_FILE;

/** Store directory when neither --store nor KEYSTATE_STORE is given, relative to the working directory. */
export const DEFAULT_STORE = ".keystate";

/** The process's streams and environment, passed in so tests can run the CLI in-process. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The resources of a running command: its I/O, the global options, and the store. */
export class CliContext {
  readonly io: CliIo;
  readonly input: CommandInput;
  private store: FileStore | undefined;
  private client: KeyState | undefined;
  private storePassphrase: string | undefined;

  constructor(io: CliIo, input: CommandInput) {
    this.io = io;
    this.input = input;
  }

  /** Absolute store directory: --store, else KEYSTATE_STORE, else ./.keystate. */
  get storeDirectory(): string {
    const option = this.input.values.store;
    const chosen = typeof option === "string" && option.length > 0 ? option : this.io.env[STORE_VARIABLE] || DEFAULT_STORE;
    return resolve(this.io.cwd, chosen);
  }

  /** Opens the existing store with the passphrase from KEYSTATE_PASSPHRASE or a prompt. */
  async openStore(): Promise<FileStore> {
    if (this.store !== undefined) return this.store;

    const directory = this.storeDirectory;
    // Check before asking for a passphrase that could not open anything.
    if (!(await FileStore.exists(directory))) {
      throw new KeyStateError(
        "STORE_NOT_FOUND",
        `There is no KeyState store in ${directory}; create one with "keystate init", or choose another with --store`,
      );
    }

    const passphrase = await readPassphrase(this.io, `Passphrase for ${directory}`);
    this.store = await FileStore.open(directory, { passphrase });
    this.storePassphrase = passphrase;
    return this.store;
  }

  /** The passphrase that opened the store; openStore must have run. */
  get passphrase(): string {
    if (this.storePassphrase === undefined) throw new Error("openStore must run before the passphrase is read");
    return this.storePassphrase;
  }

  /**
   * Opens a KeyState client on the store. It acts as `principal`, and reads
   * the store on every operation (cacheTtl 0) because a CLI process is short
   * and other processes may change keys in between. Its audit log is the
   * store's audit.jsonl, fail-closed, and closing the client signs a final
   * checkpoint, so a cut-off tail is detected by the next `audit verify`.
   */
  async openClient(): Promise<KeyState> {
    if (this.client !== undefined) return this.client;

    const store = await this.openStore();
    this.client = await KeyState.open({
      store,
      principal: this.principal,
      cacheTtl: 0,
      wasm: coreWasmPath(),
      // The id stays the same when the store directory moves.
      auditLog: { sinks: [storeAuditSink(this.storeDirectory)] },
    });
    return this.client;
  }

  /** Absolute path of the store's audit log. */
  get auditFile(): string {
    return resolve(this.storeDirectory, AUDIT_FILE);
  }

  /**
   * Who acts, as the policy decides and the audit log records: --principal,
   * else KEYSTATE_PRINCIPAL, else the operating-system user name. A new
   * store's policy allows its creating principal every operation.
   */
  get principal(): string {
    const option = this.input.values.principal;
    if (option === "") throw new UsageError("The principal must not be empty; pass --principal NAME, or leave the option out to act as KEYSTATE_PRINCIPAL or the operating-system user.");
    if (typeof option === "string") return option;

    const variable = this.io.env[PRINCIPAL_VARIABLE];
    if (variable !== undefined && variable.length > 0) return variable;

    try {
      return userInfo().username || "keystate-cli";
    } catch {
      return "keystate-cli";
    }
  }

  /** Writes a line to stdout. */
  print(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes a message for the user to stderr. */
  say(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Releases what the command opened. */
  async close(): Promise<void> {
    try {
      await this.client?.close();
    } finally {
      await this.store?.close();
    }
  }
}

/**
 * Returns the compiled WebAssembly core, build/keystate.wasm at the package
 * root. This file runs from src/cli/ (sources) or dist/src/cli/ (compiled),
 * one level deeper, so both places are tried.
 */
function coreWasmPath(): URL {
  const candidates = [new URL("../../build/keystate.wasm", import.meta.url), new URL("../../../build/keystate.wasm", import.meta.url)];
  return candidates.find((candidate) => existsSync(fileURLToPath(candidate))) ?? candidates[0]!;
}
