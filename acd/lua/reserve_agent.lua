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

local best_id, best_level, best_score
-- the keys come own level first: when conserving, a level that offered a call ends the search
for _, pair in ipairs(cjson.decode(a[4])) do
  local level, key = pair[1], pair[2]
  if conserve and best_id ~= nil and level < best_level then
    break
  end
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if head[1] and may_take(agent_level, level, keep_free) then
    local score = tonumber(head[2])
    local better
    if best_id == nil then
      better = true
    elseif conserve and level ~= best_level then
      better = level > best_level
    elseif score ~= best_score then
      better = score < best_score
    else
      better = before(head[1], best_id)
    end
    if better then
      best_id, best_level, best_score = head[1], level, score
    end
  end
end
if best_id == nil then
  return nil
end
return reserve(best_id, aid, now, ring)
