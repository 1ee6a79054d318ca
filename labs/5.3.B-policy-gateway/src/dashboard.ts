// The dashboard: one static page (public/dashboard.html), uPlot served from node_modules, and a
// Server-Sent Events stream (admin session required: it shows tenants' traffic) that sends a tick
// every second — rates per tier and outcome, top consumers, near-limit identities, breakers, Redis
// health and every instance's policy version. While Redis is down the tick carries this instance's
// own counts and says so.
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import type { AppWithMetrics } from '../../../shared/http';
import { adminAuth, snapshotJson } from './admin';
import type { Gateway } from './gateway-types';

const require = createRequire(import.meta.url);
const UPLOT_DIST = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const PUBLIC = new URL('./public/', import.meta.url);
const PAGE = new URL('./dashboard.html', PUBLIC);

/** Open dashboard streams per instance: each costs a timer and a few Redis reads per second. */
const MAX_STREAMS = 20;

export interface Tick {
  at: number;
  instance: string;
  version: number;
  redis: boolean;
  source: 'redis' | 'local';
  second: number;
  counts: Record<string, number>;
  top: Array<{ identity: string; value: number }>;
  near: Array<{ identity: string; value: number }>;
  breakers: Array<{ name: string; state: string; forced: string; mode: string }>;
  instances: Array<{ id: string; version: number; at: number }>;
  dropped: number;
}

export async function buildTick(gw: Gateway): Promise<Tick> {
  const now = Date.now();
  const second = Math.floor(now / 1000) - 1; // the last complete second
  const minute = Math.floor(now / 60_000);
  const base = {
    at: now,
    instance: gw.id,
    version: gw.watcher.version,
    second,
    breakers: [...gw.breakers.values()].map((b) => ({ name: b.name, ...pick(b.current), mode: b.mode })),
    dropped: gw.analytics.dropped,
  };
  const local: Tick = { ...base, redis: false, source: 'local', counts: gw.analytics.localRate(second), top: [], near: [], instances: [{ id: gw.id, version: gw.watcher.version, at: now }] };
  if (!(await gw.redisHealthy())) return local;
  try {
    const [[rate], top, near, instances] = await Promise.all([gw.analytics.rates([second]), gw.analytics.top('top', minute), gw.analytics.top('near', minute), gw.instances()]);
    return { ...base, redis: true, source: 'redis', counts: rate!.counts, top, near, instances };
  } catch {
    return local;
  }
}

function pick(v: { state: string; forced: string }) {
  return { state: v.state, forced: v.forced };
}

export function mountDashboard(app: AppWithMetrics, gw: Gateway): void {
  const auth = adminAuth(gw.config.adminKey);
  let streams = 0;
  app.get('/', (_req, res) => res.redirect('/dashboard'));
  app.get('/dashboard', (_req, res) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'");
    res.sendFile(PAGE.pathname);
  });
  app.use('/dashboard/static', express.static(PUBLIC.pathname, { index: false }));
  app.use('/dashboard/assets', express.static(UPLOT_DIST, { index: false, maxAge: '1h' }));
  app.get('/dashboard/policy', auth, (_req, res) => void res.json({ ...snapshotJson(gw.watcher.current), routes: gw.config.routes }));
  app.get('/dashboard/events', auth, (req, res) => {
    if (streams >= MAX_STREAMS) {
      res.status(503).setHeader('Retry-After', '5').json({ error: { code: 'too_many_streams', message: 'too many dashboard streams open' } });
      return;
    }
    streams++;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let busy = false;
    const send = async () => {
      if (busy) return; // a slow tick (Redis stalling) is skipped, never queued
      busy = true;
      try {
        res.write(`event: tick\ndata: ${JSON.stringify(await buildTick(gw))}\n\n`);
      } finally {
        busy = false;
      }
    };
    void send();
    const timer = setInterval(() => void send(), 1_000);
    req.on('close', () => {
      clearInterval(timer);
      streams--;
    });
  });
}
