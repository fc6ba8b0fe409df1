import type { KeyAlgorithm } from "../keys/types.js";

/**
 * The one-byte algorithm ids written into headers. Frozen: a published id
 * keeps its algorithm forever, and new algorithms take unused values.
 */
export const ALGORITHM_IDS: Readonly<Record<KeyAlgorithm, number>> = Object.freeze({
  "XCHACHA20-POLY1305": 0x01,
  "AES-256-GCM": 0x02,
  "AES-KW": 0x03,
  ED25519: 0x10,
  "ECDSA-P256": 0x11,
  "HMAC-SHA256": 0x20,
});

const BY_ID = new Map<number, KeyAlgorithm>(
  Object.entries(ALGORITHM_IDS).map(([algorithm, id]) => [id, algorithm as KeyAlgorithm]),
);

/** Returns the algorithm with header id `id`, or undefined for an unknown id. */
export function algorithmById(id: number): KeyAlgorithm | undefined {
  return BY_ID.get(id);
}
