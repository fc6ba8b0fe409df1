const REDACTED = "[redacted]";

/** The parts of loaded material; each algorithm engine fills the ones it uses. */
export interface MaterialParts {
  /** Secret bytes the WASM core uses directly (XChaCha20-Poly1305, Ed25519 seed). */
  secret?: Uint8Array;
  /** A non-extractable WebCrypto key: the secret or private key. */
  key?: CryptoKey;
  /** The WebCrypto public key of a key pair. */
  publicKey?: CryptoKey;
  /** The raw public key (Ed25519: 32 bytes). Not secret, but kept here beside the rest. */
  publicBytes?: Uint8Array;
}

/**
 * A handle to the loaded material of one key version, ready for its engine.
 * It never serialises: JSON.stringify, String() and Node's util.inspect all
 * show "[redacted]", and the parts sit in a private field that no
 * enumeration reaches. Only the engines in src/crypto read the parts.
 */
export class KeyMaterial {
  readonly #parts: MaterialParts;

  constructor(parts: MaterialParts) {
    this.#parts = parts;
  }

  /** Returns the material for an engine. Library-internal: never hand the result to a caller. */
  unsafeParts(): Readonly<MaterialParts> {
    return this.#parts;
  }

  /** Overwrites secret bytes held in JavaScript memory; CryptoKeys are dropped for the garbage collector. */
  wipe(): void {
    this.#parts.secret?.fill(0);
    delete this.#parts.secret;
    delete this.#parts.key;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}
