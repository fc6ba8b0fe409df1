import { KeyStateError } from "../errors.js";

/**
 * The raw exports of build/keystate.wasm. Each part of the core adds its
 * functions here; all of them take pointers into the I/O area (see
 * assembly/io.ts) and lengths in bytes.
 */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  ioBase(): number;
  [name: string]: unknown;
}

/**
 * The source of the compiled core. Omit it to load build/keystate.wasm
 * next to the package. Cloudflare Workers reject compiling bytes at run
 * time, so pass the WebAssembly.Module that a `.wasm` import gives there.
 */
export type WasmSource = WebAssembly.Module | WasmLocation;

type WasmLocation = ArrayBuffer | Uint8Array | URL | string;

// Resolved on first use, not at module load: Cloudflare Workers give a module
// an import.meta.url that is no absolute URL, so new URL() would throw while
// the module loads, before the caller could pass the module to ready().
function defaultWasmUrl(): URL {
  return new URL("../../build/keystate.wasm", import.meta.url);
}

let loaded: CoreExports | undefined;
let loading: Promise<CoreExports> | undefined;

/**
 * Loads and instantiates the WebAssembly core once per realm. Later calls
 * return the same promise. Throws WASM_LOAD_FAILED when the module cannot be
 * fetched or compiled; a later call then tries again.
 */
export function ready(source?: WasmSource): Promise<void> {
  loading ??= instantiate(source).then(
    (exports) => (loaded = exports),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );

  return loading.then(() => undefined);
}

/** Returns true once ready() has finished. */
export function isReady(): boolean {
  return loaded !== undefined;
}

/** Returns the core's exports, or throws NOT_READY before ready() resolved. */
export function coreExports(): CoreExports {
  if (loaded === undefined) {
    throw new KeyStateError(
      "NOT_READY",
      "the WebAssembly core is not loaded yet; await ready() from keystate/core before calling it",
    );
  }

  return loaded;
}

async function instantiate(given: WasmSource | undefined): Promise<CoreExports> {
  try {
    const source = given ?? defaultWasmUrl();
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(await fetchBytes(source as WasmLocation));
    const instance = await WebAssembly.instantiate(module, {
      env: { abort: abortFromCore },
    });

    return instance.exports as unknown as CoreExports;
  } catch (error) {
    throw new KeyStateError(
      "WASM_LOAD_FAILED",
      `could not load the WebAssembly core from ${given === undefined ? "build/keystate.wasm of the package" : describeSource(given)}: ${(error as Error).message}; ` +
        "run `npm run build:wasm`, or pass the module to ready()",
      { cause: error },
    );
  }
}

async function fetchBytes(source: WasmLocation): Promise<BufferSource> {
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return source as BufferSource;

  const url = source instanceof URL ? source : new URL(source, defaultWasmUrl());

  // Node's fetch does not read file: URLs; Deno's and browsers' do.
  if (url.protocol === "file:" && isNode()) {
    // The specifier sits in a variable so that bundlers and Miniflare's module
    // walker do not try to resolve a Node built-in that Workers lack.
    const specifier = "node:fs/promises";
    const fs = (await import(/* @vite-ignore */ specifier)) as typeof import("node:fs/promises");
    return fs.readFile(url);
  }

  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP status ${response.status}`);
  return response.arrayBuffer();
}

function isNode(): boolean {
  const global = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return global.Deno === undefined && typeof global.process?.versions?.node === "string";
}

function describeSource(source: WasmSource): string {
  if (source instanceof WebAssembly.Module) return "the given WebAssembly.Module";
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return `${source.byteLength} given bytes`;
  return String(source);
}

// The release build sets noAssert, so abort is reached only from the debug
// build or a failed bounds check. It carries no data, only the location.
function abortFromCore(_message: number, _file: number, line: number, column: number): never {
  throw new KeyStateError("INTERNAL", `the WebAssembly core aborted at line ${line}, column ${column}`);
}
