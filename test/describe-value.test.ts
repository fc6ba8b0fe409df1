import { describe, expect, it } from "vitest";
import { describeValue } from "../src/core/bytes.js";
import { assertKeyName } from "../src/keys/names.js";
import { assertEntryName } from "../src/backends/indexeddb/validate.js";
import { openClient, rejection, thrown } from "./helpers/client.js";

describe("describeValue", () => {
  const cases: [string, unknown, string][] = [
    ["undefined", undefined, "undefined"],
    ["null", null, "null"],
    ["number", 0, "a number (0)"],
    ["NaN", Number.NaN, "a number (NaN)"],
    ["boolean", false, "a boolean (false)"],
    ["string", "secret", "a string"],
    ["bigint", 1n, "a bigint"],
    ["symbol", Symbol("s"), "a symbol"],
    ["function", () => 0, "a function"],
    ["plain object", {}, "an object (Object)"],
    ["null-prototype object", Object.create(null), "an object (Object)"],
    ["array", [1], "an object (Array)"],
    ["Uint8Array", new Uint8Array(3), "a Uint8Array of 3 bytes"],
    ["Int32Array", new Int32Array(1), "an Int32Array"],
    ["DataView", new DataView(new ArrayBuffer(1)), "a DataView"],
    ["ArrayBuffer", new ArrayBuffer(1), "an ArrayBuffer"],
  ];

  it.each(cases)("%s", (_name, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it("never shows a string's contents", () => {
    expect(describeValue("hunter2")).not.toContain("hunter2");
  });
});

describe("messages that describe a value", () => {
  it("key name check names undefined", () => {
    const error = thrown(() => assertKeyName(undefined));

    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("got undefined");
  });

  it("key name check shows a number", () => {
    expect(thrown(() => assertKeyName(7)).message).toContain("got a number (7)");
  });

  it("IndexedDB entry name check names null", () => {
    const error = thrown(() => assertEntryName(null, "key name"));

    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("not null");
  });

  it("verifyToken names a token that is undefined", async () => {
    const { ks } = await openClient();

    const rejected = await rejection(ks.verifyToken(undefined as never, { key: "api" }));

    expect(rejected.code).toBe("INVALID_ARGUMENT");
    expect(rejected.message).toContain("got undefined");
  });
});
