// The admin API: CRUD for tiers, rules, keys and overrides (each change versioned and audited in
// Postgres, then live on every instance), the global shadow switch, breakers, a dry-run of a change
// against the last hour's traffic, instances and analytics. Bearer admin key (or the dashboard's
// session cookie) on every route; zod on every input; OpenAPI from the same schemas at /docs.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError, UnprocessableError } from '../../../shared/errors';
import { valid, validate, type AppWithMetrics, type RequestSchemas } from '../../../shared/http';
import { OpenAPIRegistry, serveOpenApi, z } from '../../../shared/openapi';
import { dryRun } from './dry-run';
import type { Gateway } from './gateway-types';
import { sameSecret } from './identity';
import { OverrideSchema, RuleSchema, SettingsSchema, TierSchema, type Rule, type Snapshot } from './policy';

export const SESSION_COOKIE = 'gw_admin';

/** The dashboard session: derived from the admin key, so rotating the key ends every session. */
export function sessionToken(adminKey: string): string {
  return createHash('sha256').update(`dashboard-session:${adminKey}`).digest('base64url');
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Bearer admin key, or the session cookie set by POST /admin/login. Sets res.locals.actor. */
export function adminAuth(adminKey: string): RequestHandler {
  const session = sessionToken(adminKey);
  return (req, res, next) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), adminKey)) {
      const actor = req.headers['x-actor'];
      res.locals.actor = typeof actor === 'string' && /^[\w.@-]{1,64}$/.test(actor) ? actor : 'admin';
      return next();
    }
    const c = cookie(req.headers.cookie, SESSION_COOKIE);
    if (c && sameSecret(c, session)) {
      res.locals.actor = 'dashboard';
      return next();
    }
    next(new UnauthorizedError('admin key required (Authorization: Bearer …)'));
  };
}

const TierName = z.object({ name: z.string().max(40) });
const RuleId = z.object({ id: z.string().max(40) });
const KeyId = z.object({ id: z.string().max(40) });
const NewKey = z.object({ tenant: z.string().regex(/^[\w.@-]{1,64}$/), tier: z.string().max(40), label: z.string().max(100).optional() }).strict();
const KeyPatch = z.object({ tier: z.string().max(40).optional(), label: z.string().max(100).optional() }).strict();
const BreakerName = z.object({ name: z.string().max(64) });
const BreakerAction = z.object({ action: z.enum(['force-open', 'force-close', 'reset']), reason: z.string().max(200).optional() }).strict();
const DryRunBody = z
  .object({ tier: TierSchema.optional(), rule: RuleSchema.optional(), deleteRule: z.string().max(40).optional(), minutes: z.number().int().min(1).max(60).default(60) })
  .strict();
const Login = z.object({ key: z.string().max(200) }).strict();
const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const Version = z.object({ version: z.number() });

export function mountAdmin(app: AppWithMetrics, gw: Gateway): void {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer' });
  const auth = adminAuth(gw.config.adminKey);
  const { store } = gw;

  type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
  function route<S extends RequestSchemas>(method: Method, path: string, schemas: S, summary: string, handler: RequestHandler, secured = true) {
    const request: Record<string, unknown> = {};
    if (schemas.params) request.params = schemas.params;
    if (schemas.query) request.query = schemas.query;
    if (schemas.body) request.body = { content: { 'application/json': { schema: schemas.body } } };
    registry.registerPath({
      method,
      path: path.replace(/:(\w+)/g, '{$1}'),
      summary,
      ...(secured ? { security: [{ [bearer.name]: [] }] } : {}),
      request,
      responses: { 200: { description: 'ok' }, 400: { description: 'invalid input' }, 401: { description: 'admin key required' } },
    });
    const chain: RequestHandler[] = secured ? [auth, validate(schemas), handler] : [validate(schemas), handler];
    app[method](path, ...chain);
  }
  const actor = (res: { locals: Record<string, unknown> }) => String(res.locals.actor ?? 'admin');
  const knownRoutes = new Set(gw.config.routes.map((r) => r.pattern));
  const checkRule = (rule: Rule) => {
    // A rule naming a route the gateway does not have would never match: refuse it instead.
    if (rule.route === '*' || rule.route.endsWith('/*')) return;
    if (!knownRoutes.has(rule.route)) throw new UnprocessableError(`no gateway route ${rule.route}; routes: ${[...knownRoutes].join(', ')}`);
  };

  route('post', '/admin/login', { body: Login }, 'Dashboard sign-in: sets an HttpOnly, SameSite=Strict session cookie', (req, res) => {
    if (!sameSecret(valid(res, { body: Login }).body.key, gw.config.adminKey)) throw new UnauthorizedError('wrong admin key');
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${sessionToken(gw.config.adminKey)}; HttpOnly; SameSite=Strict; Path=/`);
    res.json({ ok: true });
  }, false);

  route('get', '/admin/policy', {}, 'Everything this instance enforces, with its version', (_req, res) => void res.json(snapshotJson(gw.watcher.current)));
  route('get', '/admin/tiers', {}, 'Tiers', async (_req, res) => void res.json(await store.tiers()));
  route('put', '/admin/tiers/:name', { params: TierName, body: TierSchema }, 'Create or replace a tier', async (_req, res) => {
    const { params, body } = valid(res, { params: TierName, body: TierSchema });
    if (params.name !== body.name) throw new UnprocessableError('the body names another tier than the path');
    res.json({ version: await store.putTier(actor(res), body) });
  });
  route('delete', '/admin/tiers/:name', { params: TierName }, 'Delete a tier without keys', async (_req, res) => void res.json({ version: await store.deleteTier(actor(res), valid(res, { params: TierName }).params.name) }));
  route('get', '/admin/rules', {}, 'Rules', async (_req, res) => void res.json(await store.rules()));
  route('put', '/admin/rules/:id', { params: RuleId, body: RuleSchema }, 'Create or replace a rule', async (_req, res) => {
    const { params, body } = valid(res, { params: RuleId, body: RuleSchema });
    if (params.id !== body.id) throw new UnprocessableError('the body names another rule than the path');
    checkRule(body);
    res.json({ version: await store.putRule(actor(res), body) });
  });
  route('delete', '/admin/rules/:id', { params: RuleId }, 'Delete a rule', async (_req, res) => void res.json({ version: await store.deleteRule(actor(res), valid(res, { params: RuleId }).params.id) }));
  route('get', '/admin/keys', {}, 'API keys (never the keys themselves)', async (_req, res) => void res.json(await store.keys()));
  route('post', '/admin/keys', { body: NewKey }, 'Create an API key; the key is in this response only', async (_req, res) => {
    res.status(201).json(await store.createKey(actor(res), valid(res, { body: NewKey }).body));
  });
  route('patch', '/admin/keys/:id', { params: KeyId, body: KeyPatch }, 'Move a key to another tier or relabel it', async (_req, res) => {
    const { params, body } = valid(res, { params: KeyId, body: KeyPatch });
    res.json({ version: await store.updateKey(actor(res), params.id, body) });
  });
  route('delete', '/admin/keys/:id', { params: KeyId }, 'Revoke a key', async (_req, res) => void res.json({ version: await store.revokeKey(actor(res), valid(res, { params: KeyId }).params.id) }));
  route('get', '/admin/overrides', {}, 'Per-key overrides', async (_req, res) => void res.json(await store.overrides()));
  route('put', '/admin/keys/:id/override', { params: KeyId, body: OverrideSchema }, 'Give a key its own limits (replacing its tier\'s)', async (_req, res) => {
    const { params, body } = valid(res, { params: KeyId, body: OverrideSchema });
    res.json({ version: await store.putOverride(actor(res), params.id, body) });
  });
  route('delete', '/admin/keys/:id/override', { params: KeyId }, 'Remove a key\'s override', async (_req, res) => void res.json({ version: await store.deleteOverride(actor(res), valid(res, { params: KeyId }).params.id) }));
  route('put', '/admin/settings', { body: SettingsSchema }, 'Global settings (shadow mode for every limit)', async (_req, res) => void res.json({ version: await store.putSettings(actor(res), valid(res, { body: SettingsSchema }).body) }));
  route('get', '/admin/audit', { query: AuditQuery }, 'Audit log, newest first', async (_req, res) => void res.json(await store.audit(valid(res, { query: AuditQuery }).query.limit)));

  route('get', '/admin/breakers', {}, 'Breaker state per downstream', async (_req, res) => {
    res.json(await Promise.all([...gw.breakers.values()].map((b) => b.status())));
  });
  route('post', '/admin/breakers/:name', { params: BreakerName, body: BreakerAction }, 'Force a breaker open or closed, or reset it', async (_req, res) => {
    const { params, body } = valid(res, { params: BreakerName, body: BreakerAction });
    const b = gw.breakers.get(params.name);
    if (!b) throw new UnprocessableError(`no downstream ${params.name}`);
    const reason = body.reason ?? `${body.action} by ${actor(res)}`;
    const view = body.action === 'force-open' ? await b.forceOpen(reason) : body.action === 'force-close' ? await b.forceClose(reason) : await b.reset(reason);
    res.json(view);
  });
  route('post', '/admin/dry-run', { body: DryRunBody }, 'What a change would have done to the last hour\'s traffic', async (_req, res) => {
    const body = valid(res, { body: DryRunBody }).body;
    if (body.rule) checkRule(body.rule);
    const current = gw.watcher.current;
    const proposed: Snapshot = { ...current, tiers: new Map(current.tiers), rules: current.rules.filter((r) => r.id !== body.deleteRule && r.id !== body.rule?.id) };
    if (body.tier) proposed.tiers.set(body.tier.name, body.tier);
    if (body.rule) proposed.rules.push(body.rule);
    const events = await gw.analytics.events(Date.now() - body.minutes * 60_000);
    res.json(dryRun(current, proposed, events));
  });
  route('get', '/admin/instances', {}, 'Every instance and the policy version it enforces', async (_req, res) => {
    res.json({ self: { id: gw.id, version: gw.watcher.version }, instances: await gw.instances() });
  });
  route('get', '/admin/analytics', {}, 'This minute\'s and the last minute\'s aggregates, top consumers and near-limit identities', async (_req, res) => {
    const minute = Math.floor(Date.now() / 60_000);
    const [aggregates, previous, top, near] = await Promise.all([gw.analytics.aggregates(minute), gw.analytics.aggregates(minute - 1), gw.analytics.top('top', minute), gw.analytics.top('near', minute)]);
    res.json({ minute, aggregates, previous, top, near, dropped: gw.analytics.dropped });
  });

  // Response shape documented once for the version-returning writes.
  registry.register('PolicyVersion', Version);
  serveOpenApi(app, registry, { title: 'Policy gateway admin API', description: 'Lab 5.3.B: tiers, rules, keys, overrides, breakers, dry-run.' });
}

export function snapshotJson(s: Snapshot) {
  return {
    version: s.version,
    tiers: [...s.tiers.values()],
    rules: s.rules,
    overrides: Object.fromEntries(s.overrides),
    keys: s.keysByHash.size,
    settings: s.settings,
  };
}
