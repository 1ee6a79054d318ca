-- Adds a data key to a tag's set and makes the set live at least as long as the entry.
-- KEYS[1] = tag set; ARGV[1] = data key (a member, not accessed as a key); ARGV[2] = entry lifetime (ms)
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
-- PTTL is -1 for a set just created: always set it then; otherwise only extend, never shorten.
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
