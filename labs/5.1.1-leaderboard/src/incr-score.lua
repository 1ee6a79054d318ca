-- Atomically adds a delta to a member's score (ZINCRBY semantics) and publishes the change.
-- With first-reached ties a plain ZINCRBY would keep the old timestamp, so the script decodes,
-- adds, and re-stamps with a fresh sequence number in one step. A change is published; adding 0 to
-- a member already on the board is no change.
-- KEYS[1] sorted set  KEYS[2] sequence counter
-- ARGV[1] member  ARGV[2] delta  ARGV[3] 'first-reached' | 'lexical'  ARGV[4] channel ('' = none)
-- ARGV[5] largest allowed |score|
-- Returns { new score (string), rank (1-based) }
local SEQ_SPACE = 134217728
local member, delta, ties, channel, maxScore = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])

local now
local changed = true
if ties == 'first-reached' then
  local cur = redis.call('ZSCORE', KEYS[1], member)
  now = (cur and math.floor(tonumber(cur) / SEQ_SPACE) or 0) + delta
  if math.abs(now) > maxScore then
    return redis.error_reply('ERR score would leave the encodable range ±' .. maxScore)
  end
  if cur and delta == 0 then
    -- Adding nothing is not reaching the score again: keep the stamp (and the place among ties).
    changed = false
  else
    local seq = redis.call('INCR', KEYS[2])
    if seq >= SEQ_SPACE then return redis.error_reply('ERR tie-break sequence exhausted for this board') end
    redis.call('ZADD', KEYS[1], now * SEQ_SPACE + (SEQ_SPACE - 1 - seq), member)
  end
else
  changed = delta ~= 0 or redis.call('ZSCORE', KEYS[1], member) == false
  now = redis.call('ZINCRBY', KEYS[1], ARGV[2], member)
end

local rank = redis.call('ZREVRANK', KEYS[1], member) + 1
if changed and channel ~= '' then
  redis.call('PUBLISH', channel, cjson.encode({ type = 'score', member = member, score = tonumber(now), rank = rank }))
end
return { tostring(now), rank }
