// The notes example: each note is encrypted with KeyState before it is
// written to IndexedDB, the key lives in KeyState's IndexedDB store, every
// operation lands in the audit log, and a service worker keeps the app
// usable offline.
import { KeyState, isKeyStateError, type KeyInfo } from "keystate";
import { AuditLog, type AuditEntry } from "keystate/audit";
import { IndexedDBStore, indexedDBAuditSink, type StoreChange } from "keystate/idb";
import { createCryptoPool, type CryptoPool } from "keystate/pool";
import { NotesDatabase, type StoredNote } from "./notes-db.js";

/** The KeyState database (keys, policy, audit) and the database of encrypted notes. */
const KEYS_DATABASE = "keystate-notes";
const NOTES_DATABASE = "keystate-notes-data";
const KEY_NAME = "notes";
const PRINCIPAL = "notes-app";

interface App {
  keystate: KeyState;
  audit: AuditLog;
  store: IndexedDBStore;
  notes: NotesDatabase;
  pool: CryptoPool | undefined;
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const noteInput = element<HTMLTextAreaElement>("note-input");
const noteForm = element<HTMLFormElement>("note-form");
const noteList = element<HTMLUListElement>("note-list");
const status = element<HTMLParagraphElement>("status");
const keyVersions = element<HTMLUListElement>("key-versions");
const rotateButton = element<HTMLButtonElement>("rotate-key");
const auditButton = element<HTMLButtonElement>("show-audit");
const auditList = element<HTMLOListElement>("audit-list");
const auditVerdict = element<HTMLParagraphElement>("audit-verdict");

function showStatus(state: "busy" | "ready" | "error", text: string): void {
  status.dataset.state = state;
  status.textContent = text;
  status.classList.toggle("error", state === "error");
}

// Only the error code and message reach the page; KeyState messages never
// contain key material or plaintext.
function describeError(error: unknown): string {
  if (isKeyStateError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function registerServiceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;

  try {
    await navigator.serviceWorker.register("./sw.js", { scope: "./" });
  } catch (error) {
    console.warn("notes: the service worker did not register, so the app will not work offline", error);
  }
}

async function startPool(): Promise<CryptoPool | undefined> {
  try {
    // One worker is plenty for notes; calls below the pool's inline threshold
    // run on the page without a round trip.
    return await createCryptoPool({ size: 1 });
  } catch (error) {
    // Without workers the client runs the core on the page itself.
    console.warn("notes: no worker pool, encrypting on the main thread", error);
    return undefined;
  }
}

async function openApp(): Promise<App> {
  const store = await IndexedDBStore.open({ name: KEYS_DATABASE });
  const audit = await AuditLog.open({ store, sinks: [indexedDBAuditSink({ name: KEYS_DATABASE })] });
  const pool = await startPool();
  // "worker" when the pool runs the core in a Web Worker, "inline" or "none" otherwise.
  document.body.dataset.pool = pool?.mode ?? "none";
  // cacheTtl 0: every operation reads the key from IndexedDB, so a rotation
  // in another tab takes effect here with the next note.
  const keystate = await KeyState.open({ store, principal: PRINCIPAL, audit, pool, cacheTtl: 0 });
  const notes = await NotesDatabase.open(NOTES_DATABASE);

  await ensureKey(keystate);
  return { keystate, audit, store, notes, pool };
}

async function ensureKey(keystate: KeyState): Promise<void> {
  try {
    await keystate.getKey(KEY_NAME);
  } catch (error) {
    if (!isKeyStateError(error, "KEY_NOT_FOUND")) throw error;

    try {
      await keystate.createKey(KEY_NAME, { purpose: "encrypt" });
    } catch (createError) {
      // Another tab created it first.
      if (!isKeyStateError(createError, "KEY_EXISTS")) throw createError;
    }
  }
}

// The encryption context binds each ciphertext to its note id, so a
// ciphertext copied onto another note does not decrypt.
function contextOf(id: string): Record<string, string> {
  return { app: "notes", note: id };
}

async function renderNotes(app: App): Promise<void> {
  const stored = await app.notes.all();
  const items = await Promise.all(stored.map((note) => renderNote(app, note)));
  noteList.replaceChildren(...items);
}

async function renderNote(app: App, note: StoredNote): Promise<HTMLLIElement> {
  const item = document.createElement("li");
  item.dataset.noteId = note.id;

  try {
    const plaintext = await app.keystate.decrypt(note.ciphertext, { context: contextOf(note.id) });
    item.textContent = new TextDecoder().decode(plaintext);
  } catch (error) {
    item.textContent = `This note cannot be decrypted (${describeError(error)})`;
    item.classList.add("error");
  }
  return item;
}

function renderKey(info: KeyInfo): void {
  const items = info.versions.map((version) => {
    const item = document.createElement("li");
    item.dataset.version = String(version.version);
    item.dataset.status = version.status;
    item.textContent = `version ${version.version} (id ${version.id.toString(16).padStart(8, "0")}): ${version.status}`;
    return item;
  });
  keyVersions.replaceChildren(...items);
}

function renderAudit(entries: AuditEntry[], verdict: string): void {
  const items = entries.map((entry) => {
    const item = document.createElement("li");
    const key = entry.key === undefined ? "" : ` ${entry.key}${entry.version === undefined ? "" : ` v${entry.version}`}`;
    const count = entry.count === undefined ? "" : ` ×${entry.count}`;
    item.textContent = `#${entry.seq} ${new Date(entry.time).toISOString()} ${entry.principal} ${entry.operation}${key} ${entry.outcome}${count}`;
    return item;
  });
  auditList.replaceChildren(...items);
  auditVerdict.textContent = verdict;
}

async function refreshKey(app: App): Promise<void> {
  renderKey(await app.keystate.getKey(KEY_NAME));
}

async function saveNote(app: App, text: string): Promise<void> {
  const id = crypto.randomUUID();
  const ciphertext = await app.keystate.encryptToString(KEY_NAME, new TextEncoder().encode(text), { context: contextOf(id) });
  await app.notes.add({ id, createdAt: Date.now(), ciphertext });
}

async function showAudit(app: App): Promise<void> {
  await app.audit.flush();
  const entries = await app.audit.tail(Number.MAX_SAFE_INTEGER);
  const result = await app.audit.verify();
  renderAudit(entries, result.ok ? `Chain verified: ${result.count} entries.` : `Chain broken at entry ${result.index}: ${result.reason}`);
}

/**
 * Runs one user action with the status line showing busy, then the action's
 * message (or `done`) when it succeeds, or the error.
 */
async function run(action: () => Promise<string | void>, done: string): Promise<void> {
  showStatus("busy", "Working…");
  try {
    const message = await action();
    showStatus("ready", message ?? done);
  } catch (error) {
    showStatus("error", describeError(error));
  }
}

async function main(): Promise<void> {
  void registerServiceWorker();
  showStatus("busy", "Opening the key store…");

  let app: App;
  try {
    app = await openApp();
  } catch (error) {
    showStatus("error", describeError(error));
    return;
  }

  // Another tab saved a note.
  const noteChannel = typeof BroadcastChannel === "undefined" ? undefined : new BroadcastChannel(NOTES_DATABASE);
  if (noteChannel !== undefined) {
    noteChannel.onmessage = () => {
      void run(() => renderNotes(app), "Updated from another tab.");
    };
  }

  noteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = noteInput.value;
    if (text.trim() === "") return;

    void run(async () => {
      await saveNote(app, text);
      noteInput.value = "";
      noteChannel?.postMessage("saved");
      await renderNotes(app);
    }, "Note saved.");
  });

  rotateButton.addEventListener("click", () => {
    void run(async () => {
      const version = await app.keystate.rotate(KEY_NAME);
      await refreshKey(app);
      await renderNotes(app);
      return `Rotated: version ${version.version} is now primary.`;
    }, "Rotated.");
  });

  auditButton.addEventListener("click", () => {
    void run(() => showAudit(app), "Audit trail loaded.");
  });

  // Another tab rotated the key: show the new versions at once.
  app.store.onChange((change: StoreChange) => {
    if (change.source !== "other" || change.kind !== "key" || change.name !== KEY_NAME) return;
    void run(async () => {
      await refreshKey(app);
      await renderNotes(app);
    }, "Updated from another tab.");
  });

  await run(async () => {
    await refreshKey(app);
    await renderNotes(app);
  }, navigator.onLine ? "Ready." : "Ready (offline).");
}

void main();
