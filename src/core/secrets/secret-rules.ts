import { AI_RULES } from "./rules/ai.js";
import { CLOUD_RULES } from "./rules/cloud.js";
import { CODE_HOSTING_RULES } from "./rules/code-hosting.js";
import { CONNECTION_RULES } from "./rules/connections.js";
import { GENERIC_RULES } from "./rules/generic.js";
import { INFRASTRUCTURE_RULES } from "./rules/infrastructure.js";
import { MESSAGING_RULES } from "./rules/messaging.js";
import { OBSERVABILITY_RULES } from "./rules/observability.js";
import { PAYMENT_RULES } from "./rules/payments.js";
import { PRIVATE_KEY_RULES } from "./rules/private-keys.js";
import { REGISTRY_RULES } from "./rules/registries.js";
import { SAAS_RULES } from "./rules/saas.js";
import type { SecretRule } from "./secret-rule.js";

export type { RuleContext, RuleMatch, SecretRule } from "./secret-rule.js";

/**
 * The secret scan's rules, in the order they are tried: private keys and vendor formats first, then
 * credentials in URLs, commands, headers and Kubernetes manifests, then generic assignments. Where matches
 * overlap on a line the earlier rule wins, so a vendor's title beats "Hard-coded secret". Patterns follow the
 * issuers' documented token formats; each rule's samples are checked by test/core/secrets/secret-rules.test.ts.
 */
export const SECRET_RULES: readonly SecretRule[] = [
  ...PRIVATE_KEY_RULES,
  ...CLOUD_RULES,
  ...CODE_HOSTING_RULES,
  ...REGISTRY_RULES,
  ...PAYMENT_RULES,
  ...MESSAGING_RULES,
  ...AI_RULES,
  ...OBSERVABILITY_RULES,
  ...SAAS_RULES,
  ...INFRASTRUCTURE_RULES,
  ...CONNECTION_RULES,
  ...GENERIC_RULES,
];
