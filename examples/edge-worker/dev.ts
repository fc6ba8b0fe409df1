// `npm run example:worker`: bundles worker.ts, starts it in workerd through
// Miniflare on 127.0.0.1 and prints the URL. PORT sets the port (default
// 8787, 0 for any free one). Stop it with Ctrl-C.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModules } from "../../scripts/bundle-worker.js";
import { edgeSecrets } from "./demo-keyset.js";

const ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));

const directory = await mkdtemp(join(tmpdir(), "keystate-edge-worker-"));
const bundle = await bundleWorker(ENTRY, directory);
const secrets = await edgeSecrets();

const miniflare = new Miniflare({
  modules: workerModules(bundle),
  modulesRoot: directory,
  compatibilityDate: "2026-04-01",
  bindings: { ...secrets },
  host: "127.0.0.1",
  port: Number(process.env.PORT ?? 8787),
});
const url = await miniflare.ready;

console.log(`KeyState edge worker listening on ${url.origin}`);
console.log(`  curl -X POST ${url.origin}/tokens -d '{"sub":"user-7"}'`);
console.log(`  curl ${url.origin}/me -H "Authorization: Bearer <token>"`);
console.log(`  curl ${url.origin}/.well-known/jwks.json`);

async function stop(signal: string): Promise<void> {
  console.log(`Stopping on ${signal}`);
  await miniflare.dispose();
  await rm(directory, { recursive: true, force: true });
  process.exit(0);
}
process.once("SIGINT", () => void stop("SIGINT"));
process.once("SIGTERM", () => void stop("SIGTERM"));
