// The gateway under abuse and outages: the downstream address comes from configuration alone, only
// configured breakers exist, behaviour changes need the admin key, the breaker returns to Redis after a
// stall without a reconnect (and an operator's force-open then applies), the in-process twin's probes
// time out, the script decides on Redis's clock, and the outage drill holds.
import { Writable } from 'node:stream';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import { keyBuilder } from '../../../shared/keys';
import { createServingRedis, whenRedisReady, type RedisClient } from '../../../shared/redis-client';
import { serve } from '../serve';
import { createGateway, type Gateway } from '../src/app';
import { breakerRedisOptions, createBreaker } from '../src/breaker';
import { LocalBreaker } from '../src/local-breaker';
import { CLOSED, type BreakerRules } from '../src/types';

const KEYS = { 'admin-key': 'admin', 'viewer-key': 'viewer' } as const;
let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.3', { services: ['redis'], serving: true });
});
afterAll(() => ctx.dispose());

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function gatewayOn(redis: RedisClient, subscriber: RedisClient | undefined, keys = ctx.keys.forLab(`gw${cleanups.length}`)): Promise<{ gw: Gateway; http: Listening }> {
  const gw = createGateway({ redis, subscriber, keys, apiKeys: KEYS, breaker: { minVolume: 1000 } });
  const http = await listen(gw.app);
  cleanups.push(() => gw.close(), () => http.close());
  return { gw, http };
}

const asAdmin = { 'x-api-key': 'admin-key', 'content-type': 'application/json' };

describe('the downstream comes from configuration alone', () => {
  it('a Host header naming another port does not move the checkout call there', async () => {
    let trapped = 0;
    const trap = express().use((_req, res) => {
      trapped++;
      res.status(500).end();
    });
    const trapServer = await listen(trap);
    cleanups.push(() => trapServer.close());
    const { http } = await gatewayOn(ctx.newRedis(breakerRedisOptions), undefined);
    // fetch will not send a forged Host; a raw request will.
    const { request } = await import('node:http');
    for (let i = 0; i < 3; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(`${http.url}/checkout`, { headers: { host: `127.0.0.1:${trapServer.port}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ source: 'downstream', ok: true });
    }
    expect(trapped).toBe(0);
  });
});

describe('only configured breakers exist, and changing behaviour needs the admin key', () => {
  it('a viewer naming new breakers gets 404s and creates nothing', async () => {
    const { gw, http } = await gatewayOn(ctx.newRedis(breakerRedisOptions), ctx.newRedis());
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${http.url}/admin/breakers/made-up-${i}`, { headers: { 'x-api-key': 'viewer-key' } });
      expect(res.status).toBe(404);
    }
    expect((await fetch(`${http.url}/admin/breakers/payments`, { headers: { 'x-api-key': 'viewer-key' } })).status).toBe(200);
    expect(gw.registry.size).toBe(1);
    await expect(gw.registry.get('made-up')).rejects.toMatchObject({ status: 404 });
  });

  it('/downstream/admin/behaviour answers 401 without a key and 403 to a viewer', async () => {
    const { gw, http } = await gatewayOn(ctx.newRedis(breakerRedisOptions), undefined);
    const url = `${http.url}/downstream/admin/behaviour`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"failureRate":1}' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'x-api-key': 'viewer-key', 'content-type': 'application/json' }, body: '{"failureRate":1}' })).status).toBe(403);
    expect(gw.downstream.behaviour.failureRate).toBe(0);
    const ok = await fetch(url, { method: 'POST', headers: asAdmin, body: '{"failureRate":1}' });
    expect(ok.status).toBe(200);
    expect(gw.downstream.behaviour.failureRate).toBe(1);
  });
});

describe('after a Redis stall the breaker is shared again, without a reconnect', () => {
  let server: ManagedRedis;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.dispose());

  for (const freeze of ['sigstop', 'client-pause'] as const) {
    it(`${freeze}: 2 s frozen → local; back in Redis mode within 2 s of the thaw; a force-open then refuses calls`, async () => {
      const redis = createServingRedis(server.url, { commandTimeout: 250 });
      const sub = createServingRedis(server.url);
      await Promise.all([whenRedisReady(redis), whenRedisReady(sub)]);
      cleanups.push(() => redis.disconnect(), () => sub.disconnect());
      const { gw, http } = await gatewayOn(redis, sub, keyBuilder({ lab: `stall-${freeze}` }));
      const checkout = async () => (await fetch(`${http.url}/checkout`)).json();
      expect(await checkout()).toMatchObject({ source: 'downstream' });
      const b = await gw.registry.get('payments');

      if (freeze === 'sigstop') server.pause();
      else await server.clientPause(2000);
      const frozenAt = performance.now();
      expect(await checkout()).toMatchObject({ ok: true });
      expect(b.mode).toBe('local');
      // While frozen: reads answer from local state, admin actions 503 with Retry-After, all within 1 s.
      let t = performance.now();
      const read = await fetch(`${http.url}/admin/breakers/payments`, { headers: asAdmin });
      expect(await read.json()).toMatchObject({ mode: 'local' });
      expect(performance.now() - t).toBeLessThan(1000);
      t = performance.now();
      const refused = await fetch(`${http.url}/admin/breakers/payments/reset`, { method: 'POST', headers: asAdmin, body: '{}' });
      expect(performance.now() - t).toBeLessThan(1000);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ error: { code: 'redis_unavailable' } });
      while (performance.now() - frozenAt < 2000) await new Promise((r) => setTimeout(r, 100));
      if (freeze === 'sigstop') server.resume();

      // Calls keep coming; within 2 s the breaker is on Redis again (the connection never dropped).
      await waitFor(async () => (await checkout()) && b.mode === 'redis', { what: 'redis mode again', timeoutMs: 2000 });
      expect(redis.status).toBe('ready');
      const opened = await fetch(`${http.url}/admin/breakers/payments/open`, { method: 'POST', headers: asAdmin, body: '{"reason":"maintenance"}' });
      expect(opened.status).toBe(200);
      expect(await checkout()).toMatchObject({ source: 'fallback', because: 'open', breaker: 'open' });
    });
  }

  // The subscriber still says "ready": a server that froze (or died a moment ago) answers nothing. Its
  // SUBSCRIBE then times out (a serving client) or waits without bound (a default client): neither may
  // fail or hang the start.
  const subscribers = { 'serving subscriber': () => createServingRedis(server.url), 'default subscriber': () => new Redis(server.url) };
  for (const [kind, makeSub] of Object.entries(subscribers)) {
    it(`${kind}: a breaker started while Redis is frozen starts on local state and hears peers after the thaw`, async () => {
      const redis = createServingRedis(server.url, { commandTimeout: 250 });
      const sub = makeSub();
      await Promise.all([whenRedisReady(redis), whenRedisReady(sub)]);
      cleanups.push(() => redis.disconnect(), () => sub.disconnect());
      const keys = keyBuilder({ lab: 'frozen-start' });
      server.pause();
      let b: Awaited<ReturnType<typeof createBreaker>>;
      try {
        const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('createBreaker still pending 5 s into the freeze')), 5_000).unref());
        b = await Promise.race([createBreaker({ name: 'frozen-start', redis, subscriber: sub, keys }), hung]);
        cleanups.push(() => b.close());
        expect(b.mode).toBe('local');
      } finally {
        server.resume();
      }
      await waitFor(() => b.mode === 'redis', { what: 'redis mode after the thaw', timeoutMs: 5_000 });
      const peerConn = createServingRedis(server.url, { commandTimeout: 250 });
      await whenRedisReady(peerConn);
      cleanups.push(() => peerConn.disconnect());
      const peer = await createBreaker({ name: 'frozen-start', redis: peerConn, keys });
      cleanups.push(() => peer.close());
      await peer.forceOpen('after the freeze');
      await waitFor(() => b.current.reason === 'after the freeze', { what: 'the frozen-start breaker to hear the broadcast' });
      expect(b.current.state).toBe('open');
    });
  }

  it('calls that reach Redis after their caller gave up (a SIGSTOP) change nothing: no phantom half-open probes', async () => {
    const redis = createServingRedis(server.url, { commandTimeout: 250 });
    await whenRedisReady(redis);
    cleanups.push(() => redis.disconnect());
    const b = await createBreaker({ name: 'late', redis, keys: keyBuilder({ lab: 'late' }), coolDownMs: 200, halfOpenProbes: 3, localViewTtlMs: 0 });
    cleanups.push(() => b.close());
    await b.reset('start');
    await b.trip('test');
    // The cool-down ends on Redis's clock; the next admit turns the breaker half-open.
    await waitFor(async () => (await redis.hget(b.keyNames.state, 'openUntil').then(Number)) <= Number((await redis.time())[0]) * 1000, { what: 'the cool-down to end' });
    server.pause();
    try {
      await b.acquire(); // times out: sent to a frozen server, answered locally
      expect(b.mode).toBe('local');
      await new Promise((r) => setTimeout(r, 800)); // the outage outlasts the caller's patience
    } finally {
      server.resume();
    }
    await waitFor(() => b.mode === 'redis', { what: 'redis mode again', timeoutMs: 2000 });
    // All three probe slots are still free for real callers.
    const decisions = [await b.acquire(), await b.acquire(), await b.acquire()].map((a) => a.decision);
    expect(decisions).toEqual(['probe', 'probe', 'probe']);
  });

  it('outage drill on /checkout: frozen 3 s, killed, restarted — no hang, no 5xx, every answer within 1 s, normal within 2 s', async () => {
    const redis = createServingRedis(server.url, { commandTimeout: 250 });
    const sub = createServingRedis(server.url);
    await Promise.all([whenRedisReady(redis), whenRedisReady(sub)]);
    cleanups.push(() => redis.disconnect(), () => sub.disconnect());
    const { gw, http } = await gatewayOn(redis, sub, keyBuilder({ lab: 'drill' }));
    for (const freeze of ['sigstop', 'client-pause'] as const) {
      const r = await runOutageDrill({ redis: server, freeze, request: (signal) => fetch(`${http.url}/checkout`, { signal }) });
      expectDrillHeld(r);
      // The breaker's fallback answers throughout: no 5xx at all.
      expect(r.samples.filter((s) => s.status !== 200), describeDrill(r)).toEqual([]);
      const b = await gw.registry.get('payments');
      await waitFor(() => b.mode === 'redis', { what: 'redis mode after the drill', timeoutMs: 2000 });
      // Nothing left behind that outlives its use: the window expires, the state hash is one small key.
      const left = await redis.keys('*');
      for (const k of left) if (!k.endsWith('{payments}')) expect(await redis.pttl(k), k).not.toBe(-1);
    }
  }, 40_000);
});

describe('the in-process twin', () => {
  const rules: BreakerRules = { bucketMs: 1_000, buckets: 10, minVolume: 4, failureThreshold: 0.5, coolDownMs: 1_000, halfOpenProbes: 2, probeTimeoutMs: 5_000 };
  it('reopens when its half-open probes never report within the probe timeout', () => {
    const l = new LocalBreaker(CLOSED, rules);
    const t = 10_000;
    for (let i = 0; i < 4; i++) l.record(false, 0, t);
    expect(l.admit(t + 1_000).admission.decision).toBe('probe');
    expect(l.admit(t + 1_000).admission.decision).toBe('probe');
    // Both probes hang (Redis is down, nobody reports). Before the timeout: still half-open, refusing.
    expect(l.admit(t + 5_999).admission.decision).toBe('reject');
    expect(l.view.state).toBe('half-open');
    const late = l.admit(t + 6_000);
    expect(late).toMatchObject({ admission: { decision: 'reject' }, moved: { view: { state: 'open', openUntil: t + 7_000 } } });
    // A cool-down later it probes again.
    expect(l.admit(t + 7_000).admission.decision).toBe('probe');
  });
});

describe('breaker.lua decides on the Redis clock', () => {
  it('two instances whose clocks are an hour apart share one window and one cool-down', async () => {
    const hour = 3_600_000;
    const keys = ctx.keys.forLab('skew');
    const opts = { name: 'skewed', keys, minVolume: 4, coolDownMs: 5_000, localViewTtlMs: 0 };
    const ahead = await createBreaker({ ...opts, redis: ctx.newRedis(breakerRedisOptions), now: () => Date.now() + hour, scriptClock: 'redis' });
    const behind = await createBreaker({ ...opts, redis: ctx.newRedis(breakerRedisOptions), now: () => Date.now() - hour, scriptClock: 'redis' });
    cleanups.push(() => ahead.close(), () => behind.close());
    await ahead.report(false);
    await behind.report(false);
    await ahead.report(false);
    await behind.report(false); // four failures in one window: opens
    const [sec, micros] = await ctx.redis.time();
    const redisNow = Number(sec) * 1000 + Math.floor(Number(micros) / 1000);
    const s = await behind.status();
    expect(s.state).toBe('open');
    expect(Math.abs(s.openUntil - (redisNow + 5_000))).toBeLessThan(2_000);
    // Neither instance can end the cool-down early with its own clock.
    expect((await ahead.acquire()).decision).toBe('reject');
    expect((await behind.acquire()).decision).toBe('reject');
  });
});

describe('serve: keys from the environment, generated when missing', () => {
  const run = async (env: Record<string, string | undefined>) => {
    const saved = { CB_ADMIN_KEY: process.env.CB_ADMIN_KEY, CB_VIEWER_KEY: process.env.CB_VIEWER_KEY };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
    try {
      const served = (await serve({ ...ctx, log })) as { app: express.Express; close(): Promise<void> };
      const http = await listen(served.app);
      cleanups.push(() => served.close(), () => http.close());
      return { lines, http };
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };

  it('with no keys configured, prints one line with generated keys, and those keys work', async () => {
    const { lines, http } = await run({ CB_ADMIN_KEY: undefined, CB_VIEWER_KEY: undefined });
    const said = lines.filter((l) => l.includes('generated'));
    expect(said).toHaveLength(1);
    const admin = /admin ([A-Za-z0-9_-]+)/.exec(JSON.parse(said[0]!).msg)?.[1];
    expect(admin).toBeDefined();
    expect((await fetch(`${http.url}/admin/breakers/payments`)).status).toBe(401);
    expect((await fetch(`${http.url}/admin/breakers/payments`, { headers: { 'x-api-key': admin! } })).status).toBe(200);
    expect((await fetch(`${http.url}/admin/breakers/payments`, { headers: { 'x-api-key': 'dev-admin-key' } })).status).toBe(401);
  });

  it('configured keys are used and never logged', async () => {
    const { lines, http } = await run({ CB_ADMIN_KEY: 'configured-admin-secret', CB_VIEWER_KEY: 'configured-viewer-secret' });
    expect(lines.join('\n')).not.toContain('configured-');
    expect(lines.some((l) => l.includes('generated'))).toBe(false);
    expect((await fetch(`${http.url}/admin/breakers/payments`, { headers: { 'x-api-key': 'configured-viewer-secret' } })).status).toBe(200);
  });
});
