import { KeyStateError } from "../errors.js";

/** Creates the ABORTED error of a call whose AbortSignal fired, with the signal's reason as its cause. */
export function abortError(signal: AbortSignal): KeyStateError {
  return new KeyStateError("ABORTED", "the call was aborted through its AbortSignal", { cause: signal.reason });
}
