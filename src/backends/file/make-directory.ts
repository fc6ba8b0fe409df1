import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Creates `directory` and any missing parents with mode 0700. Returns the
 * first directory it created, or undefined when `directory` already existed.
 *
 * Node's own `mkdir(path, { recursive: true })` never settles for a path
 * under /proc (seen on Node 20.20: it retries forever). So this walks up to
 * the nearest existing ancestor and creates each level with a plain mkdir,
 * which fails at once with the file system's error code.
 */
export async function makeDirectory(directory: string): Promise<string | undefined> {
  const missing: string[] = [];
  let current = directory;

  while (!(await exists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }

  for (const path of missing) {
    await mkdir(path, { mode: 0o700 }).catch((error: unknown) => {
      // Another process may create the same level at the same moment.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    });
  }

  return missing[0];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
