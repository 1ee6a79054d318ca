-- SWR's background refresh stores its row only if the stale copy it set out to replace is still there.
-- If a write invalidated the entry meanwhile (the key is gone, or holds a newer copy), the row this
-- refresh loaded may be older than that write: storing it would bring the stale value back.
-- KEYS[1] entry key; ARGV[1] the stale copy's `at`; ARGV[2] the new encoded entry; ARGV[3] PX ms.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, decoded = pcall(cjson.decode, current)
if not ok or decoded.at ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
