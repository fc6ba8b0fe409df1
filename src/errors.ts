/**
 * Stable error codes. Callers and tests branch on `code`, never on message
 * text, so a code once published keeps its meaning.
 */
export type KeyStateErrorCode =
  | "INVALID_ARGUMENT"
  | "DECRYPT_FAILED"
  | "NOT_READY"
  | "WASM_LOAD_FAILED"
  | "WORKER_TERMINATED"
  | "ABORTED"
  | "KEY_NOT_FOUND"
  | "KEY_EXISTS"
  | "KEY_DISABLED"
  | "KEY_DESTROYED"
  | "WRONG_PURPOSE"
  | "UNSUPPORTED_ALGORITHM"
  | "UNSUPPORTED_FORMAT"
  | "VERIFY_FAILED"
  | "CONFLICT"
  | "STORE_CORRUPT"
  | "STORE_LOCKED"
  | "QUOTA_EXCEEDED"
  | "STORAGE_UNAVAILABLE"
  | "UPGRADE_BLOCKED"
  | "STORE_NOT_FOUND"
  // A write to a store that only reads, such as the store of a sealed keyset.
  | "STORE_READ_ONLY"
  | "WRONG_PASSPHRASE"
  | "CONFIRMATION_REQUIRED"
  | "POLICY_DENIED"
  | "AUDIT_FAILED"
  // KMS proxy: the proxy is unreachable, timed out or failed (5xx), the
  // request lacks valid credentials (401), exceeds the body limit (413) or
  // the principal's request rate (429).
  | "KMS_UNAVAILABLE"
  | "UNAUTHENTICATED"
  | "REQUEST_TOO_LARGE"
  | "RATE_LIMITED"
  // JWS/JWT tokens: malformed, signature or key check failed (one code, so
  // the caller learns nothing that helps a forgery), expired, not yet valid
  // (nbf or iat in the future), or a claim other than the times did not match.
  | "TOKEN_INVALID"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_YET_VALID"
  | "TOKEN_CLAIM_MISMATCH"
  | "INTERNAL";

/**
 * The one error class of KeyState. `code` names what went wrong; `message`
 * names the value and the fix. Neither ever contains key material or
 * plaintext, and a failed decryption carries no reason beyond its code.
 */
export class KeyStateError extends Error {
  override readonly name = "KeyStateError";
  readonly code: KeyStateErrorCode;

  constructor(code: KeyStateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: KeyStateErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Returns true when `error` is a KeyStateError, optionally with the given code. */
export function isKeyStateError(error: unknown, code?: KeyStateErrorCode): error is KeyStateError {
  return error instanceof KeyStateError && (code === undefined || error.code === code);
}
