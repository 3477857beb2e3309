-- Reserve one available agent for the best waiting call it may take (acd/routing.py choose_entry).
-- ARGV[2] agent id, ARGV[3] now, ARGV[4] ring timeout (s), ARGV[5] '1' to conserve higher levels,
-- ARGV[6] JSON {"<level>": keep_free}.  Returns the reservation (see common.lua reserve) or nil.
local aid, now, ring = ARGV[2], ARGV[3], ARGV[4]
local conserve = ARGV[5] == '1'
local keep_free = cjson.decode(ARGV[6])

local a = redis.call('HMGET', P .. ':agent:' .. aid, 'state', 'node', 'level', 'qkeys')
if a[1] ~= 'available' or not alive(a[2]) then
  return nil
end
local agent_level = tonumber(a[3])

local best_id = best_entry(agent_level, a[4], conserve, keep_free)
if best_id == nil then
  return nil
end
return reserve(best_id, aid, now, ring)
