// Smoke test of provider.mjs, without Rust: it proves the harness that
// Accord's OpenID Connect tests start does what they rely on.
//
// Run it from this directory, after `npm ci`:
//
//     node smoke.mjs
//
// It starts provider.mjs on a free loopback port with a temporary config, then
// walks the authorization code flow with PKCE by hand over HTTP with its own
// cookie jar (the sign-in form, the token endpoint, the id_token's claims),
// every /__test/mode, a key rotation and RP-initiated logout. It prints what it
// checks and exits non-zero on the first failure. It needs nothing beyond
// loopback and the packages in package.json.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

import {
  compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify,
} from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT = {
  client_id: 'accord-smoke',
  client_secret: 'smoke-secret-that-is-long-enough',
  redirect_uris: ['http://127.0.0.1:9/oidc/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1:9/signed-out'],
};
const ALICE = {
  login: 'alice',
  sub: 'alice-sub-0001',
  email: 'alice@council.example',
  email_verified: true,
  name: 'Alice Archer',
  oid: '00000000-0000-0000-0000-00000000a11c',
  groups: ['safeguarding-leads', 'social-workers'],
};
const BOB = {
  login: 'bob',
  sub: 'bob-sub-0002',
  email: 'bob@trust.example',
  email_verified: false,
  name: 'Bob Baker',
  oid: '00000000-0000-0000-0000-000000000b0b',
  groups: [],
};

let checks = 0;
function check(condition, what, detail) {
  if (!condition) {
    throw new Error(`FAILED: ${what}${detail === undefined ? '' : `\n  ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  }
  checks += 1;
  console.log(`ok ${checks} - ${what}`);
}

// A cookie jar good enough for one host: it keeps name, value and path, and
// forgets cookies that are expired.
class Jar {
  #cookies = new Map();

  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

async function request(jar, url, init = {}) {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.take(response);
  return response;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function startProvider(configPath) {
  const child = spawn(process.execPath, [join(here, 'provider.mjs'), configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provider did not start in 10s\n${stderr}`)), 10_000);
    child.on('exit', (code) => reject(new Error(`provider exited with ${code}\n${stderr}`)));
    const lines = createInterface({ input: child.stdout });
    const seen = [];
    lines.on('line', (line) => {
      seen.push(line);
      const m = line.match(/^listening (http:\/\/127\.0\.0\.1:\d+)$/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, issuer: m[1], seen, stderr: () => stderr });
      } else {
        reject(new Error(`unexpected line on the provider's stdout: ${line}`));
      }
    });
  });
}

// Walks /auth to the redirect_uri, signing in on the provider's form when it
// is shown. Returns the parameters on the redirect_uri.
async function authorize(issuer, jar, {
  login = ALICE.login, mfa = false, withPkce = true, scope = 'openid email profile',
} = {}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const params = new URLSearchParams({
    client_id: CLIENT.client_id,
    response_type: 'code',
    redirect_uri: CLIENT.redirect_uris[0],
    scope,
    state,
    nonce,
  });
  if (withPkce) {
    params.set('code_challenge', challenge);
    params.set('code_challenge_method', 'S256');
  }
  let url = `${issuer}/auth?${params}`;
  let formsShown = 0;
  for (let hops = 0; hops < 20; hops += 1) {
    if (url.startsWith(CLIENT.redirect_uris[0])) {
      const back = new URL(url).searchParams;
      return {
        back, verifier, state, nonce, formsShown,
      };
    }
    const response = await request(jar, url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location'), url).href;
      continue;
    }
    const html = await response.text();
    if (response.status === 200 && html.includes('id="login"')) {
      formsShown += 1;
      check(/<label for="login">Username<\/label>/.test(html) && /id="mfa" name="mfa"/.test(html)
        && /<button type="submit" id="submit">Sign in<\/button>/.test(html), 'the sign-in form has Username, the second factor box and Sign in');
      const action = new URL(html.match(/<form method="post" action="([^"]+)"/)[1], url).href;
      const form = new URLSearchParams({ login });
      if (mfa) form.set('mfa', 'yes');
      const posted = await request(jar, action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      if (posted.status === 200) {
        return { rejectedForm: await posted.text() };
      }
      check(posted.status === 303, 'the sign-in form answers with a redirect', posted.status);
      url = new URL(posted.headers.get('location'), action).href;
      continue;
    }
    throw new Error(`unexpected ${response.status} at ${url}\n${html.slice(0, 500)}`);
  }
  throw new Error('too many redirects');
}

async function token(issuer, code, verifier, { post = false } = {}) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CLIENT.redirect_uris[0],
    code_verifier: verifier,
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (post) {
    body.set('client_id', CLIENT.client_id);
    body.set('client_secret', CLIENT.client_secret);
  } else {
    const enc = (s) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(CLIENT.client_id)}:${enc(CLIENT.client_secret)}`).toString('base64')}`;
  }
  const response = await fetch(`${issuer}/token`, { method: 'POST', headers, body });
  return { status: response.status, json: await response.json() };
}

async function jwks(issuer) {
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const response = await fetch(discovery.jwks_uri);
  return response.json();
}

async function setMode(issuer, mode) {
  const response = await fetch(`${issuer}/__test/mode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode }),
  });
  check(response.status === 200 && (await response.json()).mode === mode, `POST /__test/mode ${mode}`);
}

// A full sign-in in a fresh jar; returns the id_token and what was sent.
async function signIn(issuer, options = {}) {
  const jar = new Jar();
  const flow = await authorize(issuer, jar, options);
  const code = flow.back.get('code');
  if (!code) throw new Error(`no code: ${flow.back}`);
  const answer = await token(issuer, code, flow.verifier, options);
  if (answer.status !== 200) throw new Error(`token endpoint: ${answer.status} ${JSON.stringify(answer.json)}`);
  return { ...flow, jar, tokens: answer.json };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'accord-oidc-smoke-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ port: 0, clients: [CLIENT], accounts: [ALICE, BOB] }));
  const provider = await startProvider(configPath);
  const { issuer } = provider;
  try {
    check(/^http:\/\/127\.0\.0\.1:\d+$/.test(issuer), `the provider says "listening ${issuer}"`);

    const health = await fetch(`${issuer}/__test/health`);
    check(health.status === 200, 'GET /__test/health is 200');

    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    check(discovery.issuer === issuer, 'discovery names the issuer', discovery.issuer);
    check(discovery.end_session_endpoint === `${issuer}/session/end`, 'discovery has an end_session_endpoint');
    check(discovery.code_challenge_methods_supported.join() === 'S256', 'only S256 PKCE');
    check(['client_secret_basic', 'client_secret_post'].every((m) => discovery.token_endpoint_auth_methods_supported.includes(m)), 'both client secret methods');
    check(discovery.id_token_signing_alg_values_supported.join() === 'RS256', 'id_tokens are RS256');
    const firstJwks = await jwks(issuer);
    check(firstJwks.keys.length === 1 && firstJwks.keys[0].kty === 'RSA' && !firstJwks.keys[0].d, 'the JWKS has one public RSA key', firstJwks);
    const firstKid = firstJwks.keys[0].kid;

    // PKCE is required.
    {
      const flow = await authorize(issuer, new Jar(), { withPkce: false });
      check(flow.back.get('error') === 'invalid_request' && /PKCE/.test(flow.back.get('error_description')), 'an authorization request without PKCE is refused', flow.back.toString());
    }

    // An unknown username is shown the form again with an error.
    {
      const flow = await authorize(issuer, new Jar(), { login: 'mallory' });
      check(flow.rejectedForm && flow.rejectedForm.includes('id="error"') && flow.rejectedForm.includes('id="login"'), 'an unknown username gets the form again with an error');
    }

    // The whole flow, password only, client_secret_basic.
    let aliceIdToken;
    {
      const flow = await signIn(issuer);
      check(flow.formsShown === 1, 'the sign-in form was shown once, and no consent page');
      check(flow.back.get('state') === flow.state, 'state comes back on the redirect_uri');
      check(flow.back.get('iss') === issuer, 'iss comes back on the redirect_uri (RFC 9207)');
      const idToken = flow.tokens.id_token;
      const header = decodeProtectedHeader(idToken);
      check(header.alg === 'RS256' && header.kid === firstKid, 'the id_token is RS256 under the published kid', header);
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(firstJwks), { issuer, audience: CLIENT.client_id });
      check(payload.sub === ALICE.sub, 'sub is the account sub');
      check(payload.nonce === flow.nonce, 'nonce is the one sent');
      check(payload.email === ALICE.email && payload.email_verified === true, 'email and email_verified are in the id_token', payload);
      check(payload.name === ALICE.name, 'name is in the id_token');
      check(payload.oid === ALICE.oid && JSON.stringify(payload.groups) === JSON.stringify(ALICE.groups), 'oid and groups are in the id_token', payload);
      check(JSON.stringify(payload.amr) === '["pwd"]' && payload.acr === 'urn:accord:test:pwd', 'amr ["pwd"] and acr urn:accord:test:pwd without a second factor', payload);
      check(typeof flow.tokens.access_token === 'string' && flow.tokens.token_type === 'Bearer', 'an access token too');

      const again = await token(issuer, flow.back.get('code'), flow.verifier);
      check(again.status === 400 && again.json.error === 'invalid_grant', 'a code cannot be used twice', again);
      aliceIdToken = idToken;
    }

    // A wrong code_verifier is refused.
    {
      const flow = await authorize(issuer, new Jar());
      const answer = await token(issuer, flow.back.get('code'), b64url(randomBytes(32)));
      check(answer.status === 400 && answer.json.error === 'invalid_grant', 'a wrong code_verifier is refused', answer);
    }

    // Second factor, client_secret_post, an unverified email.
    {
      const flow = await signIn(issuer, { login: BOB.login, mfa: true, post: true });
      const { payload } = await jwtVerify(flow.tokens.id_token, createLocalJWKSet(firstJwks), { issuer, audience: CLIENT.client_id });
      check(payload.sub === BOB.sub && payload.email_verified === false, 'Bob signs in with client_secret_post; email_verified false', payload);
      check(JSON.stringify(payload.amr) === '["pwd","mfa"]' && payload.acr === 'urn:accord:test:mfa', 'amr ["pwd","mfa"] and acr urn:accord:test:mfa with the box ticked', payload);
      check(JSON.stringify(payload.groups) === '[]', 'groups is there, empty');
    }

    // Only the scopes asked for are released, apart from oid and groups.
    {
      const flow = await signIn(issuer, { scope: 'openid' });
      const payload = decodeJwt(flow.tokens.id_token);
      check(payload.email === undefined && payload.name === undefined && payload.oid === ALICE.oid && payload.groups.length === 2, 'scope openid alone: no email or name, but oid and groups', payload);
    }

    // The modes.
    const jwksNow = createLocalJWKSet(firstJwks);
    const verifiedSignature = async (jwt) => {
      try {
        await compactVerify(jwt, jwksNow);
        return true;
      } catch {
        return false;
      }
    };
    {
      await setMode(issuer, 'wrong-signature');
      const { tokens } = await signIn(issuer);
      const header = decodeProtectedHeader(tokens.id_token);
      check(header.kid === firstKid && header.alg === 'RS256', 'wrong-signature keeps the real kid and RS256', header);
      let error;
      try {
        await jwtVerify(tokens.id_token, jwksNow, { issuer, audience: CLIENT.client_id });
      } catch (e) {
        error = e;
      }
      check(error instanceof errors.JWSSignatureVerificationFailed, 'wrong-signature: verification against the JWKS fails on the signature', String(error));
    }
    {
      await setMode(issuer, 'alg-none');
      const { tokens, nonce } = await signIn(issuer);
      const [h, p, s] = tokens.id_token.split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url'));
      check(header.alg === 'none' && s === '', 'alg-none: header alg none, empty signature', header);
      check(JSON.parse(Buffer.from(p, 'base64url')).nonce === nonce, 'alg-none: the claims are otherwise the real ones');
    }
    {
      await setMode(issuer, 'wrong-issuer');
      const { tokens } = await signIn(issuer);
      const payload = decodeJwt(tokens.id_token);
      check(await verifiedSignature(tokens.id_token) && payload.iss !== issuer, 'wrong-issuer: validly signed, another iss', payload.iss);
    }
    {
      await setMode(issuer, 'wrong-audience');
      const { tokens } = await signIn(issuer);
      const payload = decodeJwt(tokens.id_token);
      check(await verifiedSignature(tokens.id_token) && payload.aud === 'someone-else', 'wrong-audience: validly signed, aud someone-else', payload.aud);
    }
    {
      await setMode(issuer, 'expired');
      const { tokens } = await signIn(issuer);
      const payload = decodeJwt(tokens.id_token);
      const now = Date.now() / 1000;
      check(await verifiedSignature(tokens.id_token) && payload.exp <= now - 3590 && payload.iat < payload.exp, 'expired: validly signed, exp and iat an hour ago', payload);
      let error;
      try {
        await jwtVerify(tokens.id_token, jwksNow, { issuer, audience: CLIENT.client_id });
      } catch (e) {
        error = e;
      }
      check(error instanceof errors.JWTExpired, 'expired: jose says JWTExpired', String(error));
    }
    {
      await setMode(issuer, 'wrong-nonce');
      const { tokens, nonce } = await signIn(issuer);
      const payload = decodeJwt(tokens.id_token);
      check(await verifiedSignature(tokens.id_token) && payload.nonce && payload.nonce !== nonce, 'wrong-nonce: validly signed, another nonce', payload.nonce);
    }
    {
      const bad = await fetch(`${issuer}/__test/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"nonsense"}' });
      check(bad.status === 400, 'an unknown mode is refused with 400');
      await setMode(issuer, 'normal');
      const { tokens, nonce } = await signIn(issuer);
      const { payload } = await jwtVerify(tokens.id_token, jwksNow, { issuer, audience: CLIENT.client_id });
      check(payload.nonce === nonce, 'normal again: a good token');
    }

    // Rotation, with a sign-in under way across it.
    {
      const jar = new Jar();
      const before = await request(jar, `${issuer}/auth?${new URLSearchParams({
        client_id: CLIENT.client_id, response_type: 'code', redirect_uri: CLIENT.redirect_uris[0], scope: 'openid', state: 's', nonce: 'n', code_challenge: b64url(createHash('sha256').update('v'.repeat(43)).digest()), code_challenge_method: 'S256',
      })}`);
      check(before.status === 303, 'a sign-in is under way before the rotation');
      const rotated = await fetch(`${issuer}/__test/rotate`, { method: 'POST' });
      const { kid: newKid } = await rotated.json();
      check(rotated.status === 200 && newKid && newKid !== firstKid, 'POST /__test/rotate gives a new kid', newKid);
      const after = await jwks(issuer);
      check(after.keys[0].kid === newKid && after.keys.some((k) => k.kid === firstKid) && after.keys.every((k) => !k.d), 'the JWKS lists the new kid first and keeps the old one', after.keys.map((k) => k.kid));
      // Finish the sign-in begun before the rotation.
      const interaction = await request(jar, new URL(before.headers.get('location'), issuer).href);
      const html = await interaction.text();
      check(interaction.status === 200 && html.includes('id="login"'), 'the sign-in begun before the rotation carries on after it');
      const { tokens } = await signIn(issuer);
      const header = decodeProtectedHeader(tokens.id_token);
      check(header.kid === newKid, 'new tokens carry the new kid', header);
      let stale;
      try {
        await jwtVerify(tokens.id_token, jwksNow, { issuer, audience: CLIENT.client_id });
      } catch (e) {
        stale = e;
      }
      check(stale instanceof errors.JWKSNoMatchingKey, 'the JWKS cached before the rotation has no key for it', String(stale));
      await jwtVerify(tokens.id_token, createLocalJWKSet(after), { issuer, audience: CLIENT.client_id });
      check(true, 'it verifies against the JWKS fetched again');
      await jwtVerify(aliceIdToken, createLocalJWKSet(after), { issuer, audience: CLIENT.client_id, clockTolerance: 60 });
      check(true, 'a token from before the rotation still verifies against the new JWKS');
      await setMode(issuer, 'wrong-issuer');
      const forged = await signIn(issuer);
      const forgedHeader = decodeProtectedHeader(forged.tokens.id_token);
      await compactVerify(forged.tokens.id_token, createLocalJWKSet(after));
      check(forgedHeader.kid === newKid, 'after the rotation the modes re-sign with the new key');
      await setMode(issuer, 'normal');
    }

    // RP-initiated logout.
    {
      const flow = await signIn(issuer);
      const { jar } = flow;
      const logoutState = b64url(randomBytes(8));
      const end = await request(jar, `${discovery.end_session_endpoint}?${new URLSearchParams({
        id_token_hint: flow.tokens.id_token,
        post_logout_redirect_uri: CLIENT.post_logout_redirect_uris[0],
        state: logoutState,
      })}`);
      const html = await end.text();
      check(end.status === 200 && html.includes('id="logout"') && html.includes('name="logout" value="yes"') && html.includes('.submit()'), 'end_session shows a form that submits itself (or #logout)');
      const action = new URL(html.match(/<form id="op.logoutForm" method="post" action="([^"]+)"/)[1], issuer).href;
      const form = new URLSearchParams();
      for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) form.set(name, value);
      const confirmed = await request(jar, action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      const location = confirmed.headers.get('location') ?? '';
      check(confirmed.status === 303 && location === `${CLIENT.post_logout_redirect_uris[0]}?state=${logoutState}`, 'logout redirects to the post_logout_redirect_uri with the state', `${confirmed.status} ${location}`);
      const afterwards = await authorize(issuer, jar);
      check(afterwards.formsShown === 1, 'after logout the provider asks for the username again');

      // With client_id rather than id_token_hint, signed in afresh.
      const { jar: jar2 } = await signIn(issuer);
      const end2 = await request(jar2, `${discovery.end_session_endpoint}?${new URLSearchParams({
        client_id: CLIENT.client_id,
        post_logout_redirect_uri: CLIENT.post_logout_redirect_uris[0],
      })}`);
      const html2 = await end2.text();
      check(end2.status === 200 && html2.includes('id="logout"'), 'end_session with client_id shows the same form');
      const form2 = new URLSearchParams();
      for (const [, name, value] of html2.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) form2.set(name, value);
      const confirmed2 = await request(jar2, new URL(html2.match(/action="([^"]+)"/)[1], issuer).href, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form2,
      });
      check(confirmed2.status === 303 && confirmed2.headers.get('location') === CLIENT.post_logout_redirect_uris[0], 'logout with client_id also redirects', `${confirmed2.status} ${confirmed2.headers.get('location')}`);
    }

    check(provider.seen.length === 1, 'the provider wrote exactly one line to stdout', provider.seen);
    console.log(`all ${checks} checks passed`);
  } finally {
    provider.child.removeAllListeners('exit');
    provider.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
