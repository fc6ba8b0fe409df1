import { bytesToHex } from "@noble/hashes/utils.js";
import type { KeyStore } from "../backends/key-store.js";
import { KeyStateError } from "../errors.js";
import { canonicalContext } from "./canonical.js";
import { GENESIS_HASH, checkpointMessage, hashEntry, hashOwnEntry, verifyEntries, type CheckpointReference } from "./chain.js";
import { BurstDetector, type AuditAlert, type DetectorOptions } from "./detectors.js";
import { hmacSha256Hex } from "./digest.js";
import { loadCoreEd25519, type Ed25519 } from "./ed25519.js";
import { APPEND_SYNC, memorySink, type SyncAppendSink } from "./sinks.js";
import { loadAuditState, readAuditDocument, saveCheckpoint, type AuditState } from "./state.js";
import type { AuditEntry, AuditEventInput, AuditRecorder, AuditSink, AuditVerifyResult } from "./types.js";

/** Timer functions, injectable so tests can drive time. */
export interface AuditTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AuditLogOptions {
  store: KeyStore;
  /** Destinations of entries; default one memory sink. verify and tail read the first sink that can read. */
  sinks?: AuditSink[];
  /**
   * "fail-closed" (default): record rejects with AUDIT_FAILED when a sink
   * cannot write, and so does every later call until a write succeeds.
   * "best-effort": failed batches are dropped and counted in `dropped`.
   */
  mode?: "fail-closed" | "best-effort";
  /** Clock in milliseconds since the Unix epoch; defaults to Date.now. */
  now?: () => number;
  /** Signs checkpoints; defaults to keystate/core's Ed25519. */
  ed25519?: Ed25519;
  /** A signed checkpoint after this many events; default 1000. */
  checkpointEvery?: number;
  /** A signed checkpoint at most this many milliseconds after an unsigned event; default 60 000. */
  checkpointIntervalMs?: number;
  /**
   * Aggregation window in milliseconds; default 0, no aggregation. Repeated
   * successful uses of one key version by one principal, with the same
   * operation and context, become one counted entry per window. Such uses
   * are written when the window closes, so a sink that fails meanwhile does
   * not fail them: aggregation trades that part of fail-closed for throughput.
   */
  aggregateWindowMs?: number;
  /** Burst detectors; each alert goes to onAlert, to subscribers and into the log. */
  detectors?: DetectorOptions[];
  onAlert?: (alert: AuditAlert) => void;
  timers?: AuditTimers;
}

/** Principal of the entries the log writes itself (checkpoints, alerts). */
export const AUDIT_PRINCIPAL = "keystate";

// Uses that happen at high rates and are aggregated when they succeed.
const AGGREGATED_OPERATIONS = new Set(["encrypt", "decrypt", "sign", "verify", "mac", "seal", "open"]);

// Bounds the context HMAC cache; a client with more distinct contexts than
// this computes the HMAC again, which is correct, only slower.
const MAX_CACHED_CONTEXTS = 256;

/**
 * An entry before #append chains it. Its seq is a placeholder that #append
 * overwrites. It comes first so that entries keep the property order seq,
 * time ... prev, hash in sinks and files.
 */
type EntryFields = Omit<AuditEntry, "prev" | "hash" | "signature">;

interface OpenAggregate {
  fields: EntryFields;
  count: number;
  bytes: number;
}

interface SinkState {
  sink: AuditSink;
  /** Entries at the start of #pending that this sink has received. */
  written: number;
}

function invalidEvent(field: string, expected: string): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", `audit event ${field} must be ${expected}`);
}

function checkEvent(event: AuditEventInput): void {
  if (typeof event !== "object" || event === null) throw invalidEvent("", "an object");

  const outcome = event.outcome;
  if (typeof event.operation !== "string" || event.operation.length === 0) throw invalidEvent("operation", "a non-empty string");
  if (typeof event.principal !== "string") throw invalidEvent("principal", "a string");
  if (outcome !== "success" && outcome !== "failure" && outcome !== "denied") throw invalidEvent("outcome", "success, failure or denied");
  if (typeof event.requestId !== "string") throw invalidEvent("requestId", "a string");
  if (event.keyVersion !== undefined && !Number.isSafeInteger(event.keyVersion)) throw invalidEvent("keyVersion", "an integer");
  if (event.bytes !== undefined && !(Number.isSafeInteger(event.bytes) && event.bytes >= 0)) throw invalidEvent("bytes", "a non-negative integer");
}

function logIdOf(sinks: readonly AuditSink[]): string | undefined {
  return (sinks.find((sink) => sink.read !== undefined) ?? sinks.find((sink) => sink.id !== undefined))?.id;
}

function startTimer(timers: AuditTimers, callback: () => void, ms: number): unknown {
  const handle = timers.setTimeout(callback, ms);
  // Node: a pending checkpoint or aggregate must not keep the process alive;
  // close() writes both.
  (handle as { unref?: () => void } | undefined)?.unref?.();
  return handle;
}

/**
 * The tamper-evident audit log of one store: a SHA-256 hash chain over
 * every event, Ed25519-signed checkpoints, batched writes to sinks, burst
 * detectors and aggregation of repeated successful uses.
 */
export class AuditLog implements AuditRecorder {
  readonly #store: KeyStore;
  readonly #state: AuditState;
  readonly #ed25519: Ed25519;
  readonly #sinks: SinkState[];
  readonly #failClosed: boolean;
  readonly #now: () => number;
  readonly #timers: AuditTimers;
  readonly #checkpointEvery: number;
  readonly #checkpointIntervalMs: number;
  readonly #aggregateWindowMs: number;
  readonly #detectors: BurstDetector[];
  readonly #onAlert: ((alert: AuditAlert) => void) | undefined;
  readonly #listeners = new Set<(entry: AuditEntry) => void>();
  /** Chains #pending after the sink's last entry; one function for the life of the log, not one per write. */
  readonly #chainPending = (last: AuditEntry | undefined): AuditEntry[] => this.#chain(this.#pending, last);
  readonly #contextHmac: (text: string) => string;
  /** Recent context HMACs by canonical context, because most callers reuse a few contexts. */
  readonly #contextHmacs = new Map<string, string>();
  /** The canonical context of the latest event and its HMAC, checked before the map because callers often repeat one context. */
  #lastContext = "";
  #lastContextHmac = "";
  /** Id of the log whose checkpoints the store records; undefined when no sink has one. */
  readonly #logId: string | undefined;

  /**
   * The sink that orders the chain: the first with append() and an id (a
   * shared, persistent log), else the first with append(). It is written
   * before the others, so that they receive the seq and hashes it assigned.
   */
  readonly #chainSink: SinkState | undefined;

  #nextSeq: number;
  #head: string;
  /** Entries not yet written to every sink, oldest first. */
  #pending: AuditEntry[] = [];
  #writing: Promise<void> | undefined;
  #writeScheduled = false;
  #failure: KeyStateError | undefined;
  #dropped = 0;
  #closed = false;

  #sinceCheckpoint = 0;
  #checkpointTimer: unknown;
  /** The latest checkpoint entry; its seq and hash may change until its batch is written (see #chain). */
  #lastCheckpoint: AuditEntry | undefined;
  /** Seq of the latest checkpoint recorded in the store's audit document by this log. */
  #savedCheckpointSeq = -1;
  #aggregates = new Map<string, OpenAggregate>();
  #aggregateTimer: unknown;

  private constructor(options: AuditLogOptions, state: AuditState, ed25519: Ed25519, sinks: AuditSink[], last: AuditEntry | CheckpointReference | undefined) {
    this.#store = options.store;
    this.#state = state;
    this.#ed25519 = ed25519;
    this.#failClosed = (options.mode ?? "fail-closed") === "fail-closed";
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as never) };
    this.#checkpointEvery = options.checkpointEvery ?? 1000;
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? 60_000;
    this.#aggregateWindowMs = options.aggregateWindowMs ?? 0;
    this.#detectors = (options.detectors ?? []).map((detector) => new BurstDetector(detector));
    this.#onAlert = options.onAlert;
    this.#contextHmac = hmacSha256Hex(state.salt);

    this.#nextSeq = last === undefined ? 0 : last.seq + 1;
    this.#head = last === undefined ? GENESIS_HASH : last.hash;
    this.#sinks = sinks.map((sink) => ({ sink, written: 0 }));
    const appending = this.#sinks.filter((state) => state.sink.append !== undefined);
    this.#chainSink = appending.find((state) => state.sink.id !== undefined) ?? appending[0];
    this.#logId = logIdOf(sinks);
  }

  /**
   * Opens the audit log of `options.store`, creating its salt, audit key and
   * audit document on first use. The chain continues after the last entry of
   * the first readable sink, or after the latest checkpoint the store
   * recorded for the sinks' id when no sink can read. Throws NOT_READY without an Ed25519, STORE_CORRUPT when
   * the audit document and key do not belong together, and INVALID_ARGUMENT
   * on a bad option.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const positive = (value: number | undefined, name: string, allowZero: boolean) => {
      if (value === undefined) return;
      if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
        throw new KeyStateError("INVALID_ARGUMENT", `${name} must be an integer of at least ${allowZero ? 0 : 1}, got ${value}`);
      }
    };

    positive(options.checkpointEvery, "checkpointEvery", false);
    positive(options.checkpointIntervalMs, "checkpointIntervalMs", false);
    positive(options.aggregateWindowMs, "aggregateWindowMs", true);

    if (options.mode !== undefined && options.mode !== "fail-closed" && options.mode !== "best-effort") {
      throw new KeyStateError("INVALID_ARGUMENT", `audit mode must be "fail-closed" or "best-effort", got ${JSON.stringify(options.mode)}`);
    }

    const sinks = options.sinks ?? [memorySink()];
    if (sinks.length === 0) throw new KeyStateError("INVALID_ARGUMENT", "sinks must name at least one audit sink");

    const ed25519 = options.ed25519 ?? (await loadCoreEd25519());
    const state = await loadAuditState(options.store, ed25519, (options.now ?? Date.now)());

    const readable = sinks.find((sink) => sink.read !== undefined);
    let last: AuditEntry | CheckpointReference | undefined;

    if (readable !== undefined) {
      try {
        // Continue after the last entry that parsed; verify() reports any broken line.
        last = (await readable.read!()).filter((entry) => entry !== null).at(-1);
      } catch (error) {
        throw new KeyStateError("AUDIT_FAILED", `reading the audit log to continue its chain failed: ${(error as Error).message}`, { cause: error });
      }
    } else {
      const logId = logIdOf(sinks);
      last = logId === undefined ? undefined : state.document.checkpoints?.[logId];
    }

    return new AuditLog(options, state, ed25519, sinks, last);
  }

  /** Events dropped by failed sink writes in best-effort mode (counted once per sink). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Entries appended to the chain so far, over the whole life of the log (the next seq). */
  get length(): number {
    return this.#nextSeq;
  }

  /** The audit key's Ed25519 public key, to verify checkpoints elsewhere. */
  get publicKey(): Uint8Array {
    return this.#state.publicKey.slice();
  }

  /**
   * Records one event and resolves when it is written to every sink. Rejects
   * with AUDIT_FAILED in fail-closed mode when a sink cannot write (the
   * caller must then fail its operation), INVALID_ARGUMENT on a bad event.
   * A successful use that joins an open aggregate resolves at once: it is
   * written when the aggregate closes, at most aggregateWindowMs later.
   */
  async record(event: AuditEventInput): Promise<void> {
    const appended = this.#accept(event);

    if ((appended || this.#failure !== undefined) && !this.#writeSynchronously()) await this.#writePending();
  }

  /**
   * Records one event at once and writes it in the background (on the
   * memory sink alone, before it returns). Throws
   * AUDIT_FAILED in fail-closed mode when an earlier background write failed
   * and no write has succeeded since; the event itself is kept for retry.
   */
  recordSync(event: AuditEventInput): void {
    this.#accept(event);
    if (!this.#writeSynchronously()) this.#scheduleWrite();

    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Closes open aggregates and writes every pending entry. Rejects like record. */
  async flush(): Promise<void> {
    this.#closeAggregates(Number.POSITIVE_INFINITY);
    await this.#writePending();
  }

  /** Appends a signed checkpoint now (when anything was appended since the last one) and writes it. */
  async checkpoint(): Promise<void> {
    this.#closeAggregates(Number.POSITIVE_INFINITY);
    if (this.#sinceCheckpoint > 0) this.#appendCheckpoint();
    await this.#writePending();
  }

  /**
   * Calls `listener` with every entry as it joins the chain, aggregates and
   * alerts included. Returns the function that unsubscribes. A listener that
   * throws is skipped for that entry: the log must not fail on a monitor.
   */
  subscribe(listener: (entry: AuditEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Returns the last `count` entries of the first readable sink, after a flush. */
  async tail(count = 20): Promise<AuditEntry[]> {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new KeyStateError("INVALID_ARGUMENT", `tail count must be a non-negative integer, got ${count}`);
    }

    await this.flush();
    const entries = await this.#readable().read!();
    return count === 0 ? [] : entries.slice(-count);
  }

  /**
   * Verifies the first readable sink: the chain, every checkpoint signature,
   * the latest checkpoint the store recorded for this log (when its sink has
   * an id) and the last entry this process appended.
   * Returns `{ ok: true, count }` or the first broken entry.
   */
  async verify(): Promise<AuditVerifyResult> {
    await this.flush();

    const entries = await this.#readable().read!();
    const document = await readAuditDocument(this.#store);
    const head = this.#nextSeq === 0 ? undefined : { seq: this.#nextSeq - 1, hash: this.#head };

    return verifyEntries(entries, {
      publicKey: this.#state.publicKey,
      ed25519: this.#ed25519,
      checkpoint: this.#logId === undefined ? undefined : document?.checkpoints?.[this.#logId],
      head,
    });
  }

  /**
   * Closes aggregates, appends a final checkpoint, writes everything and
   * closes the sinks. Later records reject with AUDIT_FAILED.
   */
  async close(): Promise<void> {
    if (this.#closed) return;

    try {
      await this.checkpoint();
    } finally {
      this.#closed = true;
      this.#timers.clearTimeout(this.#checkpointTimer);
      this.#timers.clearTimeout(this.#aggregateTimer);
      for (const { sink } of this.#sinks) await sink.close?.();
    }
  }

  #readable(): AuditSink & { read(): Promise<AuditEntry[]> } {
    const sink = this.#sinks.find((state) => state.sink.read !== undefined)?.sink;
    if (sink === undefined) throw new KeyStateError("INVALID_ARGUMENT", "no audit sink can read entries back; add a memory or file sink to verify or tail the log");
    return sink as AuditSink & { read(): Promise<AuditEntry[]> };
  }

  /** Validates, runs the detectors, and appends or aggregates. Returns true when the event was appended. */
  #accept(event: AuditEventInput): boolean {
    if (this.#closed) throw new KeyStateError("AUDIT_FAILED", "the audit log is closed; open the client again to record operations");
    checkEvent(event);

    const now = this.#now();
    if (this.#aggregates.size > 0) this.#closeAggregates(now);

    if (this.#detectors.length > 0) {
      for (const detector of this.#detectors) {
        const alert = detector.observe(event, now);
        if (alert !== undefined) this.#raise(alert);
      }
    }

    if (this.#aggregateWindowMs > 0 && event.outcome === "success" && AGGREGATED_OPERATIONS.has(event.operation)) {
      this.#aggregate(event, now);
      return false;
    }

    this.#append(this.#fields(event, now));
    return true;
  }

  #fields(event: AuditEventInput, now: number): EntryFields {
    const fields: EntryFields = {
      seq: 0,
      time: now,
      principal: event.principal,
      operation: event.operation,
      outcome: event.outcome,
      requestId: event.requestId,
    };

    if (event.keyName !== undefined) fields.key = event.keyName;
    if (event.keyVersion !== undefined) fields.version = event.keyVersion;
    if (event.errorCode !== undefined) fields.errorCode = event.errorCode;
    if (event.bytes !== undefined) fields.bytes = event.bytes;
    if (event.detail !== undefined) fields.detail = { ...event.detail };

    const context = event.context === undefined ? undefined : canonicalContext(event.context);
    if (context !== undefined) {
      // Salted so that equal contexts in two stores do not link, and keyed so
      // that low-entropy values cannot be guessed from the log alone.
      fields.contextHmac = this.#hmacOfContext(context);
    }

    return fields;
  }

  #hmacOfContext(canonical: string): string {
    if (canonical === this.#lastContext) return this.#lastContextHmac;

    let value = this.#contextHmacs.get(canonical);
    if (value === undefined) {
      value = this.#contextHmac(canonical);
      if (this.#contextHmacs.size >= MAX_CACHED_CONTEXTS) this.#contextHmacs.clear();
      this.#contextHmacs.set(canonical, value);
    }

    this.#lastContext = canonical;
    this.#lastContextHmac = value;
    return value;
  }

  #aggregate(event: AuditEventInput, now: number): void {
    // Keyed on the canonical context rather than its HMAC, so that joining an
    // open aggregate, the common case, computes no HMAC and builds no entry.
    const context = (event.context === undefined ? undefined : canonicalContext(event.context)) ?? "";
    const id = `${event.principal}\u0000${event.operation}\u0000${event.keyName ?? ""}\u0000${event.keyVersion ?? ""}\u0000${context}`;
    const open = this.#aggregates.get(id);

    if (open !== undefined) {
      open.count++;
      open.bytes += event.bytes ?? 0;
      open.fields.time = now;
      return;
    }

    const fields = this.#fields(event, now);
    this.#aggregates.set(id, { fields: { ...fields, firstTime: now }, count: 1, bytes: fields.bytes ?? 0 });

    if (this.#aggregateTimer === undefined) {
      this.#aggregateTimer = startTimer(this.#timers, () => this.#onAggregateTimer(), this.#aggregateWindowMs);
    }
  }

  // Closes every open aggregate, including ones opened after the timer
  // started: an injected clock that does not advance must not keep them open.
  #onAggregateTimer(): void {
    this.#aggregateTimer = undefined;
    if (this.#closed) return;

    this.#closeAggregates(Number.POSITIVE_INFINITY);
    this.#scheduleWrite();
  }

  /** Appends every aggregate opened at or before `now - aggregateWindowMs`. */
  #closeAggregates(now: number): void {
    for (const [id, open] of this.#aggregates) {
      if (open.fields.firstTime! > now - this.#aggregateWindowMs) continue;

      this.#aggregates.delete(id);
      const fields = open.fields;

      if (open.count > 1) {
        fields.count = open.count;
        if (fields.bytes !== undefined || open.bytes > 0) fields.bytes = open.bytes;
      } else {
        delete fields.firstTime;
      }

      this.#append(fields);
    }
  }

  #raise(alert: AuditAlert): void {
    const detail: Record<string, string | number> = { detector: alert.detector, kind: alert.kind, count: alert.count, windowMs: alert.windowMs };
    const fields: EntryFields = {
      seq: 0,
      time: alert.time,
      principal: alert.principal ?? AUDIT_PRINCIPAL,
      operation: "alert",
      outcome: "failure",
      requestId: `alert-${this.#nextSeq}`,
      detail,
    };
    if (alert.key !== undefined) fields.key = alert.key;

    this.#append(fields);

    try {
      this.#onAlert?.(alert);
    } catch {
      // An alert handler's failure must not fail the operation being audited.
    }
  }

  /** Chains `fields` in place (no copy) and commits them as the next entry. */
  #append(fields: EntryFields): AuditEntry {
    const entry = fields as AuditEntry;
    entry.seq = this.#nextSeq;
    entry.prev = this.#head;
    entry.hash = hashOwnEntry(entry);

    this.#commit(entry);

    if (++this.#sinceCheckpoint >= this.#checkpointEvery) {
      this.#appendCheckpoint();
    } else if (this.#checkpointTimer === undefined) {
      this.#checkpointTimer = startTimer(this.#timers, () => this.#onCheckpointTimer(), this.#checkpointIntervalMs);
    }

    return entry;
  }

  #appendCheckpoint(): void {
    const entry = {
      seq: this.#nextSeq,
      time: this.#now(),
      principal: AUDIT_PRINCIPAL,
      operation: "checkpoint",
      outcome: "success",
      requestId: `checkpoint-${this.#nextSeq}`,
      prev: this.#head,
    } as AuditEntry;

    entry.hash = hashEntry(entry);
    entry.signature = bytesToHex(this.#ed25519.sign(this.#state.seed, checkpointMessage(entry.hash)));

    this.#commit(entry);
    this.#sinceCheckpoint = 0;
    this.#lastCheckpoint = entry;
    this.#timers.clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
  }

  #onCheckpointTimer(): void {
    this.#checkpointTimer = undefined;
    if (this.#closed || this.#sinceCheckpoint === 0) return;

    this.#appendCheckpoint();
    this.#scheduleWrite();
  }

  #commit(entry: AuditEntry): void {
    this.#pending.push(entry);
    this.#nextSeq = entry.seq + 1;
    this.#head = entry.hash;

    if (this.#listeners.size === 0) return;

    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // See subscribe(): a failing monitor must not fail the operation.
      }
    }
  }

  /**
   * Writes the pending entries at once when the only sink appends
   * synchronously (the memory sink) and no write, failure or checkpoint
   * record in the store waits. Returns false when the asynchronous path must
   * write them.
   */
  #writeSynchronously(): boolean {
    const state = this.#sinks.length === 1 ? this.#sinks[0]! : undefined;
    if (state === undefined || this.#writing !== undefined || this.#writeScheduled || this.#failure !== undefined) return false;

    const sink = state.sink as Partial<SyncAppendSink>;
    const checkpoint = this.#lastCheckpoint;
    const storeWrite = this.#logId !== undefined && checkpoint !== undefined && checkpoint.seq > this.#savedCheckpointSeq;
    if (sink[APPEND_SYNC] === undefined || storeWrite) return false;

    try {
      sink[APPEND_SYNC](this.#chainPending);
    } catch {
      return false;
    }

    // The sink copied the entries, and no asynchronous write references this array.
    this.#pending.length = 0;
    state.written = 0;
    return true;
  }

  #scheduleWrite(): void {
    if (this.#writing !== undefined || this.#writeScheduled) return;
    this.#writeScheduled = true;

    // Errors surface through #failure on the next record or recordSync.
    queueMicrotask(() => {
      this.#writeScheduled = false;
      void this.#writePending().catch(() => undefined);
    });
  }

  #writePending(): Promise<void> {
    this.#writing ??= this.#writeLoop();
    return this.#writing;
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) await this.#writeBatch();
    } finally {
      this.#writing = undefined;
    }
  }

  async #writeBatch(): Promise<void> {
    const end = this.#pending.length;
    const checkpoint = this.#lastCheckpoint;
    let failed: { error: unknown } | undefined;

    // The chain sink goes first, because its append may change seq and
    // hashes. The others follow only once it has the batch.
    if (this.#chainSink !== undefined) failed = await this.#writeTo(this.#chainSink, end);

    if (failed === undefined) {
      const others = this.#sinks.filter((state) => state !== this.#chainSink);
      // One sink, the common case, needs no Promise.all.
      const failures = others.length === 1 ? [await this.#writeTo(others[0]!, end)] : await Promise.all(others.map((state) => this.#writeTo(state, end)));
      failed = failures.find((failure) => failure !== undefined);
    }

    if (failed !== undefined) {
      const cause = failed.error as Error | undefined;
      this.#failure = new KeyStateError("AUDIT_FAILED", `writing to an audit sink failed (${cause?.message ?? String(cause)}); the operation was not completed`, { cause });
      throw this.#failure;
    }

    const done = Math.min(...this.#sinks.map((state) => state.written));
    this.#pending.splice(0, done);
    for (const state of this.#sinks) state.written -= done;

    // A checkpoint appended before this batch began is now in every sink.
    const unsaved = checkpoint !== undefined && checkpoint.seq > this.#savedCheckpointSeq;
    if (this.#logId !== undefined && unsaved && this.#dropped === 0) {
      try {
        await saveCheckpoint(this.#store, this.#state, this.#logId, { seq: checkpoint.seq, hash: checkpoint.hash });
        this.#savedCheckpointSeq = checkpoint.seq;
      } catch (error) {
        if (this.#failClosed) {
          this.#failure = new KeyStateError("AUDIT_FAILED", `recording the audit checkpoint in the store failed (${(error as Error).message})`, { cause: error });
          throw this.#failure;
        }
      }
    }

    this.#failure = undefined;
  }

  /** Writes the pending entries `state`'s sink lacks, up to index `end`. Returns the error of a failed fail-closed write. */
  async #writeTo(state: SinkState, end: number): Promise<{ error: unknown } | undefined> {
    if (state.written >= end) return undefined;
    const batch = this.#pending.slice(state.written, end);

    try {
      if (state === this.#chainSink) {
        await state.sink.append!((last) => this.#chain(batch, last));
      } else {
        await state.sink.write(batch);
      }
    } catch (error) {
      if (this.#failClosed) return { error };
      this.#dropped += batch.length;
    }

    state.written = end;
    return undefined;
  }

  /**
   * Makes `batch` continue after `last`, the chain sink's last entry, which
   * another writer may have appended since this log chained the batch: then
   * seq, prev and hash are assigned again, and checkpoints signed again. The
   * entries change in place, so subscribers that keep them see the final
   * values. Runs inside the sink's lock and returns `batch`.
   */
  #chain(batch: AuditEntry[], last: AuditEntry | undefined): AuditEntry[] {
    let seq = last === undefined ? 0 : last.seq + 1;
    let prev = last === undefined ? GENESIS_HASH : last.hash;
    if (batch.length === 0 || (batch[0]!.seq === seq && batch[0]!.prev === prev)) return batch;

    for (const entry of batch) {
      const signed = entry.signature !== undefined;
      delete entry.signature;

      entry.seq = seq++;
      entry.prev = prev;
      entry.hash = hashEntry(entry);
      if (signed) entry.signature = bytesToHex(this.#ed25519.sign(this.#state.seed, checkpointMessage(entry.hash)));

      prev = entry.hash;
    }

    // Entries appended after this batch began are chained again when they are written.
    if (this.#pending.at(-1) === batch.at(-1)) {
      this.#nextSeq = seq;
      this.#head = prev;
    }

    return batch;
  }
}
