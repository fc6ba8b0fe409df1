// Rotation by age, use count or bytes: two-phase (add, then promote after a
// propagation delay), safe under concurrent rotators through compare-and-swap.
export { parseDuration } from "./duration.js";
export { resolveRotationPolicy, AES_GCM_DEFAULT_MAX_OPERATIONS, AES_GCM_MAX_OPERATIONS_LIMIT } from "./policy.js";
export type { RotationPolicy, ResolvedRotationPolicy } from "./policy.js";
export { rotationDue, pendingVersion } from "./due.js";
export type { RotationAction } from "./due.js";
export { readRotationPolicies, writeRotationPolicy, ROTATION_DOCUMENT } from "./policies.js";
export type { RotationDocument } from "./policies.js";
export { rotateIfDue, rotateDue, setMinDecryptionVersion, addVersion } from "./rotator.js";
export type { MaterialGenerator, RotationResult, RotatorOptions } from "./rotator.js";
export { RotationScheduler } from "./scheduler.js";
export type { RotationSchedulerOptions, SchedulerTimers } from "./scheduler.js";
