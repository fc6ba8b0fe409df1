import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { AuditEntry, AuditSink } from "./types.js";

/** An append-only JSON Lines file sink (Node and Deno). */
export interface FileSink extends AuditSink {
  readonly path: string;
  read(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/**
 * Parses a JSON Lines audit log. A line that is not a JSON object becomes
 * `null` in its place, which verifyEntries reports as a broken entry.
 */
export function parseJsonLines(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];

  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;

    let value: unknown = null;
    try {
      value = JSON.parse(line);
    } catch {
      // Left as null: see above.
    }

    entries.push((typeof value === "object" && !Array.isArray(value) ? value : null) as AuditEntry);
  }

  return entries;
}

/**
 * Creates a sink that appends each batch as JSON Lines to `path`, opened with
 * the "a" flag so that nothing already written is overwritten, and flushed
 * with fsync once per batch before write() resolves. The file is created when
 * missing and opened on the first write. Its id (see AuditSink.id) defaults
 * to "file:" and the absolute path. A failed write truncates the file
 * back to its size before the batch, so a retry does not leave half a line.
 */
export function fileSink(path: string, options: { id?: string } = {}): FileSink {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let size = 0;

  return {
    path,
    id: options.id ?? `file:${resolve(path)}`,

    async write(batch) {
      if (batch.length === 0) return;

      if (handle === undefined) {
        handle = await open(path, "a", 0o600);
        size = (await handle.stat()).size;
      }

      let text = "";
      for (const entry of batch) text += `${JSON.stringify(entry)}\n`;
      const bytes = new TextEncoder().encode(text);

      try {
        await handle.appendFile(bytes);
        await handle.sync();
        size += bytes.length;
      } catch (error) {
        // NOTE: if the truncate fails too, a partial line stays behind and
        // verify() reports it as a broken entry.
        await handle.truncate(size).catch(() => undefined);
        throw error;
      }
    },

    async read() {
      let text: string;

      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }

      return parseJsonLines(text);
    },

    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}
