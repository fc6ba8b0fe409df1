// Bundles a Cloudflare Worker that imports KeyState into one ES module plus
// the WebAssembly core, the two files a Worker deployment uploads. The
// Worker imports "keystate", "keystate/kms" and "keystate/keystate.wasm" as
// an application would; here they resolve to this repository's sources, so
// no build of the library is needed. The .wasm import stays an import, and
// Miniflare (or wrangler) gives the Worker the compiled module for it.
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** File names of a bundled Worker inside its output directory. */
export const WORKER_SCRIPT = "worker.js";
export const WORKER_WASM = "keystate.wasm";

const PACKAGE_PATHS: Record<string, string> = {
  keystate: "src/index.ts",
  "keystate/kms": "src/kms/client/index.ts",
  "keystate/core": "src/core/index.ts",
};

function keystateSources(): Plugin {
  return {
    name: "keystate-sources",
    setup(builder) {
      builder.onResolve({ filter: /^keystate(\/.*)?$/ }, (args) => {
        if (args.path === "keystate/keystate.wasm") return { path: `./${WORKER_WASM}`, external: true };
        const source = PACKAGE_PATHS[args.path];
        return source === undefined ? undefined : { path: join(ROOT, source) };
      });
      // Relative .wasm imports (test/edge/worker-entry.ts) stay imports too.
      builder.onResolve({ filter: /\.wasm$/ }, () => ({ path: `./${WORKER_WASM}`, external: true }));
    },
  };
}

/**
 * Bundles `entry` into `outDirectory`/worker.js and copies build/keystate.wasm
 * beside it. Fails when the bundle would need a Node built-in, because
 * workerd without nodejs_compat has none.
 */
export async function bundleWorker(entry: string, outDirectory: string): Promise<{ script: string; wasm: string }> {
  await mkdir(outDirectory, { recursive: true });
  const script = join(outDirectory, WORKER_SCRIPT);
  const wasm = join(outDirectory, WORKER_WASM);

  await build({
    entryPoints: [entry],
    outfile: script,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser", "import"],
    plugins: [keystateSources()],
    logLevel: "silent",
  });
  await copyFile(join(ROOT, "build", "keystate.wasm"), wasm);

  return { script, wasm };
}

/** Lists the Miniflare modules of a bundled Worker: the script and the compiled core. */
export function workerModules(bundle: { script: string; wasm: string }): { type: "ESModule" | "CompiledWasm"; path: string }[] {
  // Listed one by one, because Miniflare's own module discovery rejects the
  // core loader's guarded dynamic import of a Node built-in.
  return [
    { type: "ESModule", path: bundle.script },
    { type: "CompiledWasm", path: bundle.wasm },
  ];
}
