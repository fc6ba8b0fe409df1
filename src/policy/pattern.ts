/**
 * Glob patterns for principal and key names. `*` matches any run of
 * characters other than `/`, `**` matches any run including `/` (both may
 * match nothing), and every other character matches itself. So `app/*`
 * matches `app/db` but not `app/db/old`, and `app/**` matches both but not
 * `app` itself.
 */

const compiled = new Map<string, RegExp>();

// Bounded so that a policy with many distinct patterns cannot grow the cache
// without limit; patterns of a real policy fit many times over.
const MAX_CACHED_PATTERNS = 1024;

/** Returns true when `name` matches the glob `pattern` as a whole. */
export function matchesPattern(pattern: string, name: string): boolean {
  let regex = compiled.get(pattern);

  if (regex === undefined) {
    regex = compilePattern(pattern);
    if (compiled.size >= MAX_CACHED_PATTERNS) compiled.clear();
    compiled.set(pattern, regex);
  }

  return regex.test(name);
}

function compilePattern(pattern: string): RegExp {
  let source = "";

  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;

    if (char === "*" && pattern[i + 1] === "*") {
      source += "[\\s\\S]*";
      i++;
    } else if (char === "*") {
      source += "[^/]*";
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }

  return new RegExp(`^${source}$`, "u");
}
