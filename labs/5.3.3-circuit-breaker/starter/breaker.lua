-- Starter: exercises 1 and 2 — the admit and record ops are yours to write; the other ops are given.
-- The whole shared breaker in one script, so every read-decide-write is atomic across processes.
-- KEYS[1] state hash   KEYS[2] rolling window hash   (both under the breaker's {name} hash tag)
-- ARGV[1]  op: read | admit | record | trip | force-open | force-close | reset
-- ARGV[2]  now (ms) from the caller's injectable clock      ARGV[3] breaker name
-- ARGV[4]  pub/sub channel for transitions                  ARGV[5] id of the calling instance
-- ARGV[6]  bucket size (ms)   ARGV[7] buckets in the window   ARGV[8] minimum volume
-- ARGV[9]  failure threshold (0..1)   ARGV[10] cool-down (ms)   ARGV[11] probes admitted in half-open
-- ARGV[12] probe timeout (ms)
-- ARGV[13] op text: record → 'ok' | 'fail'; trip / force-* / reset → the reason
-- ARGV[14] op number: record → the half-open version a probe was admitted in (0: not a probe);
--          trip → openUntil (0: now + cool-down)
-- Returns { decision, state, version, openUntil, forced, since, reason, from } where from ~= '' means
-- this call made a transition (and published it).
local stateKey, windowKey = KEYS[1], KEYS[2]
local op, now, name, channel, by = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local bucketMs, buckets, minVolume = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local threshold, coolDownMs, probes, probeTimeoutMs = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local text, num = ARGV[13], tonumber(ARGV[14]) or 0

local s = redis.call('HMGET', stateKey, 'state', 'version', 'openUntil', 'probes', 'probeOk', 'forced', 'since', 'reason')
local state = s[1] or 'closed'
local version = tonumber(s[2]) or 0
local openUntil = tonumber(s[3]) or 0
local admitted = tonumber(s[4]) or 0
local forced = s[6] or ''
local since = tonumber(s[7]) or 0
local reason = s[8] or ''
local from, decision = '', ''

-- One transition: new state, new version, a fresh window, and the broadcast — all in this script.
local function move(to, why, untilMs, forcedMode)
  from = state
  state, reason, since, openUntil, forced = to, why, now, untilMs, forcedMode
  version = version + 1
  redis.call('HSET', stateKey, 'state', state, 'version', version, 'openUntil', openUntil, 'probes', 0,
    'probeOk', 0, 'forced', forced, 'since', since, 'reason', reason)
  redis.call('DEL', windowKey)
  redis.call('PUBLISH', channel, cjson.encode({ name = name, from = from, to = to, reason = why,
    version = version, at = now, openUntil = openUntil, forced = forced, by = by }))
end

local function pct(x) return math.floor(x * 100 + 0.5) end

if op == 'admit' then
  -- Exercise 2 (to write): an open breaker whose cool-down has elapsed (and is not forced) moves to
  -- half-open; closed allows; half-open admits exactly `probes` calls in all (HINCRBY 'probes' here, in
  -- the script, so processes cannot over-admit) and rejects the rest; half-open whose probes did not
  -- report within probeTimeoutMs goes back to open. Set `decision` to 'allow' | 'probe' | 'reject'.
  return redis.error_reply('not implemented: exercise 2 — breaker.lua admit op (cool-down, exactly N half-open probes)')
elseif op == 'record' then
  -- Exercise 1 (to write): closed → count the outcome in the bucket math.floor(now / bucketMs) of the
  -- window hash (field '<bucket>:ok' or '<bucket>:fail', PEXPIRE bucketMs * (buckets + 1)), drop buckets
  -- that slid out, and open when total >= minVolume and failures >= threshold * total (not when forced).
  -- half-open → only a probe of this period counts (num == version): a failure re-opens, `probes`
  -- successes (HINCRBY 'probeOk') close. open → a late result changes nothing.
  return redis.error_reply('not implemented: exercise 1 — breaker.lua record op (rolling window, open / close transitions)')
elseif op == 'trip' then
  if state == 'closed' and forced == '' then
    move('open', text, num > 0 and num or now + coolDownMs, '')
  end
elseif op == 'force-open' then
  move('open', text, 0, 'open')
elseif op == 'force-close' then
  move('closed', text, 0, 'closed')
elseif op == 'reset' then
  move('closed', text, 0, '')
end

return { decision, state, version, openUntil, forced, since, reason, from }
