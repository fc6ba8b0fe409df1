import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

// SHA-256 and HMAC-SHA256 over UTF-8 text, synchronous, because recordSync
// must extend the chain before it returns and WebCrypto's digest is
// asynchronous only. Node (20.16 and later) exposes node:crypto synchronously
// through process.getBuiltinModule, which runs about twice as fast as the
// JavaScript implementation; elsewhere noble-hashes does the work. Both give
// the same bytes.

interface NodeHash {
  update(data: string, encoding: "utf8"): NodeHash;
  digest(encoding: "hex"): string;
}

interface NodeCrypto {
  /** One-shot digest, Node 20.12 and 21.7 and later. */
  hash?(algorithm: "sha256", data: string, outputEncoding: "hex"): string;
  createHash(algorithm: "sha256"): NodeHash;
  createHmac(algorithm: "sha256", key: Uint8Array): NodeHash;
}

function nodeCrypto(): NodeCrypto | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltinModule !== "function") return undefined;

  try {
    const module = getBuiltinModule("node:crypto") as Partial<NodeCrypto> | undefined;
    return typeof module?.createHash === "function" && typeof module.createHmac === "function" ? (module as NodeCrypto) : undefined;
  } catch {
    return undefined;
  }
}

const node = nodeCrypto();

function selectSha256Hex(): (text: string) => string {
  if (node === undefined) return (text) => bytesToHex(sha256(utf8ToBytes(text)));

  // crypto.hash (which encodes strings as UTF-8) builds no Hash object, so
  // it hashes a 250-byte entry in roughly 60% of createHash's time (Node 20.20).
  const oneShot = node.hash;
  if (typeof oneShot === "function") return (text) => oneShot("sha256", text, "hex");
  return (text) => node.createHash("sha256").update(text, "utf8").digest("hex");
}

/** Returns the SHA-256 (lowercase hex) of the UTF-8 bytes of `text`. */
export const sha256Hex: (text: string) => string = selectSha256Hex();

/** Returns a function computing HMAC-SHA256 (lowercase hex) under `key` of the UTF-8 bytes of its text. */
export function hmacSha256Hex(key: Uint8Array): (text: string) => string {
  const keyCopy = key.slice();
  if (node !== undefined) return (text) => node.createHmac("sha256", keyCopy).update(text, "utf8").digest("hex");

  // Keyed once: each call clones the state after the key block.
  const keyed = hmac.create(sha256, keyCopy);
  return (text) => bytesToHex(keyed.clone().update(utf8ToBytes(text)).digest());
}
