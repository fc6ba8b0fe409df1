// fake-indexeddb 6.2 ships no types for its "auto" entry, which only
// installs the globals (indexedDB, IDBKeyRange ...) as a side effect.
declare module "fake-indexeddb/auto" {}
