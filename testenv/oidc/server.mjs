#!/usr/bin/env node
// Test-only OpenID Provider for Periscope sign-in tests (panva oidc-provider).
//
//   node testenv/oidc/server.mjs [--port N] [--config FILE]
//        [--access-token-ttl S] [--id-token-ttl S] [--refresh-token-ttl S]
//        [--rotate-refresh-tokens auto|always|never]
//
// Listens on 127.0.0.1 only (port 0 / omitted = a free port chosen by the kernel),
// prints ONE JSON line to stdout when ready: {"issuer":"http://127.0.0.1:PORT","port":PORT}
// and logs to stderr only afterwards. No network access, no npm at run time.
// See README.md next to this file.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

// oidc-provider prints notices through console.info (stdout). stdout is reserved for
// the single ready line, so route every console method to stderr *before* loading it.
const toStderr = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
const { default: Provider, errors } = await import('oidc-provider');

// ---------------------------------------------------------------------------
// configuration

const DEFAULTS = {
  port: 0,
  accessTokenTTL: 3600,
  idTokenTTL: 3600,
  refreshTokenTTL: 86400,
  // auto = oidc-provider's default policy (a confidential client's refresh token is
  // rotated once 70% of its lifetime has passed); always / never.
  rotateRefreshTokens: 'auto',
  // seconds of leeway when checking expiry of tokens and JWTs (oidc-provider's default is 15)
  clockTolerance: 0,
};

function die(msg) {
  process.stdout.write(`${JSON.stringify({ error: msg })}\n`);
  process.stderr.write(`oidc: ${msg}\n`);
  process.exit(2);
}

function loadConfig() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        port: { type: 'string' },
        config: { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'id-token-ttl': { type: 'string' },
        'refresh-token-ttl': { type: 'string' },
        'rotate-refresh-tokens': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    die(e.message);
  }
  if (args.help) {
    process.stderr.write('usage: node server.mjs [--port N] [--config FILE] [--access-token-ttl S] '
      + '[--id-token-ttl S] [--refresh-token-ttl S] [--rotate-refresh-tokens auto|always|never]\n');
    process.exit(0);
  }
  let file = {};
  if (args.config) {
    try {
      file = JSON.parse(readFileSync(args.config, 'utf8'));
    } catch (e) {
      die(`cannot read config ${args.config}: ${e.message}`);
    }
  }
  const cfg = { ...DEFAULTS, ...file };
  const flag = (name, key) => { if (args[name] !== undefined) cfg[key] = args[name]; };
  flag('port', 'port');
  flag('access-token-ttl', 'accessTokenTTL');
  flag('id-token-ttl', 'idTokenTTL');
  flag('refresh-token-ttl', 'refreshTokenTTL');
  flag('rotate-refresh-tokens', 'rotateRefreshTokens');
  for (const key of ['port', 'accessTokenTTL', 'idTokenTTL', 'refreshTokenTTL', 'clockTolerance']) {
    const n = Number(cfg[key]);
    if (!Number.isInteger(n) || n < 0 || (key.endsWith('TTL') && n === 0) || (key === 'port' && n > 65535)) {
      die(`invalid ${key}: ${cfg[key]}`);
    }
    cfg[key] = n;
  }
  if (!['auto', 'always', 'never'].includes(cfg.rotateRefreshTokens)) {
    die(`invalid rotateRefreshTokens: ${cfg.rotateRefreshTokens}`);
  }
  return cfg;
}

const cfg = loadConfig();

// ---------------------------------------------------------------------------
// accounts: login = account id. `groups: undefined` means the claim is absent.

const GROUPS = {
  alice: ['developers'],
  bob: ['viewers'],
  carol: [],
  dave: ['sre'],
  erin: ['contractors'],
  nogroups: undefined,
};
const ACCOUNTS = new Map(Object.entries(GROUPS).map(([id, groups]) => [id, {
  sub: id,
  email: `${id}@example.test`,
  email_verified: true,
  name: id === 'nogroups' ? 'No Groups' : id[0].toUpperCase() + id.slice(1),
  preferred_username: id,
  ...(groups === undefined ? {} : { groups }),
}]));
// Optional extra accounts from the config file: {"accounts": {"frank": {"groups": ["x"]}}}
for (const [id, extra] of Object.entries(cfg.accounts || {})) {
  ACCOUNTS.set(id, {
    sub: id, email: `${id}@example.test`, email_verified: true, name: id, preferred_username: id, ...extra,
  });
}

// ---------------------------------------------------------------------------
// test-control state

const state = {
  refreshGrants: {},
  codeGrants: {},
  failRefresh: new Set(),
};
function resetState() {
  state.refreshGrants = {};
  state.codeGrants = {};
  state.failRefresh.clear();
}

// ---------------------------------------------------------------------------
// HTML (self-contained: no external fonts, scripts or images)

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body, script = '') {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}
label{display:block;margin:.6em 0 .2em}input{width:100%;padding:.4em;box-sizing:border-box}
button{margin-top:1em;padding:.5em 1.2em}.error{color:#b00020;font-weight:bold}
.small{font-size:.8em;color:#555}</style>
${script ? `<script>${script}</script>` : ''}
</head><body>${body}</body></html>`;
}

function loginPage({ uid, clientName, login = '', error }) {
  return page('Sign-in', `
<h1>Test IdP sign-in</h1>
<p class="small">Signing in to <b>${esc(clientName)}</b></p>
${error ? `<p class="error" id="login-error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="login">Login</label>
  <input id="login" name="login" value="${esc(login)}" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password">
  <button type="submit" id="submit">Sign-in</button>
</form>
<p class="small"><a href="/interaction/${esc(uid)}/abort" id="cancel">Cancel</a></p>
<p class="small">Accounts: ${[...ACCOUNTS.keys()].map(esc).join(', ')} (any password)</p>`);
}

// ---------------------------------------------------------------------------
// provider

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };

// Accept any port on the loopback hosts for these paths (native app rules, RFC 8252 §7.3).
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const loopbackUris = (paths) => LOOPBACK_HOSTS.flatMap((h) => paths.map((p) => `http://${h}${p}`));

function buildConfig() {
  return {
    clients: [{
      client_id: 'periscope',
      client_secret: 'periscope-test-secret',
      client_name: 'Periscope',
      // 'native' + http loopback redirect URIs: the port is ignored when matching.
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted as well
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: loopbackUris(['/api/auth/callback']),
      post_logout_redirect_uris: loopbackUris(['/api/auth/loggedout', '/']),
    }],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    // Tokens expire exactly at exp (default tolerance is 15 s), so short TTLs are exact.
    clockTolerance: cfg.clockTolerance,
    pkce: { required: () => true },
    jwks: { keys: [signingJwk] },
    cookies: {
      // Periscope's test servers share the host 127.0.0.1 with this IdP (cookies ignore
      // ports), so use names that cannot collide with the RP's cookies.
      names: { session: '_idp_session', interaction: '_idp_interaction', resume: '_idp_interaction_resume' },
      keys: [randomBytes(32).toString('hex')],
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: cfg.accessTokenTTL,
      IdToken: cfg.idTokenTTL,
      RefreshToken: cfg.refreshTokenTTL,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    rotateRefreshToken: rotatePolicy(cfg.rotateRefreshTokens),
    findAccount,
    renderError,
  };
}

function rotatePolicy(mode) {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  return (ctx) => ctx.oidc.entities.RefreshToken.ttlPercentagePassed() >= 70;
}

async function findAccount(ctx, id) {
  const claims = ACCOUNTS.get(id);
  if (!claims) return undefined;
  // Test control: make refresh_token grants for this account fail with invalid_grant.
  if (ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token' && state.failRefresh.has(id)) {
    throw new errors.InvalidGrant(`refresh disabled for ${id} by /_test/fail-refresh`);
  }
  return {
    accountId: id,
    async claims() { return structuredClone(claims); },
  };
}

async function logoutSource(ctx, form) {
  // Skip the confirmation click: submit the confirm form (with logout=yes) on load.
  const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/>'
    + '<noscript><button type="submit">Sign out</button></noscript></form>');
  ctx.body = page('Signing out', `<p>Signing out&hellip;</p>${autoForm}`,
    "document.addEventListener('DOMContentLoaded',function(){document.forms[0].submit()});");
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<h1>Signed out</h1><p id="signed-out">You have been signed out of the test IdP.</p>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<h1>Error</h1>${Object.entries(out)
    .map(([k, v]) => `<p><b>${esc(k)}</b>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('')}`);
}

// ---------------------------------------------------------------------------
// koa middleware: request log, /_test/ control endpoints, login/consent interactions

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const isLoopback = (addr) => addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';

function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(body);
}

async function testControl(ctx) {
  if (!isLoopback(ctx.req.socket.remoteAddress)) return json(ctx, 403, { error: 'loopback only' });
  const route = `${ctx.method} ${ctx.path}`;
  switch (route) {
    case 'GET /_test/stats':
      return json(ctx, 200, {
        refreshGrants: state.refreshGrants,
        codeGrants: state.codeGrants,
        failRefresh: [...state.failRefresh],
      });
    case 'GET /_test/accounts':
      return json(ctx, 200, Object.fromEntries(ACCOUNTS));
    case 'POST /_test/reset':
      resetState();
      return json(ctx, 200, { ok: true });
    case 'POST /_test/fail-refresh': {
      let body;
      try {
        body = JSON.parse(await readBody(ctx.req) || '{}');
      } catch {
        return json(ctx, 400, { error: 'body must be JSON {"account":ID,"fail":BOOL}' });
      }
      if (typeof body.account !== 'string' || typeof body.fail !== 'boolean') {
        return json(ctx, 400, { error: 'body must be JSON {"account":ID,"fail":BOOL}' });
      }
      if (body.fail) state.failRefresh.add(body.account); else state.failRefresh.delete(body.account);
      return json(ctx, 200, { ok: true, failRefresh: [...state.failRefresh] });
    }
    default:
      return json(ctx, 404, { error: `no such test endpoint: ${route}` });
  }
}

// OIDC Core §11: offline_access is ignored unless the request has prompt=consent, and
// oidc-provider strips it. This IdP auto-consents anyway, so treat every authorization
// request that asks for offline_access as if it carried prompt=consent (except
// prompt=none): the RP then gets a refresh token without any consent click.
function implicitConsentForOfflineAccess(ctx) {
  const q = new URLSearchParams(ctx.querystring);
  if (!(q.get('scope') || '').split(' ').includes('offline_access')) return;
  const prompt = (q.get('prompt') || '').split(' ').filter(Boolean);
  if (prompt.includes('none') || prompt.includes('consent')) return;
  q.set('prompt', [...prompt, 'consent'].join(' '));
  ctx.querystring = q.toString();
}

// Grant everything that was requested; there is no consent screen.
async function autoConsent(provider, details) {
  const { grantId, session, params, prompt } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope || 'openid');
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  if (prompt.details.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return grant.save();
}

async function interaction(provider, ctx) {
  const m = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(ctx.path);
  if (!m) return false;
  const [, uid, action] = m;
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction uid mismatch');
  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName || details.params.client_id;
  const finish = async (result, merge) => {
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge }));
  };

  if (action === 'abort') {
    await finish({ error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
    return true;
  }
  if (action === 'login') {
    if (ctx.method !== 'POST') ctx.throw(405);
    const form = new URLSearchParams(await readBody(ctx.req));
    const login = (form.get('login') || '').trim();
    if (!ACCOUNTS.has(login)) {
      process.stderr.write(`oidc: login rejected: unknown account ${JSON.stringify(login)}\n`);
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginPage({ uid, clientName, login, error: `Unknown user "${login}".` });
      return true;
    }
    process.stderr.write(`oidc: login ok: ${login}\n`);
    await finish({ login: { accountId: login } }, false);
    return true;
  }
  // GET /interaction/:uid
  if (details.prompt.name === 'login') {
    ctx.type = 'html';
    ctx.body = loginPage({ uid, clientName, login: details.params.login_hint || '' });
    return true;
  }
  if (details.prompt.name === 'consent') {
    const grantId = await autoConsent(provider, details);
    await finish({ consent: { grantId } }, true);
    return true;
  }
  ctx.throw(501, `prompt ${details.prompt.name} not implemented`);
  return true;
}

// ---------------------------------------------------------------------------
// start

const server = http.createServer();
server.on('error', (e) => die(`listen failed: ${e.message}`));
server.listen(cfg.port, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, buildConfig());

  provider.on('grant.success', (ctx) => {
    const gty = ctx.oidc.params.grant_type;
    const account = ctx.oidc.entities.Account?.accountId || ctx.oidc.entities.RefreshToken?.accountId || '?';
    const bucket = gty === 'refresh_token' ? state.refreshGrants : gty === 'authorization_code' ? state.codeGrants : null;
    if (bucket) bucket[account] = (bucket[account] || 0) + 1;
    process.stderr.write(`oidc: grant ok: ${gty} account=${account}\n`);
  });
  provider.on('grant.error', (ctx, err) => {
    process.stderr.write(`oidc: grant error: ${ctx.oidc?.params?.grant_type} ${err.error || err.message}: ${err.error_description || ''}\n`);
  });
  provider.on('server_error', (ctx, err) => process.stderr.write(`oidc: server_error: ${err.stack}\n`));
  provider.on('end_session.success', () => process.stderr.write('oidc: end_session ok\n'));

  provider.use(async (ctx, next) => {
    const t0 = Date.now();
    try {
      if (ctx.path === '/auth' && ctx.method === 'GET') implicitConsentForOfflineAccess(ctx);
      if (ctx.path.startsWith('/_test/')) {
        await testControl(ctx);
      } else if (!(ctx.path.startsWith('/interaction/') && await interaction(provider, ctx))) {
        await next();
      }
    } catch (err) {
      if (!ctx.path.startsWith('/interaction/')) throw err;
      ctx.status = err.statusCode || err.status || 500;
      await renderError(ctx, { error: err.error || err.name, error_description: err.error_description || err.message });
    } finally {
      process.stderr.write(`oidc: ${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - t0} ms)\n`);
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
  process.stderr.write(`oidc: ready at ${issuer} (access=${cfg.accessTokenTTL}s id=${cfg.idTokenTTL}s `
    + `refresh=${cfg.refreshTokenTTL}s rotate=${cfg.rotateRefreshTokens})\n`);
});

const shutdown = (sig) => {
  process.stderr.write(`oidc: ${sig}, shutting down\n`);
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
