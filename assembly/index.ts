// Entry point of the WebAssembly core: every export the TypeScript side uses.
export { ioBase } from "./io";
