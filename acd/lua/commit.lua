-- Apply a Change (acd/store.py) atomically: check every expected version, then write all or nothing.
-- ARGV[2]: JSON {"agents": [{"id", "expect", "status": {...}}],
--                "calls": [{"op": "del", "id", "expect"} |
--                          {"op": "put", "id", "expect" (null: must not exist), "entry", "phase", "score",
--                           "since", "step", "agent", "deadline", "key", "line", "level", "cand",
--                           "at_head", "epsilon"}]}
-- Returns 1 when applied, 0 when a version did not match (nothing written).
local change = cjson.decode(ARGV[2])

for _, w in ipairs(change.agents) do
  local v = redis.call('HGET', P .. ':agent:' .. w.id, 'version')
  if not v or tonumber(v) ~= w.expect then
    return 0
  end
end
for _, c in ipairs(change.calls) do
  local v = redis.call('HGET', P .. ':call:' .. c.id, 'version')
  if nz(c.expect) == nil then
    if v then
      return 0
    end
  elseif not v or tonumber(v) ~= c.expect then
    return 0
  end
end

for _, w in ipairs(change.agents) do
  write_status(w.id, w.status)
end
for _, c in ipairs(change.calls) do
  local ckey = P .. ':call:' .. c.id
  unindex_call(c.id)
  if c.op == 'del' then
    redis.call('DEL', ckey)
    redis.call('SREM', P .. ':calls', c.id)
  else
    local score = c.score
    local key = ''
    if c.phase == 'waiting' then
      if c.at_head then
        local head = redis.call('ZRANGE', c.line, 0, 0, 'WITHSCORES')
        if head[1] and not (score < tonumber(head[2])) then
          score = tonumber(head[2]) - c.epsilon
        end
      end
      key = c.key
      redis.call('ZADD', key, fmt(score), c.id)
      redis.call('ZADD', c.line, fmt(score), c.id)
      if nz(c.deadline) then
        redis.call('ZADD', DEADLINES, fmt(c.deadline), 'c:' .. c.id)
      end
    end
    redis.call('HSET', ckey, 'entry', c.entry, 'phase', c.phase,
      'version', string.format('%d', (nz(c.expect) or 0) + 1), 'score', fmt(score), 'since', fmt(c.since),
      'step', string.format('%d', c.step), 'agent', nz(c.agent) or '',
      'deadline', nz(c.deadline) and fmt(c.deadline) or '', 'key', key, 'line', c.line,
      'level', string.format('%d', c.level), 'cand', c.cand)
    redis.call('SADD', P .. ':calls', c.id)
  end
end
return 1
