-- Remove a logged-out agent (retired): its profile, status and index entries.  ARGV[2] id.
-- Returns 1 when removed, 0 when there is no such agent, -1 when it is not logged out.
local id = ARGV[2]
local akey = P .. ':agent:' .. id
if redis.call('EXISTS', akey) == 0 then
  return 0
end
if redis.call('HGET', akey, 'state') ~= 'logged_out' then
  return -1
end
unindex_agent(id)
redis.call('ZREM', DEADLINES, 'a:' .. id)
redis.call('DEL', akey)
redis.call('SREM', P .. ':agents', id)
return 1
