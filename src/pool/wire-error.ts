import { KeyStateError, type KeyStateErrorCode } from "../errors.js";

/**
 * An error as it crosses the worker boundary. Comlink rebuilds a thrown Error
 * as a plain Error without its class or `code`, so the worker throws this
 * plain object instead and the pool turns it back into a KeyStateError.
 */
export interface WireError {
  readonly keystateError: true;
  readonly code: KeyStateErrorCode;
  readonly message: string;
}

/** Converts anything a core function threw into a WireError; errors that are not KeyStateErrors become INTERNAL. */
export function toWireError(error: unknown): WireError {
  if (error instanceof KeyStateError) {
    return { keystateError: true, code: error.code, message: error.message };
  }

  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { keystateError: true, code: "INTERNAL", message: `the worker failed unexpectedly: ${message}` };
}

/** Rebuilds the KeyStateError that a worker sent, or wraps any other rejection as INTERNAL. */
export function fromWireError(error: unknown): KeyStateError {
  if (error instanceof KeyStateError) return error;

  if (isWireError(error)) return new KeyStateError(error.code, error.message);

  // postMessage throws DataCloneError for an argument it cannot send, such as
  // a buffer that an earlier call with { transfer: true } already detached.
  if (error instanceof Error && error.name === "DataCloneError") {
    return new KeyStateError(
      "INVALID_ARGUMENT",
      `could not send the arguments to the worker: ${error.message}; pass buffers that are not detached`,
      { cause: error },
    );
  }

  const message = error instanceof Error ? error.message : String(error);
  return new KeyStateError("INTERNAL", `the worker call failed unexpectedly: ${message}`, { cause: error });
}

function isWireError(value: unknown): value is WireError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Partial<WireError>).keystateError === true &&
    typeof (value as Partial<WireError>).code === "string" &&
    typeof (value as Partial<WireError>).message === "string"
  );
}
