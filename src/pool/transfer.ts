import { describeValue } from "../core/bytes.js";
import { KeyStateError } from "../errors.js";
import type { MethodName, MethodSpec } from "./methods.js";

/** Arguments ready for postMessage, with the buffers to move instead of copy. */
export interface OutgoingArgs {
  readonly args: unknown[];
  readonly transferables: ArrayBuffer[];
  /** Bytes in all arguments, for routing and load accounting. */
  readonly byteLength: number;
}

/**
 * Prepares one call's arguments for a worker so that no argument sends or
 * detaches more than its own bytes:
 *
 * - the message argument, with `transfer` on and a view that covers its
 *   whole ArrayBuffer, is transferred: no copy, and the caller's buffer is
 *   detached;
 * - any other view that covers its whole ArrayBuffer is copied by postMessage
 *   (structured clone);
 * - a view at a non-zero byteOffset or shorter than its buffer, or over a
 *   SharedArrayBuffer, is first copied into a buffer of its own, which is then
 *   transferred. Structured clone of such a view would send its whole
 *   underlying buffer, and transferring it would detach bytes it does not
 *   cover.
 *
 * Throws INVALID_ARGUMENT for an argument that is not a Uint8Array or whose
 * buffer is detached.
 */
export function prepareArgs(name: MethodName, spec: MethodSpec, args: readonly unknown[], transfer: boolean): OutgoingArgs {
  checkArgs(name, spec, args);

  const out: unknown[] = [];
  const transferables: ArrayBuffer[] = [];
  let byteLength = 0;

  for (let index = 0; index < args.length; index++) {
    const value = args[index] as Uint8Array | undefined;
    byteLength += value?.byteLength ?? 0;

    if (value === undefined || ownsWholeBuffer(value)) {
      out.push(value);
      if (value !== undefined && transfer && index === spec.data) transferables.push(value.buffer as ArrayBuffer);
      continue;
    }

    const copy = value.slice();
    out.push(copy);
    transferables.push(copy.buffer);
  }

  return { args: out, transferables, byteLength };
}

/**
 * Checks that every argument is a Uint8Array or undefined, over a buffer that
 * is not detached. Throws INVALID_ARGUMENT naming the parameter.
 */
export function checkArgs(name: MethodName, spec: MethodSpec, args: readonly unknown[]): void {
  for (let index = 0; index < args.length; index++) {
    const value = args[index];
    const param = spec.params[index] ?? `argument ${index + 1}`;

    if (value === undefined) continue;

    if (!(value instanceof Uint8Array)) {
      throw new KeyStateError("INVALID_ARGUMENT", `${param} of ${name} must be a Uint8Array, got ${describeValue(value)}`);
    }

    // Node 20 drops a message whose transfer list contains a detached buffer
    // without any error, so the call would never settle.
    if (isDetached(value)) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `${param} of ${name} is a view of a detached buffer, probably moved by an earlier call with { transfer: true }; pass bytes that are still attached`,
      );
    }
  }
}

/** Sums the bytes of every Uint8Array among `args`. */
export function argsByteLength(args: readonly unknown[]): number {
  let total = 0;
  for (const value of args) if (value instanceof Uint8Array) total += value.byteLength;
  return total;
}

// A detached buffer has byteLength 0 and its slice() throws a TypeError.
// ArrayBuffer.prototype.detached reports it directly, but Node 20 lacks it.
function isDetached(view: Uint8Array): boolean {
  if (view.byteLength > 0 || !(view.buffer instanceof ArrayBuffer)) return false;

  try {
    view.buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

// A SharedArrayBuffer cannot be transferred, and a view that starts after
// byte 0 or ends before the buffer's end shares its buffer with other data.
function ownsWholeBuffer(view: Uint8Array): boolean {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}
