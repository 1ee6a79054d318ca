-- Removes the members whose last heartbeat is at or before the cutoff and returns them, in one step:
-- when several servers sweep the same room at once, each expired user is handed to exactly one of them,
-- so exactly one "leave" event is published, and a heartbeat cannot slip in between the read and the ZREM.
-- ZREM takes the members in batches: unpack() of more than a few thousand values fails ("too many
-- results to unpack"), which would make the room's sweep fail forever once that many had expired.
-- KEYS[1] the room's presence sorted set (member = user, score = last heartbeat, ms)
-- ARGV[1] the cutoff: now - ttl
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local batch = 1000
for i = 1, #expired, batch do
  redis.call('ZREM', KEYS[1], unpack(expired, i, math.min(i + batch - 1, #expired)))
end
return expired
