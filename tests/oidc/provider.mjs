// A real OpenID Connect provider for the tests: the npm package `oidc-provider` (an
// OpenID-certified implementation), configured like Microsoft Entra ID's v2.0 endpoint.
//
//   OIDC_PROVIDER=<package dir> node tests/oidc/provider.mjs [--tenant T] [--audience AUD]
//       [--client-id ID] [--redirect-uri URL]... [--access-token-ttl SECONDS]
//       [--scope AUD/NAME]...
//
// It listens on a free loopback port and prints one JSON line on standard output:
// {"issuer": "http://127.0.0.1:P/T/v2.0", "admin": "http://127.0.0.1:P/admin"}.
//
// * Issuer `http://127.0.0.1:P/<tenant>/v2.0` (Entra's shape), discovery below it.
// * One public client (no secret, PKCE S256 required) with refresh tokens.
// * JWT access tokens for the resource `AUD` (scope `AUD/Esim.Access`, or the `--scope`
//   values: `--audience https://graph.microsoft.com --scope
//   https://graph.microsoft.com/Device.Read.All ...` stands for Entra issuing Graph
//   tokens), with Entra's `scp` (the granted scopes' names without `AUD/`), `roles`,
//   `name`, `preferred_username`, `tid` and `ver` claims; the ID token carries the
//   profile claims (name, preferred_username) as Entra's does.
// * Users (password `secret` for all): `admin` (role Esim.Admin), `reader` (Esim.Reader),
//   `norole` (no role). The login page at /interaction/<uid> is plain HTML a browser drives.
// * Test controls (POST, JSON body):
//     /admin/rotate        {"retire": false}  a new signing key first in the JWKS (the old
//                                             one kept unless retire is true)
//     /admin/client        {"redirect_uris": [...], "post_logout_redirect_uris": [...]}
//     /admin/ttl           {"access_token": SECONDS}
//     /admin/jwks          {"down": true}     the JWKS endpoint answers 503 while down
//     /admin/revoke        {"refresh_token": T} forgets that refresh token (its next use
//                                             gets invalid_grant, as after a session ended)
//   and GET /admin/state: {"kids": [...], "jwksRequests": N}.
// Rebuilding the provider for these keeps its sessions, grants and refresh tokens: every
// instance uses the one in-memory store made below (oidc-provider 9 gives each instance
// a store of its own by default, so a rebuilt provider forgot the refresh tokens issued
// before a key rotation).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const packageDir = process.env.OIDC_PROVIDER;
if (!packageDir) {
  console.error('set OIDC_PROVIDER to the oidc-provider package directory (cargo xtask setup installs it)');
  process.exit(2);
}
const { default: Provider, errors } = await import(pathToFileURL(join(packageDir, 'lib', 'index.js')).href);
const { createMemoryAdapter } = await import(pathToFileURL(join(packageDir, 'lib', 'adapters', 'memory_adapter.js')).href);

const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.lastIndexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
function flags(name) {
  return args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));
}

const tenant = flag('tenant', '9188040d-6c67-4c5b-b112-36a304b66dad');
const audience = flag('audience', 'api://esim-console-test');
const clientId = flag('client-id', 'esim-console');
const resourceScopes = flags('scope').length ? flags('scope') : [`${audience}/Esim.Access`];
const scope = resourceScopes.join(' ');

const USERS = {
  admin: { name: 'Ada Admin', roles: ['Esim.Admin'] },
  reader: { name: 'Rita Reader', roles: ['Esim.Reader'] },
  norole: { name: 'Nils Norole', roles: [] },
};
const PASSWORD = 'secret';

const state = {
  keys: [newKey()],
  redirectUris: flags('redirect-uri'),
  postLogoutRedirectUris: flags('post-logout-redirect-uri'),
  accessTokenTtl: Number(flag('access-token-ttl', '600')),
  jwksDown: false,
  jwksRequests: 0,
};
const cookieKeys = [randomBytes(32).toString('hex')];
// One store for every provider instance (see the top): sessions, grants, codes and refresh
// tokens outlive a rebuild.
const adapter = createMemoryAdapter();

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

function account(sub) {
  const user = USERS[sub];
  if (!user) return undefined;
  return {
    accountId: sub,
    async claims() {
      return { sub, name: user.name, preferred_username: `${sub}@example.test`, roles: user.roles };
    },
  };
}

let issuer;
let provider;

function build() {
  const p = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_name: 'eSIM Pool Console (test)',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: state.redirectUris.length ? state.redirectUris : ['http://127.0.0.1/unset'],
      post_logout_redirect_uris: state.postLogoutRedirectUris,
    }],
    adapter,
    jwks: { keys: state.keys },
    cookies: { keys: cookieKeys },
    findAccount: (_ctx, sub) => account(sub),
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
    },
    // Entra puts the profile claims in the ID token.
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', 'offline_access'],
    pkce: { required: () => true },
    // Entra gives single-page apps a refresh token whenever offline_access is asked for,
    // without the prompt=consent that OpenID Connect Core asks for.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          return {
            scope,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: state.accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const user = USERS[token.accountId];
      if (!user) return undefined;
      const granted = String(token.scope ?? '').split(' ')
        .filter((s) => s.startsWith(`${audience}/`))
        .map((s) => s.slice(audience.length + 1));
      return {
        scp: granted.length ? granted.join(' ') : 'Esim.Access',
        roles: user.roles,
        name: user.name,
        preferred_username: `${token.accountId}@example.test`,
        tid: tenant,
        ver: '2.0',
      };
    },
    // A first-party app: the consent is given with the sign-in, as an Entra admin consent.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const found = await ctx.oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile offline_access');
      grant.addResourceScope(audience, scope);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: () => state.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p id="error">${esc(out.error)}: ${esc(out.error_description ?? '')}</p>`);
    },
  });
  p.proxy = false;
  return p;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>${body}</main></body></html>`;
}

function loginPage(uid, error) {
  return page('Sign in - test identity provider', `<h1>Sign in</h1>
${error ? `<p id="login-error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<p><label for="username">Username</label> <input id="username" name="username" autocomplete="username" autofocus></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button id="sign-in" type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button id="cancel" type="submit">Cancel</button></form>`);
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, type, text) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

async function interaction(req, res, path) {
  const [, , uid, action] = path.split('/');
  if (req.method === 'GET' && !action) {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      return send(res, 200, 'text/html; charset=utf-8', loginPage(uid));
    }
    // Consent is given by loadExistingGrant; any other prompt is finished as it stands.
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await body(req));
    const username = form.get('username') ?? '';
    if (!USERS[username] || form.get('password') !== PASSWORD) {
      return send(res, 200, 'text/html; charset=utf-8', loginPage(uid, 'Unknown user or wrong password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The user cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, 'text/plain', 'not found');
}

async function admin(req, res, path) {
  if (req.method === 'GET' && path === '/admin/state') {
    return send(res, 200, 'application/json', JSON.stringify({
      kids: state.keys.map((k) => k.kid),
      jwksRequests: state.jwksRequests,
    }));
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST');
  const text = await body(req);
  const input = text ? JSON.parse(text) : {};
  switch (path) {
    case '/admin/rotate':
      state.keys = input.retire ? [newKey()] : [newKey(), ...state.keys];
      break;
    case '/admin/client':
      state.redirectUris = input.redirect_uris ?? state.redirectUris;
      state.postLogoutRedirectUris = input.post_logout_redirect_uris ?? state.postLogoutRedirectUris;
      break;
    case '/admin/ttl':
      state.accessTokenTtl = Number(input.access_token);
      break;
    case '/admin/revoke': {
      const token = await provider.RefreshToken.find(String(input.refresh_token ?? ''));
      if (token) await token.destroy();
      return send(res, 200, 'application/json', JSON.stringify({ revoked: Boolean(token) }));
    }
    case '/admin/jwks':
      state.jwksDown = Boolean(input.down);
      return send(res, 200, 'application/json', '{}');
    default:
      return send(res, 404, 'text/plain', 'not found');
  }
  provider = build();
  return send(res, 200, 'application/json', JSON.stringify({ kids: state.keys.map((k) => k.kid) }));
}

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    const prefix = `/${tenant}/v2.0`;
    if (path.startsWith('/interaction/')) return await interaction(req, res, path);
    if (path.startsWith('/admin/')) return await admin(req, res, path);
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      if (path === `${prefix}/jwks`) {
        state.jwksRequests += 1;
        if (state.jwksDown) return send(res, 503, 'text/plain', 'down (test)');
      }
      // Mounted below the issuer's path, as oidc-provider expects of plain node:http.
      req.originalUrl = req.url;
      req.url = req.url.slice(prefix.length) || '/';
      return provider.callback()(req, res);
    }
    return send(res, 404, 'text/plain', 'not found');
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 500, 'text/plain', String(e));
    else res.end();
  }
});

server.listen(Number(flag('port', '0')), '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}/${tenant}/v2.0`;
  provider = build();
  console.log(JSON.stringify({ issuer, admin: `http://127.0.0.1:${port}/admin` }));
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
