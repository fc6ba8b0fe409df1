import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const appRoot = fileURLToPath(new URL(".", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

/**
 * Writes precache.json, the list of every file of the build, which the
 * service worker caches on install so the app opens offline from its first
 * visit on.
 */
function precacheList(): Plugin {
  return {
    name: "notes-pwa-precache-list",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).map((fileName) => `./${fileName}`);
      this.emitFile({ type: "asset", fileName: "precache.json", source: JSON.stringify(files) });
    },
  };
}

// The example imports KeyState by its package names. These aliases point them
// at the sources of this repository, so no build of the library is needed.
export default defineConfig({
  root: appRoot,
  base: "./",
  resolve: {
    alias: [
      { find: /^keystate$/, replacement: source("index.ts") },
      { find: /^keystate\/idb$/, replacement: source("backends/indexeddb/index.ts") },
      { find: /^keystate\/pool$/, replacement: source("pool/index.ts") },
      { find: /^keystate\/audit$/, replacement: source("audit/index.ts") },
    ],
  },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  server: { host: "127.0.0.1", fs: { allow: [repositoryRoot] } },
  preview: { host: "127.0.0.1" },
  plugins: [precacheList()],
});
