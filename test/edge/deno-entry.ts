// Runs test/edge/checks.ts in Deno and prints the results as JSON on one
// line. The core loads from build/keystate.wasm of the package, so the only
// permission needed is reading that one file:
//   deno run --unstable-sloppy-imports --allow-read=build/keystate.wasm test/edge/deno-entry.ts
// Sloppy imports let Deno resolve the sources' ".js" specifiers to ".ts" files.
import { runChecks } from "./checks.js";

console.log(JSON.stringify(await runChecks()));
