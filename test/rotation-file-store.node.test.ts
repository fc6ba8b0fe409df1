import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileStore } from "../src/backends/file-store.js";
import { rotateIfDue } from "../src/rotation/index.js";

let directory: string;
const masterKey = new Uint8Array(32).fill(3);
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "keystate-rotation-"));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("rotation on a FileStore", () => {
  it("racing stores add exactly one version", async () => {
    const first = await FileStore.open(directory, { masterKey }, { create: true });
    await first.putKey(
      {
        info: {
          name: "k",
          purpose: "encrypt",
          algorithm: "XCHACHA20-POLY1305",
          createdAt: START,
          versions: [{ version: 1, id: 1, status: "primary", createdAt: START, updatedAt: START, usage: { operations: 0, bytes: 0 } }],
        },
        material: new Map([[1, { type: "raw", bytes: new Uint8Array(32).fill(9) }]]),
      },
      null,
    );

    // Separate instances, as separate processes would have.
    const stores = [first, ...(await Promise.all([1, 2, 3].map(() => FileStore.open(directory, { masterKey }))))];
    const generate = async () => ({ type: "raw" as const, bytes: crypto.getRandomValues(new Uint8Array(32)) });
    const now = () => START + 30 * DAY;

    const results = await Promise.all(stores.map((store) => rotateIfDue({ store, generate, now }, "k", { every: "30d" })));

    expect(results.filter((result) => result.action === "rotated")).toHaveLength(1);
    expect(results.filter((result) => result.action === "none")).toHaveLength(3);

    const reopened = await FileStore.open(directory, { masterKey });
    const stored = (await reopened.getKey("k"))!.value;
    expect(stored.info.versions.map((version) => version.status)).toEqual(["active", "primary"]);
    expect(stored.material.has(2)).toBe(true);

    for (const store of [...stores, reopened]) await store.close();
  });
});
