// Browser half of the AEAD suite, run by bench/browser.ts in headless
// Chromium: KeyState XChaCha20-Poly1305 against WebCrypto AES-256-GCM (and
// @noble/ciphers for reference) in the same page, interleaved.
import { xchacha20poly1305 as nobleXChacha } from "@noble/ciphers/chacha.js";
import { ready, xchacha20poly1305 } from "../src/core/index.js";
import { measureInterleaved, type Measurement } from "./harness.js";

export const BROWSER_SIZES = [16 * 1024, 1024 * 1024];

export interface AeadBrowserGroup {
  operation: "seal" | "open";
  bytes: number;
  measurements: Measurement[];
}

export async function runBrowser(): Promise<AeadBrowserGroup[]> {
  await ready();
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aesKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
  const groups: AeadBrowserGroup[] = [];

  for (const bytes of BROWSER_SIZES) {
    const plaintext = crypto.getRandomValues(new Uint8Array(Math.min(bytes, 65536)));
    const message = new Uint8Array(bytes);
    for (let offset = 0; offset < bytes; offset += plaintext.length) message.set(plaintext.subarray(0, bytes - offset), offset);

    groups.push({
      operation: "seal",
      bytes,
      measurements: await measureInterleaved(
        [
          { name: "KeyState XChaCha20-Poly1305", fn: () => xchacha20poly1305.seal(key, nonce, message) },
          { name: "WebCrypto AES-256-GCM", fn: () => crypto.subtle.encrypt({ name: "AES-GCM", iv }, aesKey, message) },
          { name: "@noble/ciphers XChaCha20-Poly1305", fn: () => nobleXChacha(key, nonce).encrypt(message) },
        ],
        { bytes },
      ),
    });

    const sealed = xchacha20poly1305.seal(key, nonce, message);
    const aesSealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aesKey, message));
    groups.push({
      operation: "open",
      bytes,
      measurements: await measureInterleaved(
        [
          { name: "KeyState XChaCha20-Poly1305", fn: () => xchacha20poly1305.open(key, nonce, sealed) },
          { name: "WebCrypto AES-256-GCM", fn: () => crypto.subtle.decrypt({ name: "AES-GCM", iv }, aesKey, aesSealed) },
          { name: "@noble/ciphers XChaCha20-Poly1305", fn: () => nobleXChacha(key, nonce).decrypt(sealed) },
        ],
        { bytes },
      ),
    });
  }

  return groups;
}
