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
export { sha512Init, sha512Update, sha512Final, sha512Digest } from "./sha512";
export {
  ed25519PublicKey,
  ed25519Sign,
  ed25519SignBegin,
  ed25519SignMiddle,
  ed25519SignFinish,
  ed25519Update,
  ed25519Verify,
  ed25519VerifyBegin,
  ed25519VerifyFinish,
  ed25519Wipe,
} from "./ed25519";
