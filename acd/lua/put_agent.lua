-- Add or update an agent's profile; a new agent starts logged out, an available one is re-indexed
-- under its new keys.  ARGV[2] id, ARGV[3] profile JSON, ARGV[4] index keys JSON,
-- ARGV[5] queue keys JSON, ARGV[6] level, ARGV[7] now.
local id = ARGV[2]
local akey = P .. ':agent:' .. id
if redis.call('EXISTS', akey) == 1 then
  unindex_agent(id)
  redis.call('HSET', akey, 'profile', ARGV[3], 'keys', ARGV[4], 'qkeys', ARGV[5], 'level', ARGV[6])
  local st = redis.call('HMGET', akey, 'state', 'idle', 'since')
  if st[1] == 'available' then
    local idle = nz(st[2]) or st[3]
    for _, key in ipairs(cjson.decode(ARGV[4])) do
      redis.call('ZADD', key, idle, id)
    end
  end
  return 0
end
redis.call('HSET', akey, 'profile', ARGV[3], 'keys', ARGV[4], 'qkeys', ARGV[5], 'level', ARGV[6],
  'state', 'logged_out', 'since', ARGV[7], 'version', '0')
redis.call('SADD', P .. ':agents', id)
return 1
