import { describe, expect, it, vi } from "vitest";
import { ready, isReady } from "../src/core/index.js";
import { coreExports } from "../src/core/module.js";
import type { KeyStateError } from "../src/errors.js";

describe("core module loading", () => {
  it("rejects use before ready with NOT_READY", () => {
    expect(isReady()).toBe(false);
    expect(() => coreExports()).toThrowError(expect.objectContaining({ code: "NOT_READY" }));
  });

  it("loads the compiled core", async () => {
    await ready();
    expect(isReady()).toBe(true);
    expect(coreExports().ioBase() % 64).toBe(0);
  });

  it("reports a source that cannot be compiled with WASM_LOAD_FAILED", async () => {
    // A fresh copy of the module, so this load does not reuse the one above.
    vi.resetModules();
    const { ready: readyAgain } = await import("../src/core/module.js");
    const failure = await readyAgain(new Uint8Array([1, 2, 3])).catch((error: unknown) => error);
    // The fresh module graph has its own copy of the KeyStateError class.
    expect((failure as KeyStateError).name).toBe("KeyStateError");
    expect((failure as KeyStateError).code).toBe("WASM_LOAD_FAILED");
  });
});
