// RemoteKms: the fetch-only client of the KMS proxy, for every runtime.
export { RemoteKms } from "./remote-kms.js";
export type { DataKey, RemoteKmsOptions, RemotePublicKey, RemoteSignature } from "./remote-kms.js";
export { RemoteSigner } from "./remote-signer.js";
export { DataKeyCache } from "./data-key-cache.js";
export type { DataKeyCacheLimits } from "./data-key-cache.js";
export type { KmsAlgorithm, KmsKeyInfo, KmsKeyVersion, KmsPurpose } from "../protocol.js";
