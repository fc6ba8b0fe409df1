import { ready, type WasmSource } from "../core/index.js";
import { decodeKeyset } from "./document.js";
import { KeysetStore } from "./keyset-store.js";
import { masterKeyOf } from "./master-key.js";
import { openKeysetDocument } from "./sealed.js";

/**
 * Opens the text form of a sealed keyset into a read-only KeysetStore.
 * Throws INVALID_ARGUMENT, DECRYPT_FAILED (wrong master key or changed text),
 * UNSUPPORTED_FORMAT, STORE_CORRUPT, WASM_LOAD_FAILED.
 */
export async function openSealedKeyset(text: unknown, masterKey: unknown, wasm?: WasmSource): Promise<KeysetStore> {
  const key = masterKeyOf(masterKey);
  await ready(wasm);

  const document = openKeysetDocument(text, key);
  try {
    return await KeysetStore.of(decodeKeyset(document));
  } finally {
    document.fill(0);
  }
}
