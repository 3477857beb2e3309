-- Drop a dead node from P:nodes once none of its agents is logged in.  ARGV[2]: node.
local node = ARGV[2]
if redis.call('SCARD', P .. ':nodeagents:' .. node) == 0 then
  redis.call('SREM', P .. ':nodes', node)
  redis.call('DEL', P .. ':nodeagents:' .. node)
  return 1
end
return 0
