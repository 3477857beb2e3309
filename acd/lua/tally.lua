-- Add one event's counts to the wallboards' counters, once per event key (acd/stats.py TallyStep).
-- ARGV[2] event key, ARGV[3] JSON [group, ...], ARGV[4] JSON {counter: increment},
-- ARGV[5] handle-time sample or '', ARGV[6] samples kept per group, ARGV[7] seconds a key is remembered,
-- ARGV[8] the local day of the counts ('' without a time zone), ARGV[9] seconds a day's counters are kept.
-- Layout: P:tally:day:<day> hash '<group>|<counter>' -> number (expires ARGV[9] after its last
-- count); P:tally:handle:<group> list, newest first, whatever the day;
-- P:tally:groups set; P:tally:seen:<event key> marks a step already added.  Returns 1, or 0 when seen.
if not redis.call('SET', P .. ':tally:seen:' .. ARGV[2], '1', 'NX', 'EX', ARGV[7]) then
  return 0
end
local groups = cjson.decode(ARGV[3])
local counts = cjson.decode(ARGV[4])
local sample = nz(ARGV[5])
local keep = tonumber(ARGV[6])
local day_key = P .. ':tally:day:' .. ARGV[8]
for _, group in ipairs(groups) do
  redis.call('SADD', P .. ':tally:groups', group)
  for counter, increment in pairs(counts) do
    redis.call('HINCRBYFLOAT', day_key, group .. '|' .. counter, fmt(increment))
  end
  if sample then
    redis.call('LPUSH', P .. ':tally:handle:' .. group, sample)
    redis.call('LTRIM', P .. ':tally:handle:' .. group, 0, keep - 1)
  end
end
if ARGV[8] ~= '' then
  redis.call('EXPIRE', day_key, ARGV[9])
end
return 1
