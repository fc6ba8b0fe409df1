import { KeyStateError } from "../errors.js";
import { assertBytes } from "../core/bytes.js";
import { xchacha20poly1305 } from "../core/index.js";
import { encodeContext, type EncryptionContext } from "../format/context.js";
import { KIND_STREAM, parseEnvelopeHeader, type EnvelopeHeader } from "../format/header.js";
import { streamNonce } from "../format/stream-nonce.js";
import { concatBytes } from "./bytes.js";
import { prepareSeal, unwrapFor } from "./envelope.js";
import { newRequestId, recordFailure, recordSuccess, assertOpen, type AuditNote, type Runtime } from "./runtime.js";

/** Plaintext bytes per stream chunk unless the caller sets `chunkSize`. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

const TAG_LENGTH = 16;

// Maximum header length a stream reader waits for before it gives up: prefix,
// wrap section with the longest key name and a u16-length wrapped key, data section.
const MAX_HEADER_LENGTH = 6 + 128 + 4 + 2 + 0xffff + 1 + 4 + 19;

/**
 * Envelope-encrypts a stream (kind 0x03): the header, then each chunk of
 * `chunkSize` plaintext bytes sealed with its own STREAM nonce. Resolves once
 * the policy allowed it and the data key is wrapped. The returned iterable
 * then encrypts as it is read and keeps at most one chunk of plaintext.
 */
export async function sealStream(
  runtime: Runtime,
  name: string,
  source: AsyncIterable<Uint8Array>,
  context: EncryptionContext | undefined,
  chunkSize: number,
): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
  const requestId = newRequestId();
  const note: AuditNote = { keyName: name, context, bytes: 0 };

  let prepared;
  try {
    assertOpen(runtime);
    prepared = await prepareSeal(runtime, name, context, KIND_STREAM, chunkSize, note);
  } catch (error) {
    throw await recordFailure(runtime, "seal", note, requestId, error, false);
  }

  return (async function* sealing() {
    const { dataKey, header, dataAad, nonce: prefix, version } = prepared;
    const buffer = new Uint8Array(chunkSize);
    const nonce = new Uint8Array(24);
    let filled = 0;
    let index = 0;
    let settled = false;

    try {
      yield header;

      for await (const piece of source) {
        assertBytes(piece, "stream chunk");
        let offset = 0;

        while (offset < piece.length) {
          // A full buffer is sealed as not-last only once more input exists.
          if (filled === chunkSize) {
            yield xchacha20poly1305.seal(dataKey, streamNonce(prefix, index++, false, nonce), buffer, dataAad);
            filled = 0;
          }

          const count = Math.min(chunkSize - filled, piece.length - offset);
          buffer.set(piece.subarray(offset, offset + count), filled);
          filled += count;
          offset += count;
          note.bytes! += count;
        }
      }

      const last = xchacha20poly1305.seal(dataKey, streamNonce(prefix, index, true, nonce), buffer.subarray(0, filled), dataAad);
      runtime.usage.add(name, version, note.bytes!);
      settled = true;
      await recordSuccess(runtime, "seal", note, requestId);
      yield last;
    } catch (error) {
      settled = true;
      throw await recordFailure(runtime, "seal", note, requestId, error, false);
    } finally {
      dataKey.fill(0);
      buffer.fill(0);
      if (!settled) await recordAbandoned(runtime, "seal", note, requestId);
    }
  })();
}

/**
 * Opens a kind 0x03 stream. Reads the header from `source`, unwraps the data
 * key, and resolves with an iterable that decrypts chunk by chunk. Each
 * released chunk is authentic, but the stream as a whole is only complete
 * and in order when the iterable ends without DECRYPT_FAILED.
 */
export async function openStream(
  runtime: Runtime,
  source: AsyncIterable<Uint8Array>,
  context: EncryptionContext | undefined,
): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
  const requestId = newRequestId();
  const note: AuditNote = { context, bytes: 0 };
  const iterator = source[Symbol.asyncIterator]();

  let header: EnvelopeHeader;
  let leftover: Uint8Array;
  let dataKey: Uint8Array;
  try {
    assertOpen(runtime);
    ({ header, leftover } = await readHeader(iterator));
    dataKey = await unwrapFor(runtime, header, context, note);
  } catch (error) {
    await closeQuietly(iterator);
    throw await recordFailure(runtime, "open", note, requestId, error, true);
  }

  return (async function* opening() {
    const frameSize = header.chunkSize + TAG_LENGTH;
    const frame = new Uint8Array(frameSize);
    const nonce = new Uint8Array(24);
    const dataAad = concatBytes(header.dataAadBytes, encodeContext(context));
    let filled = 0;
    let index = 0;
    let settled = false;

    const open = (last: boolean): Uint8Array => {
      const chunk = xchacha20poly1305.open(dataKey, streamNonce(header.nonce, index++, last, nonce), frame.subarray(0, filled), dataAad);
      note.bytes! += chunk.length;
      filled = 0;
      return chunk;
    };

    try {
      let piece: Uint8Array | undefined = leftover;

      while (piece !== undefined) {
        let offset = 0;
        while (offset < piece.length) {
          // A full frame is not the last one once more bytes follow it.
          if (filled === frameSize) yield open(false);

          const count = Math.min(frameSize - filled, piece.length - offset);
          frame.set(piece.subarray(offset, offset + count), filled);
          filled += count;
          offset += count;
        }

        const next: IteratorResult<Uint8Array> = await iterator.next();
        if (next.done === true) piece = undefined;
        else {
          assertBytes(next.value, "stream chunk");
          piece = next.value;
        }
      }

      if (filled < TAG_LENGTH) throw new KeyStateError("DECRYPT_FAILED", "stream ends inside a chunk tag");
      const last = open(true);
      settled = true;
      await recordSuccess(runtime, "open", note, requestId);
      yield last;
    } catch (error) {
      settled = true;
      await closeQuietly(iterator);
      throw await recordFailure(runtime, "open", note, requestId, error, true);
    } finally {
      dataKey.fill(0);
      if (!settled) {
        await closeQuietly(iterator);
        await recordAbandoned(runtime, "open", note, requestId);
      }
    }
  })();
}

// Reads pieces until the header is complete; returns it with the bytes after it.
async function readHeader(iterator: AsyncIterator<Uint8Array>): Promise<{ header: EnvelopeHeader; leftover: Uint8Array }> {
  let buffered: Uint8Array = new Uint8Array(0);

  for (;;) {
    const header = parseEnvelopeHeader(buffered);
    if (header !== undefined) {
      if (header.kind !== KIND_STREAM) throw new KeyStateError("UNSUPPORTED_FORMAT", "not a stream envelope");
      return { header, leftover: buffered.subarray(header.length) };
    }

    if (buffered.length > MAX_HEADER_LENGTH) throw new KeyStateError("UNSUPPORTED_FORMAT", "stream header too long");

    const next = await iterator.next();
    if (next.done === true) throw new KeyStateError("UNSUPPORTED_FORMAT", "stream ends inside its header");
    assertBytes(next.value, "stream chunk");
    buffered = concatBytes(buffered, next.value);
  }
}

// A consumer that stops reading early leaves the operation neither done nor
// failed; the audit event records it as a failure with code ABORTED.
async function recordAbandoned(runtime: Runtime, operation: string, note: AuditNote, requestId: string): Promise<void> {
  await recordFailure(runtime, operation, note, requestId, new KeyStateError("ABORTED", "stream abandoned"), false);
}

// Tells the source to stop; its own failure to stop is not the caller's error.
async function closeQuietly(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // Deliberately empty: see above.
  }
}
