import { openDB, type DBSchema, type IDBPDatabase } from "idb";

/** A note as it rests in IndexedDB: only the ciphertext, never the text. */
export interface StoredNote {
  id: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  /** KeyState ciphertext ("ks1." string) of the note's UTF-8 text. */
  ciphertext: string;
}

interface NotesSchema extends DBSchema {
  notes: { key: string; value: StoredNote; indexes: { createdAt: number } };
}

/** The database of encrypted notes, beside the KeyState database that stores the keys. */
export class NotesDatabase {
  readonly #database: IDBPDatabase<NotesSchema>;

  private constructor(database: IDBPDatabase<NotesSchema>) {
    this.#database = database;
  }

  static async open(name: string): Promise<NotesDatabase> {
    const database = await openDB<NotesSchema>(name, 1, {
      upgrade(upgrading) {
        const notes = upgrading.createObjectStore("notes", { keyPath: "id" });
        notes.createIndex("createdAt", "createdAt");
      },
      // Another tab upgrades the database: let it, and reload to pick up the new app.
      blocking() {
        database.close();
        location.reload();
      },
    });
    return new NotesDatabase(database);
  }

  add(note: StoredNote): Promise<string> {
    return this.#database.add("notes", note);
  }

  /** Returns every note, oldest first. */
  all(): Promise<StoredNote[]> {
    return this.#database.getAllFromIndex("notes", "createdAt");
  }
}
