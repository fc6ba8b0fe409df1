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
export { PolicyEngine } from "./policy/engine.js";
export type { PolicyEngineOptions, SetPolicyOptions } from "./policy/engine.js";
export type { PolicyDocument, PolicyRule, RuleConditions } from "./policy/types.js";
export { AuditLog } from "./audit/log.js";
export type { AuditLogOptions } from "./audit/log.js";
export { memorySink, callbackSink } from "./audit/sinks.js";
export type { MemorySink } from "./audit/sinks.js";
export type { AuditTrail } from "./audit/trail.js";
export type { AuditAlert, DetectorOptions } from "./audit/detectors.js";
export type { AuditEntry, AuditSink, AuditVerifyResult } from "./audit/types.js";
export type { RotationPolicy } from "./rotation/policy.js";
export type { RotationResult } from "./rotation/rotator.js";
