// Runs test/edge/checks.ts in Deno with no permissions at all: the core
// arrives as a static bytes import (Deno's --unstable-raw-imports), which
// needs no read permission, and ready() gets the compiled module.
//   deno run --unstable-sloppy-imports --unstable-raw-imports test/edge/deno-module-entry.ts
import bytes from "../../build/keystate.wasm" with { type: "bytes" };
import { runChecks } from "./checks.js";

console.log(JSON.stringify(await runChecks(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))));
