// The page bench/browser.ts opens: imports the module named by ?entry=,
// awaits its runBrowser() and leaves the outcome on window for the runner.
export {};

interface BenchWindow {
  __benchOutcome?: { ok: true; result: unknown } | { ok: false; error: string };
  __benchDone?: boolean;
}

const benchWindow = window as unknown as BenchWindow;
const entry = new URLSearchParams(location.search).get("entry");
const statusLine = document.getElementById("status")!;

try {
  if (entry === null || !entry.startsWith("/bench/")) throw new Error(`entry must name a module under /bench/, got ${entry}`);
  const module = (await import(/* @vite-ignore */ entry)) as { runBrowser(): Promise<unknown> };
  benchWindow.__benchOutcome = { ok: true, result: await module.runBrowser() };
  statusLine.textContent = "done";
} catch (error) {
  benchWindow.__benchOutcome = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  statusLine.textContent = "failed";
} finally {
  benchWindow.__benchDone = true;
}
