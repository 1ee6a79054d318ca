-- The whole shared breaker in one script, so every read-decide-write is atomic across processes.
-- KEYS[1] state hash   KEYS[2] rolling window hash   (both under the breaker's {name} hash tag)
-- ARGV[1]  op: read | admit | record | trip | force-open | force-close | reset
-- ARGV[2]  now (ms) from the caller's clock, or '' to use Redis TIME (what production does: one
--          clock for every process, so a skewed host cannot move windows or cool-downs)
--                                                            ARGV[3] breaker name
-- ARGV[4]  pub/sub channel for transitions                  ARGV[5] id of the calling instance
-- ARGV[6]  bucket size (ms)   ARGV[7] buckets in the window   ARGV[8] minimum volume
-- ARGV[9]  failure threshold (0..1)   ARGV[10] cool-down (ms)   ARGV[11] probes admitted in half-open
-- ARGV[12] probe timeout (ms)
-- ARGV[13] op text: record → 'ok' | 'fail'; trip / force-* / reset → the reason
-- ARGV[14] op number: record → the half-open version a probe was admitted in (0: not a probe);
--          trip → openUntil (0: now + cool-down)
-- ARGV[15] deadline (ms, the script's clock) after which the caller has given up on this call, or ''
-- Returns { decision, state, version, openUntil, forced, since, reason, from, now } where from ~= ''
-- means this call made a transition (and published it), and now is the clock the script used.
local stateKey, windowKey = KEYS[1], KEYS[2]
local op, now, name, channel, by = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
if not now then
  -- Redis 7 replicates a script's effects, not the script, so reading TIME here is allowed.
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
end
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

-- A call that reaches Redis after its caller gave up (it sat in a frozen server's socket) changes
-- nothing: a late admit would hold a half-open probe slot that nobody will ever report on.
local deadline = tonumber(ARGV[15])
if deadline and now > deadline then op = 'read' end

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
  if state == 'open' and forced == '' and now >= openUntil then
    move('half-open', 'cool-down of ' .. coolDownMs .. ' ms elapsed', 0, '')
  end
  if state == 'closed' then
    decision = 'allow'
  elseif state == 'half-open' and admitted < probes then
    -- The atomic admission: HINCRBY inside the script, so N probes in all, however many processes ask.
    redis.call('HINCRBY', stateKey, 'probes', 1)
    decision = 'probe'
  elseif state == 'half-open' and now - since >= probeTimeoutMs then
    -- Probes that never report (their process died) must not keep the breaker half-open forever.
    move('open', 'probes did not report within ' .. probeTimeoutMs .. ' ms', now + coolDownMs, '')
    decision = 'reject'
  else
    decision = 'reject'
  end
elseif op == 'record' then
  if state == 'half-open' then
    -- Only a probe of *this* half-open period counts; a late call from an older period is ignored.
    if num == version then
      if text ~= 'ok' then
        move('open', 'a half-open probe failed', now + coolDownMs, '')
      elseif redis.call('HINCRBY', stateKey, 'probeOk', 1) >= probes then
        move('closed', probes .. ' half-open probes succeeded', 0, '')
      end
    end
  elseif state == 'closed' then
    local bucket = math.floor(now / bucketMs)
    redis.call('HINCRBY', windowKey, bucket .. ':' .. text, 1)
    redis.call('PEXPIRE', windowKey, bucketMs * (buckets + 1))
    -- Sum the buckets still inside the window; drop the ones that slid out of it.
    local total, failures = 0, 0
    local fields = redis.call('HGETALL', windowKey)
    for i = 1, #fields, 2 do
      local b, kind = string.match(fields[i], '^(%d+):(%a+)$')
      if tonumber(b) <= bucket - buckets then
        redis.call('HDEL', windowKey, fields[i])
      else
        local n = tonumber(fields[i + 1])
        total = total + n
        if kind ~= 'ok' then failures = failures + n end
      end
    end
    if forced == '' and total >= minVolume and failures >= threshold * total then
      move('open', 'failure rate ' .. pct(failures / total) .. '% (' .. failures .. ' of ' .. total ..
        ' calls) reached ' .. pct(threshold) .. '%', now + coolDownMs, '')
    end
  end
  -- open: a call admitted before the breaker opened finished late; it changes nothing.
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

return { decision, state, version, openUntil, forced, since, reason, from, now }
