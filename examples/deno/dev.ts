// `npm run example:deno`: makes demo secrets (or reads them, see
// ../edge-worker/demo-keyset.ts) and starts server.ts in Deno with the
// least permissions it needs. PORT sets the port (default 8000, 0 for any
// free one). Stop it with Ctrl-C.
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { edgeSecrets } from "../edge-worker/demo-keyset.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DENO = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));
const WASM = fileURLToPath(new URL("../../build/keystate.wasm", import.meta.url));

const secrets = await edgeSecrets();
const child = spawn(
  DENO,
  [
    "run",
    "--no-prompt",
    "--config",
    "examples/deno/deno.json",
    `--allow-read=${WASM}`,
    "--allow-env=KEYSET,KEYSET_MASTER_KEY,CONFIG_SECRET,PORT",
    "--allow-net=127.0.0.1",
    "examples/deno/server.ts",
  ],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...secrets, PORT: process.env.PORT ?? "8000", DENO_NO_UPDATE_CHECK: "1" } },
);

child.once("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal));
