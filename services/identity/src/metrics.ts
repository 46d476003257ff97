import { Counter, type Registry } from 'prom-client';

/** Domain metrics of the identity service (RED metrics of gRPC come from the kit). */
export function identityMetrics(registry: Registry) {
  const logins = new Counter({
    name: 'oidc_logins_total',
    help: 'Sign-ins through an organization identity provider, by outcome ("success" or the refusal reason, e.g. user_not_provisioned, issuer_mismatch).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return { countLogin: (outcome: string) => logins.inc({ outcome }) };
}
