/**
 * Runs the local FranceConnect-like provider on its own (local stack, manual testing), with one
 * registered client. Refuses NODE_ENV=production.
 *   KYC_LOCAL_IDP_PORT=3999 KYC_LOCAL_IDP_APP_BASE=http://localhost:3000 \
 *   KYC_LOCAL_IDP_CLIENT_ID=local KYC_LOCAL_IDP_CLIENT_SECRET=<32+ chars> npm run kyc:local-idp
 * Then point FRANCECONNECT_ISSUER at the printed issuer (with KYC_ALLOW_INSECURE_HTTP=true).
 * With KYC_LOCAL_IDP_STAFF_CLIENT_SECRET (and optionally KYC_LOCAL_IDP_STAFF_CLIENT_ID, default
 * verdict-staff-local) it also registers the staff sign-in client (redirect <app>/admin/auth/callback):
 * point STAFF_OIDC_ISSUER at the same issuer.
 */
import { z } from 'zod';
import { startLocalIdp } from '../kyc/idp/index.js';

const env = z
  .object({
    KYC_LOCAL_IDP_PORT: z.coerce.number().int().min(0).max(65_535).default(3999),
    KYC_LOCAL_IDP_HOST: z.string().default('127.0.0.1'),
    KYC_LOCAL_IDP_APP_BASE: z.url().default('http://localhost:3000'),
    KYC_LOCAL_IDP_CLIENT_ID: z.string().min(1).default('verdict-local'),
    KYC_LOCAL_IDP_CLIENT_SECRET: z.string().min(32),
    KYC_LOCAL_IDP_STAFF_CLIENT_ID: z.string().min(1).default('verdict-staff-local'),
    KYC_LOCAL_IDP_STAFF_CLIENT_SECRET: z.string().min(32).optional(),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  process.exit(2);
}
const e = env.data;
const idp = await startLocalIdp({
  host: e.KYC_LOCAL_IDP_HOST,
  port: e.KYC_LOCAL_IDP_PORT,
  clients: [
    {
      clientId: e.KYC_LOCAL_IDP_CLIENT_ID,
      clientSecret: e.KYC_LOCAL_IDP_CLIENT_SECRET,
      redirectUris: [`${e.KYC_LOCAL_IDP_APP_BASE}/auth/franceconnect/callback`],
      postLogoutRedirectUris: [`${e.KYC_LOCAL_IDP_APP_BASE}/auth/franceconnect/logout/callback`],
    },
    ...(e.KYC_LOCAL_IDP_STAFF_CLIENT_SECRET === undefined
      ? []
      : [
          {
            clientId: e.KYC_LOCAL_IDP_STAFF_CLIENT_ID,
            clientSecret: e.KYC_LOCAL_IDP_STAFF_CLIENT_SECRET,
            redirectUris: [`${e.KYC_LOCAL_IDP_APP_BASE}/admin/auth/callback`],
            idTokenAlg: 'RS256' as const,
            userinfoAlg: null,
            staff: true,
          },
        ]),
  ],
});
console.log(
  JSON.stringify({
    event: 'kyc.local_idp_started',
    issuer: idp.issuer,
    identities: idp.identities.map((i) => i.id),
    ...(e.KYC_LOCAL_IDP_STAFF_CLIENT_SECRET === undefined
      ? {}
      : { staffIdentities: idp.staffIdentities.map((i) => ({ id: i.id, roles: i.claims.roles })) }),
  }),
);
const stop = () => void idp.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
