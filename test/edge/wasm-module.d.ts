// A ".wasm" import in a Worker: the runtime compiles the module at deploy
// time (Miniflare's CompiledWasm rule) and the import is a WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
