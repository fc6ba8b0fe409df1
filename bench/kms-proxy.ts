// The KMS proxy over a fresh SoftHSM2 token, as its own process for the
// load test in kms.bench.ts. Prints "URL TOKEN" once listening; SIGTERM
// stops it and deletes the token directory.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const directory = mkdtempSync(join(tmpdir(), "keystate-bench-softhsm-"));
mkdirSync(join(directory, "tokens"));
const configPath = join(directory, "softhsm2.conf");
writeFileSync(configPath, `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
process.env.SOFTHSM2_CONF = configPath;
execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "bench", "--so-pin", "87654321", "--pin", "123456"], { stdio: "pipe" });

const { createKmsProxy, issueToken, Pkcs11Backend } = await import("../src/kms/server/index.js");
const backend = await Pkcs11Backend.open({ modulePath: "/usr/lib/softhsm/libsofthsm2.so", tokenLabel: "bench", pin: "123456" });
await backend.createKey("master", "AES-256-GCM");

const issued = issueToken("bench");
// The load test measures the proxy, not its rate limit.
const proxy = createKmsProxy({ backend, tokens: { principals: [issued.credential] }, limits: { rate: { requestsPerSecond: 1e9, burst: 1e9 } } });
const url = await proxy.listen();
process.stdout.write(`${url} ${issued.token}\n`);

process.on("SIGTERM", () => {
  void proxy
    .close()
    .then(() => backend.close())
    .finally(() => {
      rmSync(directory, { recursive: true, force: true });
      process.exit(0);
    });
});
