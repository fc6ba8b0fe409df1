import { KeyStateError } from "../../errors.js";

/** Returns the `name` of a DOMException or Error, if `error` has one. */
export function domErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;

  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : undefined;
}

export function quotaExceeded(database: string, cause: unknown): KeyStateError {
  return new KeyStateError(
    "QUOTA_EXCEEDED",
    `IndexedDB database "${database}" has no storage quota left, so the write was rolled back and the stored keys are unchanged. ` +
      "Free space by deleting other data this site stores in the browser, then retry.",
    { cause },
  );
}

export function storageUnavailable(database: string, cause?: unknown): KeyStateError {
  return new KeyStateError(
    "STORAGE_UNAVAILABLE",
    `IndexedDB database "${database}" cannot be opened: this browser context does not offer IndexedDB ` +
      "(private browsing modes and some embedded web views disable it). " +
      "Open the app in a normal browser window, or use a store that does not need IndexedDB.",
    { cause },
  );
}

export function connectionLost(database: string, cause?: unknown): KeyStateError {
  return new KeyStateError(
    "STORAGE_UNAVAILABLE",
    `The connection to IndexedDB database "${database}" was closed by the browser (site data cleared, or storage shut down). ` +
      "Reload the page to reconnect; the write that was in progress did not change the stored keys.",
    { cause },
  );
}

export function cryptoKeyNotPersisted(database: string, what: string): KeyStateError {
  return new KeyStateError(
    "STORAGE_UNAVAILABLE",
    `IndexedDB database "${database}" did not keep a usable CryptoKey for ${what}: it read back as missing or unusable, ` +
      "so the write was rolled back. Some browsers do this in private browsing modes. " +
      "Open the app in a normal browser window, or use a store without CryptoKey support.",
  );
}

export function upgradeBlocked(database: string, oldVersion: number, newVersion: number): KeyStateError {
  return new KeyStateError(
    "UPGRADE_BLOCKED",
    `IndexedDB database "${database}" needs an upgrade from schema version ${oldVersion} to ${newVersion}, ` +
      "but another tab or window of this site keeps it open on the old version. " +
      "Close or reload the other tabs of this site, then retry.",
  );
}

export function schemaTooNew(database: string, supported: number, cause: unknown): KeyStateError {
  return new KeyStateError(
    "UNSUPPORTED_FORMAT",
    `IndexedDB database "${database}" has a newer schema than this version of KeyState supports (${supported}). ` +
      "Reload the page so that it loads the newer version of the app.",
    { cause },
  );
}

/** Maps a failure of indexedDB.open to a KeyStateError. */
export function mapOpenError(database: string, supported: number, error: unknown): KeyStateError {
  if (error instanceof KeyStateError) return error;

  switch (domErrorName(error)) {
    case "VersionError":
      return schemaTooNew(database, supported, error);
    case "QuotaExceededError":
      return quotaExceeded(database, error);
    default:
      // Where a browser disables storage (private browsing, blocked site
      // data, opaque origins) open() fails with an error such as
      // InvalidStateError, SecurityError or UnknownError, by browser.
      return storageUnavailable(database, error);
  }
}

/**
 * Maps a failure inside a transaction to a KeyStateError. `transactionError`
 * is IDBTransaction.error: on a quota failure the request fails with
 * AbortError and only the transaction carries QuotaExceededError.
 */
export function mapTransactionError(database: string, error: unknown, transactionError: unknown): KeyStateError {
  if (error instanceof KeyStateError) return error;

  const names = [domErrorName(error), domErrorName(transactionError)];
  if (names.includes("QuotaExceededError")) return quotaExceeded(database, transactionError ?? error);

  if (names.includes("DataCloneError")) {
    return new KeyStateError(
      "INVALID_ARGUMENT",
      `IndexedDB database "${database}" cannot store the value: it contains something structured clone rejects ` +
        "(a function, a class instance with private state, a DOM node). Pass plain data.",
      { cause: error },
    );
  }

  if (names.includes("InvalidStateError")) return connectionLost(database, error);

  return new KeyStateError(
    "STORAGE_UNAVAILABLE",
    `An IndexedDB transaction on database "${database}" failed (${names.find((name) => name) ?? "unknown error"}) ` +
      "and was rolled back, so the stored keys are unchanged. Retry; if it keeps failing, reload the page.",
    { cause: error },
  );
}
