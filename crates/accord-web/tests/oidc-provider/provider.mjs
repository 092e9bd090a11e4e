// A real OpenID Provider for Accord's OpenID Connect tests (issue 16).
//
// Issue 16 asks for single sign-on tested against a real, certified OpenID
// Provider rather than a mock, so this wraps panva's `oidc-provider` (pinned in
// package.json to 8.8.1, the newest release whose own runtime check accepts
// Node 20; every 9.x release warns "Unsupported runtime" below Node 22).
//
// How Accord's tests use it:
//
//   1. `npm ci` in this directory once (node_modules is never committed).
//   2. Write a config file and start `node provider.mjs CONFIG.json`:
//        {
//          "port": 0,                           // 0 = any free port
//          "clients": [{ "client_id", "client_secret", "redirect_uris": [..],
//                        "post_logout_redirect_uris": [..] }],
//          "accounts": [{ "login", "sub", "email", "email_verified", "name",
//                         "oid", "groups": [..] }]
//        }
//   3. Read stdout until the one line `listening http://127.0.0.1:PORT`; that
//      URL is the issuer (discovery at /.well-known/openid-configuration).
//      Nothing else is ever written to stdout; diagnostics go to stderr.
//   4. Kill the process when done; it runs until then.
//
// What it offers:
//
//   - The authorization code flow, PKCE S256 required, client_secret_basic or
//     client_secret_post at the token endpoint, id_tokens signed RS256.
//   - Claims for scopes openid, email (email, email_verified) and profile
//     (name); `oid` and `groups` ride with `openid`, so they are always in the
//     id_token, as Entra ID's are. Scope claims go in the id_token
//     (conformIdTokenClaims: false), not only at the userinfo endpoint.
//   - Its own plain sign-in page at /interaction/UID: a "Username" text box
//     (#login, name login), a checkbox "I used a second factor" (#mfa, name
//     mfa) and a "Sign in" button (#submit). An unknown username shows the form
//     again with an error (#error). Signing in gives amr ["pwd"] and acr
//     urn:accord:test:pwd, or, with the box ticked, amr ["pwd","mfa"] and acr
//     urn:accord:test:mfa; both are in the id_token. There is no consent page:
//     loadExistingGrant grants whatever was asked for.
//   - RP-initiated logout at end_session_endpoint (/session/end) with
//     post_logout_redirect_uri (and client_id or id_token_hint). oidc-provider
//     always asks for confirmation on a form with an xsrf token; the page here
//     submits it itself with a line of script, so a browser goes straight back
//     to the post_logout_redirect_uri. Without script, press #logout.
//   - Control endpoints, to provoke forged and broken tokens:
//       GET  /__test/health  -> 200 "ok"
//       POST /__test/mode    {"mode": M} -> 200 {"mode": M}; M is one of
//            normal, wrong-signature, alg-none, wrong-issuer, wrong-audience,
//            expired, wrong-nonce. It holds for every token response until set
//            back to normal. The provider's token endpoint still does all its
//            real work; a koa middleware around it rewrites the id_token in
//            the JSON it answers with (see forge()).
//       POST /__test/rotate  -> 200 {"kid": NEW_KID}: the provider signs with a
//            new RSA key under a new kid from now on; the JWKS lists the new
//            key first and keeps the old one after it.
//
// Key rotation: oidc-provider reads its `jwks` once, when the Provider is
// constructed, and has no API to change them afterwards (the keystore lives in
// a private WeakMap). How it is rotated for real is a configuration change
// and a restart, with sessions, grants and codes in a shared store. That is
// what /__test/rotate does, in process: it constructs a new Provider with the
// new key first and the old key second, and the one HTTP server hands every
// later request to it. oidc-provider's in-memory adapter keeps its storage at
// module level, so sessions, interactions, grants and codes carry over, and the
// cookie keys are the same, so a sign-in under way survives a rotation.
//
// Nothing here touches the network beyond 127.0.0.1: the provider fetches no
// remote JWKS or request objects for these clients, and its pages load nothing
// from elsewhere.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';

import Provider from 'oidc-provider';
import {
  SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair,
} from 'jose';

// stdout carries exactly one line, the one the tests wait for; oidc-provider
// prints its notices with console.info, so those go to stderr too.
console.log = console.error;
console.info = console.error;

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: node provider.mjs CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const accounts = config.accounts ?? [];
const clients = (config.clients ?? []).map((client) => ({
  client_id: client.client_id,
  client_secret: client.client_secret,
  redirect_uris: client.redirect_uris,
  post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  // Either client_secret_basic or client_secret_post is accepted at the token
  // endpoint for a client registered with one of them (oidc-provider treats
  // them as the same method family).
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
}));

const ACR_PWD = 'urn:accord:test:pwd';
const ACR_MFA = 'urn:accord:test:mfa';
const MODES = new Set([
  'normal', 'wrong-signature', 'alg-none', 'wrong-issuer', 'wrong-audience', 'expired', 'wrong-nonce',
]);

// The signing keys, newest first. Each is { kid, privateKey (a KeyLike), jwk
// (the private JWK given to oidc-provider) }.
async function newSigningKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `accord-test-${randomUUID()}`;
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, jwk };
}
const signingKeys = [await newSigningKey()];

// A key that is in no JWKS, for the wrong-signature mode.
const { privateKey: strangerKey } = await generateKeyPair('RS256');

let mode = 'normal';
// The same cookie signing keys for every Provider instance, so sessions
// survive a rotation.
const cookieKeys = [randomUUID()];

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;

function signInPage(uid, error, login = '') {
  return page('Sign in to the test identity provider', `<h1>Sign in to the test identity provider</h1>
${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="login">Username</label>
<input type="text" id="login" name="login" value="${escapeHtml(login)}" autocomplete="off"></p>
<p><input type="checkbox" id="mfa" name="mfa" value="yes">
<label for="mfa">I used a second factor</label></p>
<p><button type="submit" id="submit">Sign in</button></p>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

// Rewrites an id_token the real provider issued, as the current mode says.
async function forge(idToken) {
  const header = decodeProtectedHeader(idToken);
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  const current = signingKeys[0];
  const resign = (payload, key = current.privateKey) => new SignJWT(payload)
    .setProtectedHeader({ ...header, alg: 'RS256', kid: current.kid })
    .sign(key);
  switch (mode) {
    case 'wrong-signature':
      // Same header and kid as the real key, signed by a key nobody publishes.
      return resign(claims, strangerKey);
    case 'alg-none': {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ ...header, alg: 'none', kid: undefined })}.${b64(claims)}.`;
    }
    case 'wrong-issuer':
      return resign({ ...claims, iss: 'http://127.0.0.1:9/not-the-issuer' });
    case 'wrong-audience':
      return resign({ ...claims, aud: 'someone-else', azp: undefined });
    case 'expired': {
      // Both an hour in the past, the token's lifetime kept.
      const lifetime = (claims.exp ?? now + 3600) - (claims.iat ?? now);
      const exp = now - 3600;
      return resign({ ...claims, exp, iat: exp - lifetime });
    }
    case 'wrong-nonce':
      return resign({ ...claims, nonce: `not-${claims.nonce ?? 'a-nonce'}` });
    default:
      return idToken;
  }
}

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: signingKeys.map((k) => k.jwk) },
    // Named op_* so that, on 127.0.0.1 where the browser shares cookies
    // between Accord and the provider whatever their ports, nobody mistakes
    // whose they are.
    cookies: {
      keys: cookieKeys,
      names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    },
    // Set, rather than left to defaults that log a notice each time.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
    },
    findAccount(ctx, sub) {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.email_verified,
            name: account.name,
            oid: account.oid,
            groups: account.groups ?? [],
          };
        },
      };
    },
    // oidc-provider puts a claim in the id_token only if a granted scope (or
    // the claims parameter) names it, acr, amr and auth_time included; so
    // openid names them, and oid and groups, to release them always.
    claims: {
      openid: ['sub', 'oid', 'groups', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'email', 'profile'],
    conformIdTokenClaims: false,
    acrValues: [ACR_PWD, ACR_MFA],
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // No consent page: whatever the client asks for is granted, as a
    // council's identity provider does for an application its IT team has
    // registered.
    async loadExistingGrant(ctx) {
      const { client, session, params } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!grant) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      }
      grant.addOIDCScope(String(params.scope ?? 'openid'));
      const requested = ctx.oidc.claims ?? {};
      const claimNames = [
        ...Object.keys(requested.id_token ?? {}),
        ...Object.keys(requested.userinfo ?? {}),
      ];
      if (claimNames.length) grant.addOIDCClaims(claimNames);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // oidc-provider always shows a confirmation form (with an xsrf
        // token). This one confirms "sign me out" by itself with a line of
        // script; without script, #logout submits it.
        async logoutSource(ctx, form) {
          const yes = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          ctx.body = page('Sign out of the test identity provider', `<h1>Sign out of the test identity provider</h1>
${yes}
<p><button type="submit" id="logout" form="op.logoutForm">Sign out</button></p>
<script>document.getElementById('op.logoutForm').submit();</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1 id="signed-out">You have signed out of the test identity provider</h1>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1>
<p id="error-code">${escapeHtml(out.error)}</p>
<p id="error-description">${escapeHtml(out.error_description ?? '')}</p>`);
    },
  });

  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));

  provider.use(async (ctx, next) => {
    const { path, method } = ctx;

    if (path === '/__test/health' && method === 'GET') {
      ctx.body = 'ok';
      return;
    }
    if (path === '/__test/mode' && method === 'POST') {
      let body;
      try {
        body = await readJson(ctx.req);
      } catch {
        body = {};
      }
      if (!MODES.has(body.mode)) {
        ctx.status = 400;
        ctx.body = { error: `mode must be one of ${[...MODES].join(', ')}` };
        return;
      }
      mode = body.mode;
      console.error(`__test: mode ${mode}`);
      ctx.body = { mode };
      return;
    }
    if (path === '/__test/rotate' && method === 'POST') {
      await rotate();
      ctx.body = { kid: signingKeys[0].kid, keys: signingKeys.map((k) => k.kid) };
      return;
    }

    const interaction = path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (interaction) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const [, uid, login] = interaction;
      if (details.uid !== uid) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = page('Error', '<h1>Error</h1><p id="error">That sign-in has expired; start again.</p>');
        return;
      }
      if (!login && method === 'GET') {
        if (details.prompt.name === 'login') {
          ctx.type = 'html';
          ctx.body = signInPage(uid);
          return;
        }
        // Any other prompt (consent, should loadExistingGrant ever leave
        // something unasked) is granted without a page.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        const missing = details.prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        ctx.status = 303;
        ctx.redirect(returnTo);
        return;
      }
      if (login && method === 'POST') {
        const form = await readForm(ctx.req);
        const name = (form.get('login') ?? '').trim();
        const account = accounts.find((a) => a.login === name);
        if (!account) {
          ctx.type = 'html';
          ctx.status = 200;
          ctx.body = signInPage(uid, `There is no account "${name}" here.`, name);
          return;
        }
        const mfa = form.has('mfa');
        const result = {
          login: {
            accountId: account.sub,
            acr: mfa ? ACR_MFA : ACR_PWD,
            amr: mfa ? ['pwd', 'mfa'] : ['pwd'],
          },
        };
        const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
        ctx.status = 303;
        ctx.redirect(returnTo);
        return;
      }
      ctx.status = 405;
      return;
    }

    await next();

    // The token endpoint has answered for real; now, as the mode says, the
    // id_token in its answer is forged or broken.
    if (path === '/token' && method === 'POST' && ctx.status === 200 && mode !== 'normal'
        && ctx.body && typeof ctx.body === 'object' && typeof ctx.body.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: await forge(ctx.body.id_token) };
    }
  });

  return provider;
}

const server = http.createServer();
let handler;

async function rotate() {
  signingKeys.unshift(await newSigningKey());
  // Keep the previous key published (tokens signed before the rotation still
  // verify), drop any older.
  signingKeys.length = Math.min(signingKeys.length, 2);
  handler = buildProvider(issuerUrl).callback();
  console.error(`__test: rotated; signing with ${signingKeys[0].kid}`);
}

let issuerUrl;
server.on('request', (req, res) => handler(req, res));
server.listen(Number(config.port ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  issuerUrl = `http://127.0.0.1:${port}`;
  handler = buildProvider(issuerUrl).callback();
  process.stdout.write(`listening ${issuerUrl}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
