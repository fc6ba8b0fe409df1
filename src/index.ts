// keystate: the public client. Later parts of the library add the KeyState
// client, its stores and formats here.
export { KeyStateError, isKeyStateError } from "./errors.js";
export type { KeyStateErrorCode } from "./errors.js";

export { KeyState } from "./client/keystate.js";
export type { KeyStateOptions, SealOptions } from "./client/keystate.js";
export type { SyncKeyState } from "./client/sync.js";
export type { CreateKeyOptions, DestroyOptions, RevokeOptions } from "./client/administration.js";
export type { EncryptOptions } from "./client/encryption.js";
export type { ExportPublicKeyOptions, PublicJwk, VerifyOptions } from "./client/signing.js";
export type { ClientPool } from "./client/runtime.js";
export type { RemoteKeyWrapper } from "./client/remote-wrap.js";
export { OpeningPrincipalAuthorizer } from "./client/defaults/opening-principal-authorizer.js";
export { MemoryAuditRecorder } from "./client/defaults/memory-audit-recorder.js";
export type { RecordedAuditEvent } from "./client/defaults/memory-audit-recorder.js";
export { MemoryStore } from "./backends/memory-store.js";
export type { MemoryStoreOptions } from "./backends/memory-store.js";
export type { KeyStore, StoredKey, StoredMaterial, Revisioned } from "./backends/key-store.js";
export type { KeyAlgorithm, KeyInfo, KeyPurpose, KeyUsage, KeyVersionInfo, KeyVersionStatus } from "./keys/types.js";
export type { EncryptionContext } from "./format/context.js";
export type { AccessDecision, AccessRequest, Authorizer, Operation } from "./policy/types.js";
export type { AuditEventInput, AuditOutcome, AuditRecorder } from "./audit/types.js";
