import { describe, expect, it } from "vitest";
import { ready, isReady } from "../src/core/index.js";
import { KeyStateError } from "../src/errors.js";

// Its own file, so that no earlier test has loaded the core in this realm.
describe("core module load failure", () => {
  it("reports bytes that are not WebAssembly with WASM_LOAD_FAILED", async () => {
    const failure = await ready(new Uint8Array([1, 2, 3])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KeyStateError);
    expect((failure as KeyStateError).code).toBe("WASM_LOAD_FAILED");
    expect(isReady()).toBe(false);
  });

  it("loads the default module after a failed attempt", async () => {
    await ready();
    expect(isReady()).toBe(true);
  });
});
