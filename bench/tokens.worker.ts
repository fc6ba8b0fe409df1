// The token benchmark inside workerd, started by bench/tokens.bench.ts.
// workerd's clocks do not advance while a request computes (they move only
// on I/O), so the Worker cannot time itself: each request runs one case
// `n` times, and the Node side times the requests.
//
//   GET /run?group=<index>&case=<index>&n=<count>   runs the case n times; n=0 returns at once
//   GET /groups                                      the group labels and case names
import wasm from "../build/keystate.wasm";
import { tokenGroups, type TokenGroup } from "./tokens-cases.js";

// Built on the first request: Workers forbid random values at module load.
let groups: Promise<TokenGroup[]> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    groups ??= tokenGroups(wasm);
    const all = await groups;
    const url = new URL(request.url);

    if (url.pathname === "/groups") {
      return Response.json(all.map((group) => ({ label: group.label, cases: group.cases.map((entry) => entry.name) })));
    }

    const count = Number(url.searchParams.get("n") ?? "0");
    const run = all[Number(url.searchParams.get("group"))]?.cases[Number(url.searchParams.get("case"))]?.fn;
    if (count > 0 && run === undefined) return new Response("no such case", { status: 404 });

    for (let i = 0; i < count; i++) await run!();
    return new Response("ok");
  },
};
