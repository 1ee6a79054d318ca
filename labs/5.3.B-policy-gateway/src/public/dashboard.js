// The dashboard page's script: sign-in, the SSE ticks rendered into a uPlot chart and tables, and the
// two admin actions (edit a rule, force a breaker) through the admin API with the session cookie.
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const N = 60;
const data = [[], [], [], []];
let plot;
let rules = [];

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error?.message ?? res.status);
  return json;
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await api('POST', '/admin/login', { key: $('key').value });
    start();
  } catch (err) {
    $('login-error').textContent = 'sign-in failed: ' + err.message;
  }
});

async function loadRules() {
  const policy = await api('GET', '/dashboard/policy');
  rules = policy.rules;
  const sel = $('rule-select');
  const current = sel.value;
  sel.innerHTML = rules.map((r) => `<option value="${esc(r.id)}">${esc(r.id)} (${esc(r.method)} ${esc(r.route)})</option>`).join('');
  if (current) sel.value = current;
  showRule();
}
function showRule() {
  const r = rules.find((x) => x.id === $('rule-select').value);
  if (r) $('rule-json').value = JSON.stringify(r, null, 1);
}
$('rule-select').addEventListener('change', showRule);
$('rule-save').addEventListener('click', async () => {
  try {
    const rule = JSON.parse($('rule-json').value);
    const r = await api('PUT', `/admin/rules/${encodeURIComponent(rule.id)}`, rule);
    $('rule-result').textContent = `saved as version ${r.version}`;
    await loadRules();
  } catch (err) {
    $('rule-result').textContent = 'not saved: ' + err.message;
  }
});

async function breakerAction(name, action) {
  await api('POST', `/admin/breakers/${encodeURIComponent(name)}`, { action });
}

function start() {
  $('login').hidden = true;
  $('main').hidden = false;
  plot = new uPlot({ width: 560, height: 220, series: [{}, { label: 'allowed', stroke: 'green' }, { label: 'denied', stroke: 'red' }, { label: 'shadow-denied', stroke: 'orange' }], axes: [{}, { label: 'req/s' }] }, data, $('chart'));
  loadRules().catch(() => {});
  const es = new EventSource('/dashboard/events');
  es.addEventListener('tick', (e) => render(JSON.parse(e.data)));
}

function render(t) {
  $('instance').textContent = t.instance;
  $('version').textContent = t.version;
  const redis = $('redis');
  redis.className = t.redis ? 'up' : 'down';
  redis.textContent = t.redis ? 'up' : 'DOWN — showing this instance only; limits follow each policy\'s fail mode';
  const tiers = {};
  let allowed = 0, denied = 0, shadow = 0;
  for (const [k, n] of Object.entries(t.counts)) {
    const [tier, outcome] = k.split('|');
    const row = (tiers[tier] ??= { allowed: 0, denied: 0, shadow: 0, other: 0 });
    if (outcome === 'allowed' || outcome === 'fail-open') { row.allowed += n; allowed += n; }
    else if (outcome === 'denied') { row.denied += n; denied += n; }
    else if (outcome === 'shadow') { row.shadow += n; shadow += n; }
    else row.other += n;
  }
  $('tiers').tBodies[0].innerHTML = Object.entries(tiers).map(([k, r]) => `<tr><td>${esc(k)}</td><td>${r.allowed}</td><td>${r.denied}</td><td>${r.shadow}</td><td>${r.other}</td></tr>`).join('');
  if (data[0].at(-1) !== t.second) {
    data[0].push(t.second); data[1].push(allowed); data[2].push(denied); data[3].push(shadow);
    if (data[0].length > N) data.forEach((s) => s.shift());
    plot.setData(data);
  }
  document.body.dataset.points = String(data[0].length);
  document.body.dataset.lastTotal = String(allowed + denied + shadow);
  $('breakers').tBodies[0].innerHTML = t.breakers.map((b) => `<tr data-breaker="${esc(b.name)}"><td>${esc(b.name)}</td><td class="${esc(b.state)} state">${esc(b.state)}${b.forced ? ' (forced)' : ''}${b.mode === 'local' ? ' · local' : ''}</td>
    <td><button data-name="${esc(b.name)}" data-action="force-open">force open</button> <button data-name="${esc(b.name)}" data-action="reset">reset</button></td></tr>`).join('');
  $('instances').tBodies[0].innerHTML = t.instances.map((i) => `<tr><td>${esc(i.id)}</td><td>version ${i.version}</td></tr>`).join('');
  $('top').tBodies[0].innerHTML = t.top.map((x) => `<tr><td>${esc(x.identity)}</td><td>${x.value}</td></tr>`).join('') || '<tr><td>–</td></tr>';
  $('near').tBodies[0].innerHTML = t.near.map((x) => `<tr><td>${esc(x.identity)}</td><td>${x.value}</td></tr>`).join('') || '<tr><td>–</td></tr>';
}
document.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (b) breakerAction(b.dataset.name, b.dataset.action).catch((err) => alert(err.message));
});
