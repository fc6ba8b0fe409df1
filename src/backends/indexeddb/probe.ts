/**
 * Uses a CryptoKey read back from IndexedDB once, so a key that the browser
 * did not keep (it reads back as missing or unusable) is caught before a
 * write counts as committed. Returns false when the key is missing or the
 * operation fails. Secret and private keys are exercised with a random probe
 * message; a public key is checked against a signature of its private key.
 */
export async function probeCryptoKey(key: unknown, publicKey?: unknown): Promise<boolean> {
  if (!isCryptoKey(key)) return false;
  if (publicKey !== undefined && !isCryptoKey(publicKey)) return false;

  try {
    return await exercise(key, publicKey);
  } catch {
    return false;
  }
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}

async function exercise(key: CryptoKey, publicKey: CryptoKey | undefined): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const usages = new Set(key.usages);
  const name = key.algorithm.name;

  if (usages.has("encrypt") && name === "AES-GCM") {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name, iv }, key, probe);
    if (!usages.has("decrypt")) return sealed.byteLength === probe.byteLength + 16;

    const opened = new Uint8Array(await crypto.subtle.decrypt({ name, iv }, key, sealed));
    return equalBytes(opened, probe);
  }

  const signing = signatureParameters(name);
  if (usages.has("sign") && signing !== undefined) {
    const signature = await crypto.subtle.sign(signing, key, probe);
    const verifier = publicKey ?? (usages.has("verify") ? key : undefined);
    if (verifier === undefined) return signature.byteLength > 0;

    return crypto.subtle.verify(signing, verifier, signature, probe);
  }

  if (usages.has("wrapKey") && (name === "AES-KW" || name === "AES-GCM")) {
    const parameters = name === "AES-KW" ? { name } : { name, iv: crypto.getRandomValues(new Uint8Array(12)) };
    // A throwaway key as the payload: the probe never touches stored material.
    const payload = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    const wrapped = await crypto.subtle.wrapKey("raw", payload, key, parameters);
    if (!usages.has("unwrapKey")) return wrapped.byteLength > 0;

    await crypto.subtle.unwrapKey("raw", wrapped, key, parameters, { name: "AES-GCM" }, false, ["encrypt"]);
    return true;
  }

  // NOTE: a key whose usages allow only decrypt, verify or unwrapKey (or an
  // algorithm not listed above) cannot be exercised without data made by the
  // same key, so only its shape is checked.
  return key.type === "secret" || key.type === "private" || key.type === "public";
}

function signatureParameters(name: string): AlgorithmIdentifier | EcdsaParams | undefined {
  switch (name) {
    case "HMAC":
    case "Ed25519":
      return { name };
    case "ECDSA":
      return { name, hash: "SHA-256" };
    default:
      return undefined;
  }
}

function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  return left.every((byte, index) => byte === right[index]);
}
