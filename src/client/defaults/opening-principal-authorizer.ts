import type { AccessDecision, AccessRequest, Authorizer } from "../../policy/types.js";

/**
 * A minimal authorizer that allows every operation to one principal and
 * denies everyone else. It has no rules and reads no policy document, so it
 * costs next to nothing. Tests and benchmarks use it to leave the policy
 * engine (src/policy, the default of KeyState.open) out of a measurement.
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
