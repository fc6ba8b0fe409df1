// Entry point of the WebAssembly core: every export the TypeScript side uses.
export { ioBase } from "./io";
export {
  aeadInit,
  aeadAad,
  aeadEncrypt,
  aeadDecrypt,
  aeadFinish,
  aeadVerify,
  aeadSeal,
  aeadOpen,
  aeadWipe,
  chacha20KeystreamBlock,
  chacha20XorStream,
  hchacha20Subkey,
  poly1305Mac,
} from "./aead";
