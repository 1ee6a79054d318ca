-- One score submission, atomically: the daily, weekly and all-time boards keep each player's best
-- score of the period (ZADD GT), the period keys get their expiry, the player's stats and capped history
-- are updated, and every board whose top N changed publishes its new top N. Nothing can run between
-- these steps, so a reader never sees one board updated without the others, and events leave in the
-- order the writes happened.
--
-- KEYS[1] daily board   KEYS[2] weekly board   KEYS[3] all-time board
-- KEYS[4] player stats hash   KEYS[5] player history list
-- ARGV[1] player   ARGV[2] score   ARGV[3] now (ms)
-- ARGV[4] daily expire-at (ms)   ARGV[5] weekly expire-at (ms)   ARGV[6] history cap
-- ARGV[7] top N for events   ARGV[8] event channel   ARGV[9] game
-- ARGV[10] daily period   ARGV[11] weekly period   ARGV[12] all-time period
-- Returns { best, rank0, changed } per board (daily, weekly, all-time), then games played, best ever.
local player, score = ARGV[1], tonumber(ARGV[2])
local topN = tonumber(ARGV[7])
local names = { 'daily', 'weekly', 'alltime' }
local reply, ranks = {}, {}

for i = 1, 3 do
  local changed = redis.call('ZADD', KEYS[i], 'GT', 'CH', ARGV[2], player)
  if i <= 2 then redis.call('PEXPIREAT', KEYS[i], ARGV[3 + i]) end
  local rank = redis.call('ZREVRANK', KEYS[i], player)
  local best = redis.call('ZSCORE', KEYS[i], player)
  ranks[names[i]] = rank + 1
  reply[#reply + 1] = best
  reply[#reply + 1] = rank
  reply[#reply + 1] = changed
  if changed == 1 and rank < topN then
    local flat = redis.call('ZREVRANGE', KEYS[i], 0, topN - 1, 'WITHSCORES')
    local top = {}
    for j = 1, #flat, 2 do
      top[#top + 1] = { rank = (j + 1) / 2, player = flat[j], score = tonumber(flat[j + 1]) }
    end
    redis.call('PUBLISH', ARGV[8], cjson.encode({
      type = 'top', game = ARGV[9], board = names[i], period = ARGV[9 + i],
      player = player, score = tonumber(best), rank = rank + 1, top = top,
    }))
  end
end

local games = redis.call('HINCRBY', KEYS[4], 'games', 1)
local best = tonumber(redis.call('HGET', KEYS[4], 'best'))
if best == nil or score > best then
  best = score
  redis.call('HSET', KEYS[4], 'best', ARGV[2])
end
redis.call('HSET', KEYS[4], 'last', ARGV[2], 'lastAt', ARGV[3])

redis.call('LPUSH', KEYS[5], cjson.encode({ score = score, at = tonumber(ARGV[3]), ranks = ranks }))
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[6]) - 1)

reply[#reply + 1] = games
reply[#reply + 1] = redis.call('HGET', KEYS[4], 'best')
return reply
