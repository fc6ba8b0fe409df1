// keystate/core: the WebAssembly core. Await ready() once, then every
// function here is synchronous.
export { ready, isReady } from "./module.js";
export type { WasmSource } from "./module.js";
