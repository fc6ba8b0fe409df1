// The token benchmark inside Deno, started by bench/tokens.bench.ts:
//   deno run --unstable-sloppy-imports --allow-read=<repository>/build/keystate.wasm bench/tokens.deno.ts
// Prints one JSON line: the measurements of each group.
import { measureInterleaved } from "./harness.js";
import { tokenGroups } from "./tokens-cases.js";

const results = [];
for (const group of await tokenGroups()) {
  results.push({ label: group.label, measurements: await measureInterleaved(group.cases, { rounds: 5, sampleMs: 40 }) });
}
console.log(JSON.stringify(results));
