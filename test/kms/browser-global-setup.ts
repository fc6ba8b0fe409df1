// Global set-up of the chromium project: a KMS proxy over a SoftHSM2 token on
// 127.0.0.1 that the browser tests reach with RemoteKms. It provides
// "kmsProxy" ({ url, token, signingToken, signingSecret }) to the tests.
import type { TestProject } from "vitest/node";

import { createKmsProxy, issueToken, Pkcs11Backend } from "../../src/kms/server/index.js";
import { createSoftHsmToken, SOFTHSM_MODULE } from "./softhsm-token.js";

export interface KmsProxyFixture {
  url: string;
  token: string;
  signingToken: string;
  signingSecret: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    kmsProxy: KmsProxyFixture;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hsm = createSoftHsmToken("kms-browser");
  const backend = await Pkcs11Backend.open({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label, pin: hsm.pin });
  await backend.createKey("browser-master", "AES-256-GCM");
  await backend.createKey("browser-signer", "ECDSA-P256");

  const plain = issueToken("browser");
  const signing = issueToken("browser-signed", { signing: true });
  // The test page is served from another origin (Vite's port), so the proxy allows CORS.
  const proxy = createKmsProxy({ backend, tokens: { principals: [plain.credential, signing.credential] }, allowedOrigins: "*" });
  const url = await proxy.listen();

  project.provide("kmsProxy", { url, token: plain.token, signingToken: signing.token, signingSecret: signing.signingSecret! });

  return async () => {
    await proxy.close();
    await backend.close();
    hsm.remove();
  };
}
