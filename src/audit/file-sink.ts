import { open, readFile } from "node:fs/promises";
import { KeyStateError } from "../errors.js";
import type { AuditEntry, AuditSink } from "./types.js";

/** An append-only JSON Lines file sink (Node and Deno). */
export interface FileSink extends AuditSink {
  readonly path: string;
  read(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/**
 * Parses a JSON Lines audit log. Throws STORE_CORRUPT naming the line that
 * is not JSON; a verify over the parsed entries finds everything else.
 */
export function parseJsonLines(text: string, path: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const lines = text.split("\n");

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "") continue;

    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch (error) {
      throw new KeyStateError("STORE_CORRUPT", `audit log ${path} line ${index + 1} is not JSON; the log was changed or cut mid-line`, { cause: error });
    }
  }

  return entries;
}

/**
 * Creates a sink that appends each batch as JSON Lines to `path`, opened with
 * the "a" flag so that nothing already written is overwritten, and flushed
 * with fsync once per batch before write() resolves. The file is created when
 * missing and opened on the first write.
 */
export function fileSink(path: string): FileSink {
  let handle: Awaited<ReturnType<typeof open>> | undefined;

  return {
    path,

    async write(batch) {
      if (batch.length === 0) return;
      handle ??= await open(path, "a", 0o600);

      let text = "";
      for (const entry of batch) text += `${JSON.stringify(entry)}\n`;

      await handle.appendFile(text, "utf8");
      await handle.sync();
    },

    async read() {
      let text: string;

      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }

      return parseJsonLines(text, path);
    },

    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}
