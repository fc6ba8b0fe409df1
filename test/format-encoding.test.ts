import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../src/format/base64url.js";
import { encodeContext, validateContext } from "../src/format/context.js";
import { fromText, toText } from "../src/format/text.js";
import { streamNonce } from "../src/format/stream-nonce.js";
import { utf8 } from "./helpers/client.js";

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

describe("base64url", () => {
  // RFC 4648 section 10 vectors; base64url differs from base64 only in - and _.
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg"],
    ["fo", "Zm8"],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg"],
    ["fooba", "Zm9vYmE"],
    ["foobar", "Zm9vYmFy"],
  ];

  it.each(vectors)("encodes %j as %j", (input, output) => {
    expect(encodeBase64Url(utf8(input))).toBe(output);
    expect(decodeBase64Url(output, "x")).toEqual(utf8(input));
  });

  it("uses - and _ for 62 and 63", () => {
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(decodeBase64Url("-_8", "x")).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it("rejects padding, bad characters and impossible lengths", () => {
    for (const bad of ["Zg==", "Zm9v+", "Zm9v/", "Z", "Zh", "a b"]) {
      expect(() => decodeBase64Url(bad, "x")).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("text form has the ks1. prefix", () => {
    expect(toText(new Uint8Array([1, 2, 3]))).toBe("ks1.AQID");
    expect(fromText("ks1.AQID")).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => fromText("AQID")).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("encryption context encoding", () => {
  it("encodes no context as a zero count", () => {
    expect(hex(encodeContext(undefined))).toBe("00000000");
    expect(hex(encodeContext({}))).toBe("00000000");
  });

  it("encodes pairs sorted by name with u32 lengths", () => {
    // Written out by hand from the specification in docs/format.md.
    const expected =
      "00000002" + "00000001" + "61" + "00000002" + "7a7a" + "00000001" + "62" + "00000000";
    expect(hex(encodeContext({ b: "", a: "zz" }))).toBe(expected);
  });

  it("sorts by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8 bytes,
    // but after it in UTF-16 code units (0xFF21 > 0xD83D).
    const encoded = hex(encodeContext({ "\u{1F600}": "1", "\uFF21": "2" }));
    expect(encoded.indexOf("efbca1")).toBeLessThan(encoded.indexOf("f09f9880"));
  });

  it("property order does not matter", () => {
    expect(encodeContext({ x: "1", y: "2" })).toEqual(encodeContext({ y: "2", x: "1" }));
  });

  it("rejects non-string values and non-plain objects", () => {
    for (const bad of [{ a: 1 }, { a: null }, [], new Map(), "ctx", 5, null]) {
      expect(() => validateContext(bad)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    expect(validateContext(undefined)).toBeUndefined();
  });

  it("validateContext copies, so later changes have no effect", () => {
    const context: Record<string, string> = { a: "1" };
    const copy = validateContext(context)!;
    context.a = "2";
    expect(copy.a).toBe("1");
    expect(Object.isFrozen(copy)).toBe(true);
  });
});

describe("STREAM nonce", () => {
  it("is prefix, u32 big-endian index and last flag", () => {
    const prefix = new Uint8Array(19).fill(0xaa);
    expect(hex(streamNonce(prefix, 0x01020304, false))).toBe("aa".repeat(19) + "01020304" + "00");
    expect(hex(streamNonce(prefix, 0, true))).toBe("aa".repeat(19) + "00000000" + "01");
  });

  it("rejects an index past 2^32 - 1", () => {
    expect(() => streamNonce(new Uint8Array(19), 2 ** 32, false)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
