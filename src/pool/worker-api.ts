import type { PackedItems, PackedResults } from "./batch-pack.js";

/**
 * The API that workers/crypto.worker exposes through Comlink. Rejections carry a
 * WireError (see wire-error.ts).
 */
export interface WorkerApi {
  /** Runs one core function and returns its result. */
  call(name: string, args: unknown[]): Promise<unknown>;
  /**
   * Runs one core function once per item, in order, and returns every result.
   * `firstIndex` is the index of items[0] in the caller's whole batch, for
   * error messages.
   */
  batch(name: string, items: PackedItems, firstIndex: number): Promise<PackedResults>;
  /** Runs a test hook; rejects unless the worker was started with test hooks on. */
  testHook(hook: TestHook): void;
}

/** Failures that KeyState's own tests ask a worker to act out. */
export type TestHook =
  | { kind: "exit" }
  | { kind: "throw" }
  | { kind: "block"; milliseconds: number };

/** workerData of a Node worker. */
export interface WorkerData {
  testHooks?: boolean;
}

/** Name of a worker started with test hooks on; every other worker is named WORKER_NAME. */
export const TEST_HOOKS_WORKER_NAME = "keystate-crypto-test-hooks";
export const WORKER_NAME = "keystate-crypto";
