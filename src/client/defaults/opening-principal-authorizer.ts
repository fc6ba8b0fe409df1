import type { AccessDecision, AccessRequest, Authorizer } from "../../policy/types.js";

/**
 * The authorizer a client uses when KeyState.open gets none: it allows every
 * operation to the principal that opened the client and denies everyone
 * else. It has no rules and reads no policy document.
 * NOTE: a stand-in until the policy engine (src/policy) is the default;
 * pass `authorizer` to KeyState.open for real rules.
 */
export class OpeningPrincipalAuthorizer implements Authorizer {
  readonly #principal: string;

  constructor(principal: string) {
    this.#principal = principal;
  }

  authorize(request: AccessRequest): Promise<AccessDecision> {
    return Promise.resolve(this.authorizeSync(request));
  }

  authorizeSync(request: AccessRequest): AccessDecision {
    return request.principal === this.#principal ? { allowed: true, ruleId: "opening-principal" } : { allowed: false };
  }
}
