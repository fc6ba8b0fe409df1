#!/usr/bin/env node
// Launcher of the keystate CLI. It runs the compiled dist/src/cli/main.js when
// it exists (an installed package, or a checkout after `npm run build`), else
// the TypeScript sources through tsx, which a source checkout has after
// `npm ci`. KEYSTATE_CLI_SOURCE=1 runs the sources even when dist/ exists,
// for developers whose dist/ may be out of date.
import { existsSync } from "node:fs";
import process from "node:process";

const compiled = new URL("../dist/src/cli/main.js", import.meta.url);
const source = new URL("../src/cli/main.ts", import.meta.url);
const useSource = process.env.KEYSTATE_CLI_SOURCE === "1" || !existsSync(compiled);

let cli;
if (!useSource) {
  cli = await import(compiled.href);
} else if (existsSync(source)) {
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    process.stderr.write("keystate: dist/ is missing and tsx is not installed; run `npm ci` and `npm run build` first.\n");
    process.exit(1);
  }
  cli = await tsx.tsImport(source.href, import.meta.url);
} else {
  process.stderr.write("keystate: dist/src/cli/main.js is missing; reinstall the keystate package.\n");
  process.exit(1);
}

process.exitCode = await cli.main(process.argv.slice(2));
