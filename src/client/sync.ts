import type { EncryptOptions } from "./encryption.js";
import { decryptSync, encryptSync } from "./encryption.js";
import type { BytesLike } from "./inputs.js";
import type { Runtime } from "./runtime.js";
import { signSync, verifySync, type VerifyOptions } from "./signing.js";
import { toText } from "../format/text.js";

/**
 * Synchronous forms of the core algorithms (XChaCha20-Poly1305, Ed25519),
 * for keys loaded with `await ks.load(name)`. They use the key as last
 * loaded or refreshed by an asynchronous call, decide on the policy with
 * authorizeSync and record through recordSync. Throw NOT_READY for a key
 * that is not loaded, UNSUPPORTED_ALGORITHM for a WebCrypto key, and the
 * same codes as the asynchronous forms otherwise.
 */
export class SyncKeyState {
  readonly #runtime: Runtime;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** See KeyState.encrypt. */
  encrypt(name: string, plaintext: BytesLike, options?: EncryptOptions): Uint8Array {
    return encryptSync(this.#runtime, name, plaintext, options);
  }

  /** See KeyState.encryptToString. */
  encryptToString(name: string, plaintext: BytesLike, options?: EncryptOptions): string {
    return toText(encryptSync(this.#runtime, name, plaintext, options));
  }

  /** See KeyState.decrypt. */
  decrypt(ciphertext: Uint8Array | string, options?: EncryptOptions): Uint8Array {
    return decryptSync(this.#runtime, ciphertext, options);
  }

  /** See KeyState.sign. */
  sign(name: string, message: BytesLike): Uint8Array {
    return signSync(this.#runtime, name, message);
  }

  /** See KeyState.verify. */
  verify(name: string, message: BytesLike, signature: Uint8Array, options?: VerifyOptions): boolean {
    return verifySync(this.#runtime, name, message, signature, options);
  }

  toJSON(): string {
    return "SyncKeyState";
  }
}
