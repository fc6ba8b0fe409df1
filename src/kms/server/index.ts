// The KMS proxy server (Node only): keys stay in a PKCS#11 token or a
// software key store, clients reach them over HTTP with RemoteKms.
export { createKmsProxy } from "./proxy.js";
export type { KmsProxy, KmsProxyLimits, KmsProxyOptions } from "./proxy.js";
export type { KmsBackend, VersionRef } from "./backend.js";
export { Pkcs11Backend } from "./pkcs11-backend.js";
export type { Pkcs11BackendOptions } from "./pkcs11-backend.js";
export { SoftwareBackend } from "./software-backend.js";
export { TokenTable, hashToken, issueToken } from "./tokens.js";
export type { PrincipalCredential, TokensDocument } from "./tokens.js";
export type { RateLimit } from "./rate-limiter.js";
export type { RequestSigningLimits } from "./request-signing.js";
