#!/usr/bin/env node
// Self-test of the test IdP: starts server.mjs (twice: default TTLs and a 5 s access
// token TTL), drives the whole code+PKCE flow over plain HTTP with a cookie jar, and
// checks discovery, ID token contents, userinfo, refresh, the /_test/ endpoints and
// RP-initiated logout. Prints one line per check and a closing "N passed, N failed".
//
//   node testenv/oidc/selftest.mjs

import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const CLIENT = { id: 'periscope', secret: 'periscope-test-secret' };
const SCOPE = 'openid email profile groups offline_access';
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` -- ${detail}` : ''}`);
}

async function startIdp(args = []) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (d) => stderr.push(d));
  const rl = createInterface({ input: child.stdout });
  const [line] = await Promise.race([
    once(rl, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`idp exited ${code}: ${Buffer.concat(stderr)}`); }),
  ]);
  const ready = JSON.parse(line);
  return { ...ready, child, stderr: () => Buffer.concat(stderr).toString() };
}

class Browser {
  constructor() { this.jar = new Map(); }

  async fetch(url, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...opts, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now());
      if (!value || expired) this.jar.delete(name); else this.jar.set(name, value);
    }
    return res;
  }

  // Follow redirects until one points at `stopPrefix` (the RP callback) or a non-redirect.
  async follow(url, stopPrefix, opts) {
    let res = await this.fetch(url, opts);
    let current = url;
    for (let hops = 0; hops < 20; hops += 1) {
      if (res.status < 300 || res.status >= 400) return { res, url: current };
      const next = new URL(res.headers.get('location'), current).href;
      if (stopPrefix && next.startsWith(stopPrefix)) return { res, url: current, redirect: next };
      current = next;
      res = await this.fetch(current);
    }
    throw new Error('too many redirects');
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;

async function tokenRequest(disco, params, { post = false } = {}) {
  const body = new URLSearchParams(params);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (post) {
    body.set('client_id', CLIENT.id);
    body.set('client_secret', CLIENT.secret);
  } else {
    headers.authorization = basic;
  }
  const res = await fetch(disco.token_endpoint, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

async function verifyJwt(disco, jwt) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const { keys } = await (await fetch(disco.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  const ok = header.alg === 'RS256' && jwk
    && verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  return { ok: Boolean(ok), header, payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

// Full browser-like login; returns tokens + the id_token payload.
async function login(issuer, disco, account, { rpPort = 40000 + Math.floor(Math.random() * 20000), post = false, browser = new Browser(), scope = SCOPE, extra = {} } = {}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const st = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const redirectUri = `http://127.0.0.1:${rpPort}/api/auth/callback`;
  const auth = new URL(disco.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: CLIENT.id, response_type: 'code', redirect_uri: redirectUri, scope,
    state: st, nonce, code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });
  let r = await browser.follow(auth.href, redirectUri);
  if (!r.redirect) {
    // login form expected
    const html = await r.res.text();
    const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form (status ${r.res.status}): ${html.slice(0, 300)}`);
    r = await browser.follow(new URL(action, issuer).href, redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: account, password: 'whatever' }),
    });
  }
  if (!r.redirect) throw new Error(`no redirect to RP (status ${r.res.status}): ${(await r.res.text()).slice(0, 300)}`);
  const cb = new URL(r.redirect);
  if (cb.searchParams.get('state') !== st) throw new Error(`state mismatch: ${cb}`);
  const code = cb.searchParams.get('code');
  if (!code) throw new Error(`no code: ${cb}`);
  const tok = await tokenRequest(disco, {
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
  }, { post });
  if (tok.status !== 200) throw new Error(`token exchange ${tok.status}: ${JSON.stringify(tok.body)}`);
  const idt = await verifyJwt(disco, tok.body.id_token);
  return { tokens: tok.body, id: idt, nonce, browser, callback: cb, redirectUri };
}

async function main() {
  const idp = await startIdp();
  const { issuer } = idp;
  try {
    // --- discovery
    const disco = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    check('discovery issuer', disco.issuer === issuer, disco.issuer);
    check('discovery PKCE S256 only', JSON.stringify(disco.code_challenge_methods_supported) === '["S256"]');
    check('discovery end_session_endpoint', disco.end_session_endpoint === `${issuer}/session/end`);
    check('discovery groups claim', disco.claims_supported.includes('groups'));

    // --- alice: full login, ID token, userinfo
    const a = await login(issuer, disco, 'alice');
    const p = a.id.payload;
    check('alice: ID token RS256 signature', a.id.ok, a.id.header.alg);
    check('alice: nonce echoed', p.nonce === a.nonce);
    check('alice: iss/aud', p.iss === issuer && p.aud === CLIENT.id);
    check('alice: groups in ID token', JSON.stringify(p.groups) === '["developers"]', JSON.stringify(p.groups));
    check('alice: email/preferred_username/name', p.email === 'alice@example.test' && p.email_verified === true
      && p.preferred_username === 'alice' && p.name === 'Alice', JSON.stringify(p));
    check('alice: callback iss param', a.callback.searchParams.get('iss') === issuer);
    check('alice: refresh token issued', typeof a.tokens.refresh_token === 'string');
    check('alice: expires_in default 3600', a.tokens.expires_in === 3600, String(a.tokens.expires_in));
    check('alice: ID token lifetime 3600', p.exp - p.iat === 3600, String(p.exp - p.iat));
    const ui = await (await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${a.tokens.access_token}` } })).json();
    check('alice: userinfo', ui.sub === 'alice' && JSON.stringify(ui.groups) === '["developers"]', JSON.stringify(ui));

    // --- second login in the same browser session: no form, straight back to the RP
    const a2 = await login(issuer, disco, 'ignored-because-session-exists', { browser: a.browser });
    check('alice: SSO re-login without form', a2.id.payload.sub === 'alice');

    // --- refresh, counted in stats
    let rt = a.tokens.refresh_token;
    const r1 = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: rt });
    check('alice: refresh ok', r1.status === 200 && Boolean(r1.body.id_token), JSON.stringify(r1.body).slice(0, 120));
    rt = r1.body.refresh_token || rt;
    const r1p = await verifyJwt(disco, r1.body.id_token);
    check('alice: refreshed ID token keeps groups', JSON.stringify(r1p.payload.groups) === '["developers"]');
    const r2 = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: rt }, { post: true });
    check('alice: refresh ok (client_secret_post)', r2.status === 200);
    rt = r2.body.refresh_token || rt;
    let stats = await (await fetch(`${issuer}/_test/stats`)).json();
    check('stats: refreshGrants.alice == 2', stats.refreshGrants.alice === 2, JSON.stringify(stats));
    check('stats: codeGrants.alice == 2', stats.codeGrants.alice === 2, JSON.stringify(stats));

    // --- fail-refresh
    let res = await fetch(`${issuer}/_test/fail-refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: 'alice', fail: true }) });
    check('fail-refresh on', res.status === 200);
    const rf = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: rt });
    check('alice: refresh fails with invalid_grant', rf.status === 400 && rf.body.error === 'invalid_grant', JSON.stringify(rf.body));
    await fetch(`${issuer}/_test/fail-refresh`, { method: 'POST', body: JSON.stringify({ account: 'alice', fail: false }) });
    const rok = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: rt });
    check('alice: refresh works again after fail:false', rok.status === 200, JSON.stringify(rok.body).slice(0, 120));
    rt = rok.body.refresh_token || rt;
    stats = await (await fetch(`${issuer}/_test/stats`)).json();
    check('stats: failed refresh not counted', stats.refreshGrants.alice === 3, JSON.stringify(stats.refreshGrants));

    // --- reset
    await fetch(`${issuer}/_test/reset`, { method: 'POST' });
    stats = await (await fetch(`${issuer}/_test/stats`)).json();
    check('reset clears counters', JSON.stringify(stats.refreshGrants) === '{}' && JSON.stringify(stats.codeGrants) === '{}');

    // --- an RP that sends prompt=consent itself (OIDC Core §11) gets the same result, no consent page
    const pc = await login(issuer, disco, 'alice', { extra: { prompt: 'consent' } });
    check('prompt=consent: refresh token, groups', typeof pc.tokens.refresh_token === 'string'
      && JSON.stringify(pc.id.payload.groups) === '["developers"]');
    // --- without offline_access there is no refresh token
    const nr = await login(issuer, disco, 'alice', { scope: 'openid groups' });
    check('no offline_access: no refresh token', nr.tokens.refresh_token === undefined
      && JSON.stringify(nr.id.payload.groups) === '["developers"]' && nr.id.payload.email === undefined);

    // --- other accounts
    for (const [acct, groups] of [['bob', '["viewers"]'], ['carol', '[]'], ['dave', '["sre"]'], ['erin', '["contractors"]']]) {
      const l = await login(issuer, disco, acct, { post: acct === 'bob' });
      check(`${acct}: groups ${groups}`, JSON.stringify(l.id.payload.groups) === groups, JSON.stringify(l.id.payload.groups));
    }
    const ng = await login(issuer, disco, 'nogroups');
    check('nogroups: groups claim absent', !('groups' in ng.id.payload) && ng.id.payload.email === 'nogroups@example.test', JSON.stringify(ng.id.payload));

    // --- unknown login shows an error on the form
    {
      const br = new Browser();
      const auth = new URL(disco.authorization_endpoint);
      auth.search = new URLSearchParams({
        client_id: CLIENT.id, response_type: 'code', redirect_uri: 'http://127.0.0.1:1234/api/auth/callback',
        scope: SCOPE, state: 'x', code_challenge: b64url(createHash('sha256').update('v'.repeat(43)).digest()), code_challenge_method: 'S256',
      });
      const r = await br.follow(auth.href, 'http://127.0.0.1:1234/');
      const action = /action="([^"]+)"/.exec(await r.res.text())[1];
      const bad = await br.fetch(new URL(action, issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=mallory&password=x' });
      const html = await bad.text();
      check('unknown login rejected with visible error', bad.status === 401 && html.includes('Unknown user &quot;mallory&quot;') && html.includes('id="login-form"'), `status ${bad.status}`);
    }

    // --- negative authorization requests
    {
      const mk = (extra) => {
        const u = new URL(disco.authorization_endpoint);
        u.search = new URLSearchParams({
          client_id: CLIENT.id, response_type: 'code', scope: 'openid', state: 's', code_challenge_method: 'S256',
          code_challenge: b64url(createHash('sha256').update('v'.repeat(43)).digest()), ...extra,
        });
        return u.href;
      };
      let r = await fetch(mk({ redirect_uri: 'http://evil.example/api/auth/callback' }), { redirect: 'manual' });
      check('non-loopback redirect_uri rejected', r.status === 400 && (await r.text()).includes('redirect_uri did not match'));
      r = await fetch(mk({ redirect_uri: 'http://127.0.0.1:5555/other/path' }), { redirect: 'manual' });
      check('wrong path redirect_uri rejected', r.status === 400);
      r = await fetch(mk({ redirect_uri: 'http://127.0.0.1:5555/api/auth/callback', code_challenge: undefined, code_challenge_method: undefined }).replace(/&code_challenge[^&]*/g, ''), { redirect: 'manual' });
      const loc = r.headers.get('location') || '';
      check('missing PKCE rejected', r.status === 303 && loc.includes('error=invalid_request') && loc.includes('PKCE'), loc);
      r = await fetch(`${issuer}/_test/nope`);
      check('unknown /_test/ endpoint 404', r.status === 404);
    }

    // --- RP-initiated logout without a confirmation click
    {
      const l = await login(issuer, disco, 'dave');
      const rpPort = 41000 + Math.floor(Math.random() * 1000);
      const post = `http://127.0.0.1:${rpPort}/api/auth/loggedout`;
      const u = new URL(disco.end_session_endpoint);
      u.search = new URLSearchParams({ id_token_hint: l.tokens.id_token, post_logout_redirect_uri: post, state: 'bye' });
      const r = await l.browser.fetch(u.href);
      const html = await r.text();
      const auto = html.includes('document.forms[0].submit()') && html.includes('name="logout" value="yes"');
      check('end_session page auto-submits (no click)', r.status === 200 && auto, `status ${r.status}`);
      // What the browser's script does:
      const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)[1];
      const form = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const c = await l.browser.fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const loc = c.headers.get('location') || '';
      check('end_session redirects to post_logout_redirect_uri', c.status === 303 && loc === `${post}?state=bye`, `${c.status} ${loc}`);
      // session gone: next authorize shows the login form again
      const again = await login(issuer, disco, 'erin', { browser: l.browser });
      check('after logout the IdP asks for a login again', again.id.payload.sub === 'erin');
      // post_logout_redirect_uri "/" with client_id only (no id_token_hint)
      u.search = new URLSearchParams({ client_id: CLIENT.id, post_logout_redirect_uri: `http://127.0.0.1:${rpPort + 1}/` });
      const r2 = await again.browser.fetch(u.href);
      check('end_session with client_id + "/" accepted', r2.status === 200, String(r2.status));
    }
  } finally {
    idp.child.kill('SIGTERM');
    await once(idp.child, 'exit');
  }

  // --- short TTLs via flags
  const idp2 = await startIdp(['--access-token-ttl', '5', '--id-token-ttl', '7', '--refresh-token-ttl', '60', '--rotate-refresh-tokens', 'always']);
  try {
    const disco = await (await fetch(`${idp2.issuer}/.well-known/openid-configuration`)).json();
    const l = await login(idp2.issuer, disco, 'bob');
    check('--access-token-ttl 5 → expires_in 5', l.tokens.expires_in === 5, String(l.tokens.expires_in));
    check('--id-token-ttl 7 → exp-iat 7', l.id.payload.exp - l.id.payload.iat === 7);
    await new Promise((r) => { setTimeout(r, 7500); });
    const ui = await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${l.tokens.access_token}` } });
    check('expired access token rejected by userinfo', ui.status === 401, String(ui.status));
    const rf = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: l.tokens.refresh_token });
    check('refresh after access token expiry', rf.status === 200 && rf.body.expires_in === 5);
    check('--rotate-refresh-tokens always: new refresh token', typeof rf.body.refresh_token === 'string'
      && rf.body.refresh_token !== l.tokens.refresh_token);
    const reuse = await tokenRequest(disco, { grant_type: 'refresh_token', refresh_token: l.tokens.refresh_token });
    check('rotated refresh token cannot be reused', reuse.status === 400 && reuse.body.error === 'invalid_grant');
    const u = new URL(disco.end_session_endpoint);
    u.search = new URLSearchParams({ id_token_hint: l.tokens.id_token, post_logout_redirect_uri: 'http://127.0.0.1:1/api/auth/loggedout' });
    const es = await l.browser.fetch(u.href);
    check('end_session accepts an expired id_token_hint', es.status === 200 && (await es.text()).includes('op.logoutForm'), String(es.status));
    const stats = await (await fetch(`${idp2.issuer}/_test/stats`)).json();
    check('stats on second IdP', stats.refreshGrants.bob === 1 && stats.codeGrants.bob === 1, JSON.stringify(stats));
  } finally {
    idp2.child.kill('SIGTERM');
    await once(idp2.child, 'exit');
  }
  if (failed) console.log(idp.stderr().split('\n').slice(-40).join('\n'));
}

try {
  await main();
} catch (e) {
  failed += 1;
  console.log(`FAIL exception: ${e.stack}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
