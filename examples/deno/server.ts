// The edge example on Deno: the same API as the Cloudflare Worker
// (../edge-worker/api.ts), served by Deno.serve on 127.0.0.1. Run it with
// `npm run example:deno`, which makes demo secrets and starts:
//
//   deno run --config examples/deno/deno.json \
//     --allow-read=<repository>/build/keystate.wasm \
//     --allow-env=KEYSET,KEYSET_MASTER_KEY,CONFIG_SECRET,PORT \
//     --allow-net=127.0.0.1 examples/deno/server.ts
//
// The core loads from build/keystate.wasm, the only file it reads.
import { KeyState } from "keystate";
import { handle } from "../edge-worker/api.js";

declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { hostname: string; port: number; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

function required(name: string): string {
  const value = Deno.env.get(name);
  if (value === undefined || value.length === 0) throw new Error(`the environment variable ${name} is not set; see examples/deno/README.md`);
  return value;
}

const configSecret = required("CONFIG_SECRET");
const ks = await KeyState.fromSealedKeyset(required("KEYSET"), { masterKey: required("KEYSET_MASTER_KEY"), principal: "deno-server" });

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 8000),
    onListen: ({ hostname, port }) => console.log(`KeyState Deno server listening on http://${hostname}:${port}`),
  },
  (request) => handle(request, ks, configSecret),
);
