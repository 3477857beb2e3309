-- Shared by every ACD script (prepended by acd/store_redis.py).  ARGV[1] is the key prefix.
-- Layout under the prefix P (see acd/store_redis.py): P:agent:<id>, P:call:<id> hashes,
-- P:agents / P:calls sets, P:deadlines zset, P:node:<n> presence keys, P:nodes set,
-- P:nodeagents:<n> sets, and the index sets of acd/indexes.py stored with their full keys.
-- Numbers are written with %.17g so that every double reads back bit-exact.
local P = ARGV[1]
local DEADLINES = P .. ':deadlines'

local function fmt(x)
  return string.format('%.17g', x)
end

local function nz(v)
  if v == nil or v == false or v == '' or v == cjson.null then
    return nil
  end
  return v
end

-- bytewise a < b: the order of ZSET members and of Python str for UTF-8 text
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function alive(node)
  return nz(node) ~= nil and redis.call('EXISTS', P .. ':node:' .. node) == 1
end

local function unindex_agent(id)
  local keys = redis.call('HGET', P .. ':agent:' .. id, 'keys')
  for _, key in ipairs(cjson.decode(keys)) do
    redis.call('ZREM', key, id)
  end
end

-- st: state, since, version, entry, reason, pending, idle, deadline, node (nil or cjson.null for none)
local function write_status(id, st)
  local akey = P .. ':agent:' .. id
  local old_node = nz(redis.call('HGET', akey, 'node'))
  local keys = cjson.decode(redis.call('HGET', akey, 'keys'))
  for _, key in ipairs(keys) do
    redis.call('ZREM', key, id)
  end
  if st.state == 'available' then
    local idle = fmt(nz(st.idle) or st.since)
    for _, key in ipairs(keys) do
      redis.call('ZADD', key, idle, id)
    end
  end
  local function opt(v)
    v = nz(v)
    if v == nil then return '' end
    if type(v) == 'number' then return fmt(v) end
    return v
  end
  redis.call('HSET', akey, 'state', st.state, 'since', fmt(st.since), 'version', string.format('%d', st.version),
    'entry', opt(st.entry), 'reason', opt(st.reason), 'pending', opt(st.pending), 'idle', opt(st.idle),
    'deadline', opt(st.deadline), 'node', opt(st.node))
  if nz(st.deadline) then
    redis.call('ZADD', DEADLINES, fmt(st.deadline), 'a:' .. id)
  else
    redis.call('ZREM', DEADLINES, 'a:' .. id)
  end
  local node = nz(st.node)
  local logged_in = st.state ~= 'logged_out'
  if old_node and (old_node ~= node or not logged_in) then
    redis.call('SREM', P .. ':nodeagents:' .. old_node, id)
  end
  if logged_in and node then
    redis.call('SADD', P .. ':nodeagents:' .. node, id)
    redis.call('SADD', P .. ':nodes', node)
  end
end

local function unindex_call(id)
  local f = redis.call('HMGET', P .. ':call:' .. id, 'key', 'line')
  if nz(f[1]) then
    redis.call('ZREM', f[1], id)
    redis.call('ZREM', f[2], id)
  end
  redis.call('ZREM', DEADLINES, 'c:' .. id)
end

-- the keep_free rule of acd/routing.py: an agent takes a call below its level only if enough
-- other agents of its level stay free
local function may_take(agent_level, call_level, keep_free)
  if agent_level <= call_level then
    return true
  end
  local free = redis.call('ZCARD', P .. ':free:' .. agent_level)
  return free - 1 >= (keep_free[tostring(agent_level)] or 0)
end

-- the waiting call an agent of agent_level would take (acd/routing.py choose_entry): the best head
-- of the queues it serves, qkeys (JSON [[level, key], ...], own level first); nil if none
local function best_entry(agent_level, qkeys, conserve, keep_free)
  local best_id, best_level, best_score
  for _, pair in ipairs(cjson.decode(qkeys)) do
    local level, key = pair[1], pair[2]
    -- when conserving, a level that offered a call ends the search
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
  return best_id
end

-- reserve agent aid for waiting call cid: the 'reserve' transition of acd/agent_state.py
local function reserve(cid, aid, now, ring_timeout)
  local akey = P .. ':agent:' .. aid
  local ckey = P .. ':call:' .. cid
  local a = redis.call('HMGET', akey, 'version', 'idle', 'node')
  local t = tonumber(now)
  write_status(aid, {
    state = 'reserved', since = t, version = tonumber(a[1]) + 1, entry = cid,
    idle = nz(a[2]) and tonumber(a[2]) or nil, deadline = t + tonumber(ring_timeout), node = a[3],
  })
  unindex_call(cid)
  local version = tonumber(redis.call('HGET', ckey, 'version')) + 1
  redis.call('HSET', ckey, 'phase', 'offered', 'version', string.format('%d', version), 'since', fmt(t),
    'agent', aid, 'deadline', '', 'key', '')
  local c = redis.call('HMGET', ckey, 'entry', 'version', 'score', 'since', 'step')
  local s = redis.call('HMGET', akey, 'profile', 'state', 'since', 'version', 'entry', 'reason', 'pending', 'idle',
    'deadline', 'node')
  return { c[1], c[2], c[3], c[4], c[5], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10] }
end
