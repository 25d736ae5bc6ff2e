// A real OpenID Connect provider on loopback, for the sign-in tests (tests/accounts/oidc_server/__init__.py
// starts and stops it). Not for anything else: in-memory storage, development keys, any password.
//
// Environment:
//   OIDC_PORT           port on 127.0.0.1 (also accepted as the first argument); the issuer is
//                       http://127.0.0.1:<port> (oidc-provider accepts an http issuer; only its
//                       implicit-flow clients must use https redirect URIs)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   the one client (the site)
//   OIDC_REDIRECT_URIS  its redirect URIs, space-separated (the site's "openid_connect_callback")
//
// Sign-in uses oidc-provider's development forms (devInteractions): any password; the login typed is
// the subject, and gives the claims:
//   "alice@ans.fr"             → email alice@ans.fr, email_verified true
//   "unverified:bob@ans.fr"    → email bob@ans.fr, email_verified false
// Consent is not asked (the site is a first-party client of its agency's provider). PKCE is required.
// Prints "oidc-provider ready <issuer>" once listening.

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || process.argv[2]);
if (!port) {
  console.error('usage: OIDC_PORT=<port> node server.mjs');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const UNVERIFIED = 'unverified:';

function claimsOf(login) {
  const verified = !login.startsWith(UNVERIFIED);
  const email = verified ? login : login.slice(UNVERIFIED.length);
  const local = email.split('@')[0];
  const [given, family = 'Test'] = local.split('.');
  const capitalise = (word) => word.charAt(0).toUpperCase() + word.slice(1);
  return {
    sub: login,
    email,
    email_verified: verified,
    given_name: capitalise(given),
    family_name: capitalise(family),
  };
}

const configuration = {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: (process.env.OIDC_REDIRECT_URIS || '').split(/\s+/).filter(Boolean),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // allauth sends the secret in the body when the provider allows it.
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['loopback-test-only-key'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return claimsOf(sub);
      },
    };
  },
  // No consent screen: every scope and claim asked for is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name']);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
