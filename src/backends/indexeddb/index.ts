// keystate/idb: the IndexedDB key store and audit sink for browsers.
export { IndexedDBStore } from "../indexeddb-store.js";
export type { IndexedDBStoreOptions } from "../indexeddb-store.js";
export type { StoreChange, StoreChangeListener } from "./cross-tab.js";
export { SCHEMA_VERSION } from "./schema.js";
export { indexedDBAuditSink } from "./audit-sink.js";
export type { IndexedDBAuditSink } from "./audit-sink.js";
