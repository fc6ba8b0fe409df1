import { describe, expect, it } from "vitest";
import { ready, isReady } from "../src/core/index.js";
import { coreExports } from "../src/core/module.js";

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
});
