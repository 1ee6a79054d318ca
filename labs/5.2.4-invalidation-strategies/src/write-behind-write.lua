-- Write-behind's write, atomic: merge the patch into the cached product, bump its version, store it and
-- queue the whole new row. Two writers can no longer read the same entry and each store their own merge.
-- KEYS[1] the product's entry, KEYS[2] the queue stream (one hash tag: same slot).
-- ARGV[1] patch JSON; ARGV[2] the entry to start from if KEYS[1] is missing ('' = none yet);
-- ARGV[3] clock ms for the entry's stamp; ARGV[4] PX ms; ARGV[5] most entries the stream may hold;
-- ARGV[6] product id.
-- Returns 'ok', 'miss' (no entry and no base: load the row and call again) or 'full' (nothing written).
local entry
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and type(decoded.v) == 'table' then entry = decoded end
end
if not entry then
  if ARGV[2] == '' then return 'miss' end
  entry = cjson.decode(ARGV[2])
end
if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[5]) then return 'full' end
for field, value in pairs(cjson.decode(ARGV[1])) do entry.v[field] = value end
entry.v.version = tonumber(entry.v.version) + 1
entry.at = tonumber(ARGV[3])
redis.call('SET', KEYS[1], cjson.encode(entry), 'PX', ARGV[4])
redis.call('XADD', KEYS[2], '*', 'productId', ARGV[6], 'version', entry.v.version, 'row', cjson.encode(entry.v))
return 'ok'
