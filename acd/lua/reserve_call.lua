-- Reserve the best available agent for one waiting call (acd/routing.py choose_agent), atomically,
-- for the best call that agent may take (choose_entry): this call, or a better-placed one.
-- ARGV[2] call id, ARGV[3] now, ARGV[4] ring timeout (s), ARGV[5] '1' to conserve higher levels,
-- ARGV[6] JSON {"<level>": keep_free}.  Returns the reservation (see common.lua reserve) or nil.
local cid, now, ring = ARGV[2], ARGV[3], ARGV[4]
local conserve = ARGV[5] == '1'
local keep_free = cjson.decode(ARGV[6])

local c = redis.call('HMGET', P .. ':call:' .. cid, 'phase', 'level', 'cand')
if c[1] ~= 'waiting' then
  return nil
end
local call_level = tonumber(c[2])

-- head of an agent set, dropping agents whose node died (the reaper logs them out)
local function live_head(key)
  while true do
    local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if not head[1] then
      return nil
    end
    if alive(redis.call('HGET', P .. ':agent:' .. head[1], 'node')) then
      return head
    end
    unindex_agent(head[1])
  end
end

local best_id, best_level, best_idle
for _, pair in ipairs(cjson.decode(c[3])) do
  local level, key = pair[1], pair[2]
  local head = live_head(key)
  if head and may_take(level, call_level, keep_free) then
    local idle = tonumber(head[2])
    local better
    if best_id == nil then
      better = true
    elseif conserve and level ~= best_level then
      better = level < best_level
    elseif idle ~= best_idle then
      better = idle < best_idle
    else
      better = before(head[1], best_id)
    end
    if better then
      best_id, best_level, best_idle = head[1], level, idle
    end
  end
end
if best_id == nil then
  return nil
end
-- the agent takes the best call it may take: this one, unless a better-placed one waits for it
-- (the agent has just become available and its own decision has not run yet)
local ag = redis.call('HMGET', P .. ':agent:' .. best_id, 'level', 'qkeys')
local entry = best_entry(tonumber(ag[1]), ag[2], conserve, keep_free) or cid
return reserve(entry, best_id, now, ring)
