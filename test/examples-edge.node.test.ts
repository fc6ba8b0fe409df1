// Starts each edge example the way `npm run example:worker` and
// `npm run example:deno` do, drives its API over HTTP on 127.0.0.1, checks
// its tokens with jose against the JWKS it serves, and stops it by pid.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Starts `script` with PORT=0 and resolves with the URL it prints. */
function start(script: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", NO_COLOR: "1", KEYSET_FILE: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });

  const url = new Promise<string>((resolve, reject) => {
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before listening:\n${output}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

describe.each([
  ["edge worker in workerd", "examples/edge-worker/dev.ts"],
  ["Deno server", "examples/deno/dev.ts"],
])("%s", (_name, script) => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const started = start(script);
    child = started.child;
    url = await started.url;
  }, 120_000);

  afterAll(async () => {
    await stop(child);
  });

  async function issue(sub: string): Promise<string> {
    const response = await fetch(`${url}/tokens`, { method: "POST", body: JSON.stringify({ sub }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  }

  it("listens on 127.0.0.1", () => {
    expect(new URL(url).hostname).toBe("127.0.0.1");
  });

  it("issued token verifies at /me", async () => {
    const token = await issue("user-7");

    const response = await fetch(`${url}/me`, { headers: { Authorization: `Bearer ${token}` } });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { claims: { sub: string } }).claims.sub).toBe("user-7");
  });

  it("jose verifies tokens with the served JWKS", async () => {
    const token = await issue("user-8");
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: "keystate-edge-example", audience: "edge-api" });

    expect(payload.sub).toBe("user-8");
  });

  it("changed token is 401 TOKEN_INVALID", async () => {
    const [header, , signature] = (await issue("user-7")).split(".");
    const payload = Buffer.from(JSON.stringify({ sub: "admin", iss: "keystate-edge-example", aud: "edge-api" })).toString("base64url");

    const response = await fetch(`${url}/me`, { headers: { Authorization: `Bearer ${header}.${payload}.${signature}` } });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "TOKEN_INVALID" });
  });

  it("missing token is 401", async () => {
    expect((await fetch(`${url}/me`)).status).toBe(401);
  });

  it("body without sub is 400", async () => {
    expect((await fetch(`${url}/tokens`, { method: "POST", body: "{}" })).status).toBe(400);
  });

  it("config secret decrypts in the runtime", async () => {
    const response = await fetch(`${url}/config`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ upstreamHost: "upstream.example", apiKeyConfigured: true });
  });
});
