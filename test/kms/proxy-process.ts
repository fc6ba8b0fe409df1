// Runs a KMS proxy over a SoftHSM2 token as its own process, for tests that
// kill it. Reads SOFTHSM2_CONF, KMS_TOKEN_LABEL, KEYSTATE_PKCS11_PIN and
// KMS_TOKENS (a tokens document as JSON); prints the URL as one line.
// Wraps under a key named "slow" take 3 s, so a test can kill the process
// while such a request is in flight.
import { createKmsProxy, Pkcs11Backend, type KmsBackend } from "../../src/kms/server/index.js";
import { SOFTHSM_MODULE } from "./softhsm-token.js";

const backend = await Pkcs11Backend.open({
  modulePath: SOFTHSM_MODULE,
  tokenLabel: process.env.KMS_TOKEN_LABEL!,
  pin: process.env.KEYSTATE_PKCS11_PIN!,
});

const slowed: KmsBackend = Object.create(backend, {
  encrypt: {
    value: async (...args: Parameters<KmsBackend["encrypt"]>) => {
      if (args[0].name === "slow") await new Promise((resolve) => setTimeout(resolve, 3000));
      return backend.encrypt(...args);
    },
  },
});
for (const method of ["listKeys", "getKey", "createKey", "rotateKey", "decrypt", "sign", "publicKey", "close"] as const) {
  Object.defineProperty(slowed, method, { value: (backend[method] as (...a: unknown[]) => unknown).bind(backend) });
}

const proxy = createKmsProxy({ backend: slowed, tokens: JSON.parse(process.env.KMS_TOKENS!) });
const url = await proxy.listen();
process.stdout.write(`${url}\n`);

process.on("SIGTERM", () => {
  void proxy.close().then(() => backend.close()).then(() => process.exit(0));
});
