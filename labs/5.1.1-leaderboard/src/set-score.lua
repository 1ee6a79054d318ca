-- Sets a member's score, optionally only when higher (GT) or lower (LT), and publishes the change.
-- KEYS[1] the board's sorted set   KEYS[2] its sequence counter (same {hash tag}: same cluster slot)
-- ARGV[1] member  ARGV[2] score  ARGV[3] '' | 'GT' | 'LT'  ARGV[4] 'first-reached' | 'lexical'
-- ARGV[5] channel to publish on ('' = none)
-- Returns { changed (0/1), the member's real score now (as a string, exact), rank (1-based) }
local SEQ_SPACE = 134217728 -- 2^27, see score-encoding.ts
local member, score, mode, ties, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]

local changed = 0
local now
if ties == 'first-reached' then
  local cur = redis.call('ZSCORE', KEYS[1], member)
  local curScore = cur and math.floor(tonumber(cur) / SEQ_SPACE)
  -- Same score again keeps the old timestamp: the member reached it back then.
  local skip = cur and (score == curScore or (mode == 'GT' and score < curScore) or (mode == 'LT' and score > curScore))
  if skip then
    now = curScore
  else
    local seq = redis.call('INCR', KEYS[2])
    if seq >= SEQ_SPACE then return redis.error_reply('ERR tie-break sequence exhausted for this board') end
    redis.call('ZADD', KEYS[1], score * SEQ_SPACE + (SEQ_SPACE - 1 - seq), member)
    changed, now = 1, score
  end
else
  -- Lexical ties: ZADD's own GT/LT flags do exactly what we need (CH counts updates, not just adds).
  if mode == '' then
    changed = redis.call('ZADD', KEYS[1], 'CH', score, member)
  else
    changed = redis.call('ZADD', KEYS[1], mode, 'CH', score, member)
  end
  now = redis.call('ZSCORE', KEYS[1], member)
end

local rank = redis.call('ZREVRANK', KEYS[1], member) + 1
if changed == 1 and channel ~= '' then
  redis.call('PUBLISH', channel, cjson.encode({ type = 'score', member = member, score = tonumber(now), rank = rank }))
end
return { changed, tostring(now), rank }
