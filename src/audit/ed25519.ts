import { KeyStateError } from "../errors.js";

/**
 * The Ed25519 functions the audit log signs checkpoints with, in the shape
 * of keystate/core's `ed25519` (RFC 8032: a 32-byte seed, 32-byte public
 * keys, 64-byte signatures). Tests may pass another implementation.
 */
export interface Ed25519 {
  getPublicKey(seed: Uint8Array): Uint8Array;
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Returns keystate/core's Ed25519 after loading the core. Throws NOT_READY
 * when the core has no Ed25519 (a build without it), naming the option that
 * supplies one.
 */
export async function loadCoreEd25519(): Promise<Ed25519> {
  const core = (await import("../core/index.js")) as Record<string, unknown>;
  const ready = core.ready as (() => Promise<void>) | undefined;
  await ready?.();

  const ed25519 = core.ed25519 as Ed25519 | undefined;
  if (ed25519 === undefined || typeof ed25519.sign !== "function") {
    throw new KeyStateError(
      "NOT_READY",
      "the WebAssembly core in use has no Ed25519, which audit checkpoints need; rebuild it with npm run build:wasm or pass options.ed25519",
    );
  }

  return ed25519;
}
