// The Worker that runs test/edge/checks.ts inside workerd. The bundler keeps
// the .wasm import, and Miniflare hands the Worker the compiled module, the
// only way Workers load WebAssembly.
import wasm from "./keystate.wasm";
import { runChecks, type CheckResult } from "./checks.js";

export default {
  async fetch(): Promise<Response> {
    const results = await runChecks(wasm);
    results.push(await refusesCompileFromBytes());
    return Response.json(results);
  },
};

// The checks above mean something only if this runtime refuses to compile
// WebAssembly from bytes, as Cloudflare Workers do: the client passed only
// because it used the imported module.
async function refusesCompileFromBytes(): Promise<CheckResult> {
  const name = "runtime: WebAssembly.compile from bytes is refused";
  // The smallest valid module: the magic number and version 1.
  const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  try {
    await WebAssembly.compile(empty);
    return { name, passed: false, error: "WebAssembly.compile succeeded" };
  } catch {
    return { name, passed: true };
  }
}
