import { checkArgs } from "./transfer.js";
import type { MethodName, MethodSpec } from "./methods.js";

/**
 * The arguments of a batch, packed for one postMessage: the bytes of every
 * distinct argument back to back in one buffer, so one transfer carries the
 * whole batch however many items it has. Posting thousands of small buffers
 * costs far more than copying their bytes once.
 */
export interface PackedItems {
  readonly buffer: ArrayBuffer;
  /** Offset and length in `buffer` of each distinct argument, as pairs. */
  readonly spans: number[];
  /** Per item, per parameter: the index of its span, or -1 for undefined. */
  readonly items: number[][];
}

/** The results of a batch: byte results packed into one buffer, other results as they are. */
export interface PackedResults {
  readonly buffer: ArrayBuffer;
  /** Per item: [offset, length] of a byte result in `buffer`, or { value } for any other result. */
  readonly entries: ([number, number] | { value: unknown })[];
}

/**
 * Packs a batch's argument lists. An argument passed to many items (usually
 * the key) is stored once. Throws INVALID_ARGUMENT as checkArgs does.
 */
export function packItems(name: MethodName, spec: MethodSpec, argLists: readonly unknown[][]): PackedItems {
  const index = new Map<Uint8Array, number>();
  const distinct: Uint8Array[] = [];
  let total = 0;

  const items = argLists.map((args) => {
    checkArgs(name, spec, args);

    return args.map((value) => {
      if (value === undefined) return -1;

      const bytes = value as Uint8Array;
      let span = index.get(bytes);
      if (span === undefined) {
        span = distinct.length;
        index.set(bytes, span);
        distinct.push(bytes);
        total += bytes.byteLength;
      }
      return span;
    });
  });

  const packed = new Uint8Array(total);
  const spans: number[] = [];
  let offset = 0;
  for (const bytes of distinct) {
    packed.set(bytes, offset);
    spans.push(offset, bytes.byteLength);
    offset += bytes.byteLength;
  }

  return { buffer: packed.buffer, spans, items };
}

/** Rebuilds the argument lists as views into the packed buffer. */
export function unpackItems(packed: PackedItems): (Uint8Array | undefined)[][] {
  const views: Uint8Array[] = [];
  for (let i = 0; i < packed.spans.length; i += 2) {
    views.push(new Uint8Array(packed.buffer, packed.spans[i]!, packed.spans[i + 1]!));
  }

  return packed.items.map((item) => item.map((span) => (span < 0 ? undefined : views[span])));
}

/** Packs a worker's batch results for one transfer. */
export function packResults(results: readonly unknown[]): PackedResults {
  let total = 0;
  for (const result of results) if (result instanceof Uint8Array) total += result.byteLength;

  const packed = new Uint8Array(total);
  let offset = 0;
  const entries = results.map((result): [number, number] | { value: unknown } => {
    if (!(result instanceof Uint8Array)) return { value: result };

    packed.set(result, offset);
    offset += result.byteLength;
    return [offset - result.byteLength, result.byteLength];
  });

  return { buffer: packed.buffer, entries };
}

/**
 * Unpacks batch results. Each byte result gets a buffer of its own, so no
 * result exposes another through its `.buffer`. The packed buffer may
 * contain plaintext and is zeroed afterwards.
 */
export function unpackResults(packed: PackedResults): unknown[] {
  const bytes = new Uint8Array(packed.buffer);
  const results = packed.entries.map((entry) =>
    Array.isArray(entry) ? bytes.slice(entry[0], entry[0] + entry[1]) : entry.value,
  );

  bytes.fill(0);
  return results;
}
