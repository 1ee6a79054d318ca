// The live dashboard: one static page and its script (no data in them), which poll the admin-only
// /dashboard/data every second with the key typed into the page (kept in sessionStorage, sent as
// X-Admin-Key). Hit ratio per resource, rate-limit decisions, breaker states.
export const dashboardPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capstone dashboard</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .75em;text-align:right}th:first-child,td:first-child{text-align:left}
.open{color:#b00;font-weight:bold}.closed{color:#070}#err{color:#b00}</style></head>
<body><h1>Book review API</h1>
<form id="key"><label>Admin key <input type="password" name="k" autocomplete="off"></label> <button>Watch</button></form>
<p id="err"></p>
<h2>Cache hit ratio per resource</h2><table id="cache"></table>
<h2>Rate-limit decisions</h2><table id="limits"></table>
<h2>Breakers</h2><table id="breakers"></table>
<p id="meta"></p>
<script src="/dashboard/app.js"></script></body></html>`;

export const dashboardScript = `'use strict';
const $ = (id) => document.getElementById(id);
const row = (cells, tag = 'td') => '<tr>' + cells.map((c) => '<' + tag + '>' + String(c).replace(/[<&>]/g, '') + '</' + tag + '>').join('') + '</tr>';
$('key').addEventListener('submit', (e) => { e.preventDefault(); sessionStorage.setItem('capstoneKey', e.target.k.value); tick(); });
async function tick() {
  const key = sessionStorage.getItem('capstoneKey');
  if (!key) return;
  const res = await fetch('/dashboard/data', { headers: { 'x-admin-key': key } }).catch(() => undefined);
  if (!res || !res.ok) { $('err').textContent = res ? 'data: ' + res.status : 'service unreachable'; return; }
  $('err').textContent = '';
  const d = await res.json();
  $('cache').innerHTML = row(['resource', 'hits', 'reads', 'hit ratio'], 'th') + Object.entries(d.hitRatio).map(([r, h]) => row([r, h.hits, h.total, h.ratio === null ? '–' : (h.ratio * 100).toFixed(1) + ' %'])).join('');
  $('limits').innerHTML = row(['policy', 'allowed', 'denied'], 'th') + Object.entries(d.rateLimits).map(([p, n]) => row([p, n.allowed || 0, n.denied || 0])).join('');
  $('breakers').innerHTML = row(['breaker', 'state'], 'th') + d.breakers.map((b) => row([b.name, b.state])).join('');
  $('breakers').querySelectorAll('td:last-child').forEach((td) => (td.className = td.textContent === 'closed' ? 'closed' : 'open'));
  $('meta').textContent = 'Postgres queries since start: ' + d.postgresQueries + ' · L1 invalidation: ' + d.l1Invalidation + ' · ' + new Date(d.at).toLocaleTimeString();
}
setInterval(tick, 1000);
tick();
`;
