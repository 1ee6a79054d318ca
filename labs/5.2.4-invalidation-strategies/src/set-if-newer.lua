-- Write-through's SET, refusing to replace a newer product version with an older one: two writers can
-- finish their database commits in one order and their cache SETs in the other.
-- KEYS[1] entry key; ARGV[1] encoded entry; ARGV[2] its product version; ARGV[3] PX milliseconds.
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded.v and tonumber(decoded.v.version) and tonumber(decoded.v.version) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
