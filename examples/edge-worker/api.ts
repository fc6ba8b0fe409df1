// The HTTP API of the edge examples, written against the Fetch API only, so
// the Cloudflare Worker (worker.ts) and the Deno server (../deno/server.ts)
// share it unchanged:
//
//   POST /tokens              {"sub": "user-7"} -> {"token": "..."}, an EdDSA JWT for 15 minutes
//   GET  /me                  Authorization: Bearer <token> -> the token's claims, or 401
//   GET  /.well-known/jwks.json  the public keys that verify the tokens
//   GET  /config              facts from the configuration secret, never the secret itself
import { isKeyStateError, type KeyState } from "keystate";

/** Key names inside the sealed keyset. */
export const TOKEN_KEY = "api-tokens";
export const CONFIG_KEY = "config";

/** The issuer and audience of the API's tokens. */
export const ISSUER = "keystate-edge-example";
export const AUDIENCE = "edge-api";

/** Seconds a token stays valid. */
const TOKEN_LIFETIME = 900;

/** The decrypted configuration secret. */
interface Config {
  upstreamUrl: string;
  apiKey: string;
}

/**
 * Handles one request with the client `ks` and the encrypted configuration
 * `configSecret` (a "ks1." string made with the keyset's config key).
 */
export async function handle(request: Request, ks: KeyState, configSecret: string): Promise<Response> {
  const url = new URL(request.url);

  try {
    if (request.method === "POST" && url.pathname === "/tokens") return await issueToken(request, ks);
    if (request.method === "GET" && url.pathname === "/me") return await showClaims(request, ks);
    if (request.method === "GET" && url.pathname === "/.well-known/jwks.json") return Response.json(await ks.exportJwks(TOKEN_KEY));
    if (request.method === "GET" && url.pathname === "/config") return await showConfig(ks, configSecret);
    return Response.json({ error: "not found" }, { status: 404 });
  } catch (error) {
    // Token failures are the caller's: 401 with the code only. Anything else
    // is a fault of the deployment, reported without details.
    if (isKeyStateError(error) && error.code.startsWith("TOKEN_")) {
      return Response.json({ error: error.code }, { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
    }
    console.error(`request ${request.method} ${url.pathname} failed:`, isKeyStateError(error) ? error.code : error);
    return Response.json({ error: "internal error" }, { status: 500 });
  }
}

async function issueToken(request: Request, ks: KeyState): Promise<Response> {
  const body = (await request.json().catch(() => undefined)) as { sub?: unknown } | undefined;
  if (typeof body?.sub !== "string" || body.sub.length === 0) {
    return Response.json({ error: 'the body must be JSON with a non-empty string "sub"' }, { status: 400 });
  }

  const token = await ks.signToken(TOKEN_KEY, { sub: body.sub, iss: ISSUER, aud: AUDIENCE }, { expiresIn: TOKEN_LIFETIME });
  return Response.json({ token, expiresIn: TOKEN_LIFETIME });
}

async function showClaims(request: Request, ks: KeyState): Promise<Response> {
  const header = request.headers.get("Authorization") ?? "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (match === null) {
    return Response.json({ error: "TOKEN_INVALID" }, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="edge-api"' } });
  }

  const claims = await ks.verifyToken(match[1]!, { key: TOKEN_KEY, issuer: ISSUER, audience: AUDIENCE, clockTolerance: 30 });
  return Response.json({ claims });
}

async function showConfig(ks: KeyState, configSecret: string): Promise<Response> {
  const config = JSON.parse(new TextDecoder().decode(await ks.decrypt(configSecret))) as Config;
  return Response.json({ upstreamHost: new URL(config.upstreamUrl).host, apiKeyConfigured: config.apiKey.length > 0 });
}
