// keystate/core: the WebAssembly core. Await ready() once, then every
// function here is synchronous.
export { ready, isReady } from "./module.js";
export type { WasmSource } from "./module.js";
export { xchacha20poly1305, chacha20poly1305 } from "./aead.js";
export type { ChaChaAead } from "./aead.js";
export { ed25519 } from "./ed25519.js";
export type { Ed25519 } from "./ed25519.js";
export { sha512, SHA512_DIGEST_LENGTH } from "./sha512.js";
