import { KeyStateError } from "../errors.js";

/** The error of a call whose AbortSignal fired; the signal's reason is its cause. */
export function abortError(signal: AbortSignal): KeyStateError {
  return new KeyStateError("ABORTED", "the call was aborted through its AbortSignal", { cause: signal.reason });
}
