// The tamper-evident audit log. The JSON Lines file sink is Node-only and is
// imported from "./file-sink.js" directly, so browser bundles never see node:fs.
export { AuditLog, AUDIT_PRINCIPAL } from "./log.js";
export type { AuditLogOptions, AuditTimers } from "./log.js";
export { verifyEntries, hashEntry, checkpointMessage, GENESIS_HASH } from "./chain.js";
export type { CheckpointReference, VerifyOptions } from "./chain.js";
export { canonicalJson } from "./canonical.js";
export { memorySink, callbackSink } from "./sinks.js";
export type { MemorySink } from "./sinks.js";
export { BurstDetector } from "./detectors.js";
export type { AuditAlert, DetectorKind, DetectorOptions } from "./detectors.js";
export type { Ed25519 } from "./ed25519.js";
export { AUDIT_DOCUMENT, AUDIT_KEY_NAME, loadAuditState, readAuditDocument } from "./state.js";
export type { AuditDocument } from "./state.js";
export type { AuditEntry, AuditEventInput, AuditOutcome, AuditRecorder, AuditSink, AuditVerifyResult } from "./types.js";
export { auditTrailOf } from "./trail.js";
export type { AuditTrail } from "./trail.js";
