// The dashboard in a real headless Chromium (Debian's, driven by playwright-core; no browser download):
// the page loads, the chart updates under load, a rule edited on the page is the limit the next request
// meets, a breaker forced from the page shows open, and with Redis gone the page says so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import type { RunningInstance } from '../src/instance';
import { admin, ADMIN_KEY, downstreamsFor, seed, startTestGateway, testConfig, poll } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let ctx: LabContext;
let redis: ManagedRedis;
let gw: RunningInstance;
let browser: BrowserContext;
let page: Page;
let key: string;
let loadKey: string;

beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { serving: true });
  redis = await startRedisServer();
  ctx.onDispose(() => redis.dispose());
  const ds = await downstreamsFor(ctx);
  await seed(ctx);
  gw = await startTestGateway(ctx, testConfig(ds), redis.url);
  const created = await admin(gw.url)('POST', '/admin/keys', { tenant: 'web', tier: 'pro' });
  key = created.body.key;
  // The load test spends its own tenant's quota, so the checks after it meet only the limits they test.
  loadKey = (await admin(gw.url)('POST', '/admin/keys', { tenant: 'load', tier: 'pro' })).body.key;
  // A fresh profile each run; playwright passes it as --user-data-dir and adds --headless.
  const profile = mkdtempSync(path.join(tmpdir(), 'gw-chromium-'));
  ctx.onDispose(() => rmSync(profile, { recursive: true, force: true }));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  ctx.onDispose(() => browser.close());
  page = browser.pages()[0] ?? (await browser.newPage());
});
afterAll(() => ctx.dispose());

const call = (p: string, apiKey = key) => fetch(gw.url + p, { headers: { 'x-api-key': apiKey } });

describe('dashboard in headless Chromium', () => {
  it('loads, signs in, and shows this instance with its policy version', async () => {
    await page.goto(`${gw.url}/dashboard`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#login button');
    await poll(() => page.textContent('#instance')).toBe(gw.gateway.id);
    await poll(async () => Number(await page.textContent('#version'))).toBe(gw.gateway.watcher.version);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('#redis')).toBe('up');
  });

  it('the chart updates as load runs', async () => {
    let running = true;
    const load = (async () => {
      while (running) await call('/search', loadKey);
    })();
    try {
      await poll(async () => Number(await page.getAttribute('body', 'data-last-total'))).toBeGreaterThan(0);
      const points = Number(await page.getAttribute('body', 'data-points'));
      await poll(async () => Number(await page.getAttribute('body', 'data-points'))).toBeGreaterThan(points);
      await poll(() => page.locator('#tiers tbody').textContent()).toContain('pro');
    } finally {
      running = false;
      await load;
    }
  });

  it('a rule edited on the page is the limit the next request meets', async () => {
    await poll(() => page.locator('#rule-select option').count()).toBeGreaterThan(0);
    await page.selectOption('#rule-select', 'order');
    const rule = JSON.parse(await page.inputValue('#rule-json'));
    rule.limits = [{ window: 'day', limit: 1 }];
    await page.fill('#rule-json', JSON.stringify(rule));
    await page.click('#rule-save');
    await poll(() => page.textContent('#rule-result')).toMatch(/saved as version \d+/);
    const first = await call('/orders/1');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toContain('"order-day";q=1;w=86400');
    expect((await call('/orders/2')).status).toBe(429);
    const [entry] = (await admin(gw.url)('GET', '/admin/audit?limit=1')).body;
    expect(entry).toMatchObject({ actor: 'dashboard', entity: 'rule', entityId: 'order' });
  });

  it('a breaker forced open on the page shows open, and the gateway refuses with the circuit-open problem', async () => {
    await page.click('button[data-name="payments"][data-action="force-open"]');
    await poll(() => page.locator('tr[data-breaker="payments"] .state').textContent()).toContain('open (forced)');
    const res = await call('/payments');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { type: string }).type).toMatch(/circuit-open$/);
  });

  it('with Redis down the page keeps working and says so', async () => {
    await redis.stop();
    await poll(() => page.textContent('#redis')).toContain('DOWN');
    expect(await page.textContent('#instance')).toBe(gw.gateway.id);
  });

  it('the event stream needs the admin session', async () => {
    expect((await fetch(`${gw.url}/dashboard/events`)).status).toBe(401);
  });
});
