/**
 * The Lua script of the Redis counter store. It runs atomically on the Redis server, so every
 * replica sees one order of admissions and settles. One call carries a batch of operations, run
 * in the order given: settles (and forgets) a replica held back for a few milliseconds, then at
 * most one admission. `admit` mirrors `decideBudget` and the in-memory store line for line (same
 * doubles, same comparisons); `settle` ends a reservation.
 *
 * Per scope with a budget, a hash: `w` the window its spend belongs to, `s` the spend, `r` the
 * total reserved, `n` how many reservations, `q:<id>` each reservation; and a sorted set of the
 * reservations' lease ends, so the reservations of a replica that died expire. Per scope with
 * rate limits: request and token counters per fixed window, and a sorted set of in-flight
 * requests by lease end.
 *
 * Numbers go back to JavaScript as `%.17g` strings: Redis would truncate Lua numbers to integers.
 *
 * Layout. ARGV[1] names the operations, one letter each: `s` settle, `f` forget, `a` admit (e.g.
 * `ssa`). ARGV[2] holds the arguments of all of them, in order, each separated by one space (none
 * contains a space or is empty): one string instead of ~15 arguments per operation, which the
 * client library would flatten, stringify and measure one by one (~12 µs for a call of two
 * operations, ~5 µs joined). Each operation then takes its keys from KEYS and its arguments from
 * that list (ARGV below), in that order:
 *
 * - admit. KEYS: per budget line its hash and lease set; per rate line its request counter, token
 *   counter and in-flight set. ARGV: id, now, lease ms, input cost, output cost per token, max
 *   tokens, budget lines, rate lines, rate key ttl ms; per budget line: window, max, initial
 *   spend, exceeded-at-equal (1/0), hash ttl ms; per rate line: rpm, tpm, parallel (-1: none).
 *   Answers {1, maxTokens, cost, requests, tokens, ..., spent per budget line} | {2, line, spent}
 *   | {3, line, type} | {4, line, spent} (wait).
 * - settle. KEYS: per budget line its hash and lease set; per rate line its token counter (window
 *   of now) and in-flight set. ARGV: id, cost, tokens, budget lines, rate lines, rate key ttl ms;
 *   per budget line: window now, held (1/0), hash ttl ms; per rate line: has tpm (1/0), has
 *   parallel (1/0). Answers 1.
 * - forget. KEYS: the budget hash. No ARGV. Answers 1.
 *
 * The reply holds one answer per operation, in order.
 */

const HELPERS = `
local A = {}
for value in string.gmatch(ARGV[2] or '', '[^ ]+') do A[#A + 1] = value end
local function release(hash, id)
  local amount = redis.call('HGET', hash, 'q:' .. id)
  if not amount then return end
  redis.call('HDEL', hash, 'q:' .. id)
  local left = redis.call('HINCRBY', hash, 'n', -1)
  if left <= 0 then
    redis.call('HSET', hash, 'r', '0', 'n', '0')
  else
    redis.call('HINCRBYFLOAT', hash, 'r', -tonumber(amount))
  end
end
local function fmt(x) return string.format('%.17g', x) end
`;

/** `admit(k, a)`: the admission whose keys follow KEYS[k] and whose arguments start at A[a]. */
const ADMIT = `
local function admit(k, a)
  local id = A[a]
  local now = tonumber(A[a + 1])
  local leaseMs = tonumber(A[a + 2])
  local inputCost = tonumber(A[a + 3])
  local outCost = tonumber(A[a + 4])
  local maxTokens = tonumber(A[a + 5])
  local nb = tonumber(A[a + 6])
  local nr = tonumber(A[a + 7])
  local rateTtl = tonumber(A[a + 8])
  local c = a + 9
  local spent, reserved, maxes, atEqual, keep = {}, {}, {}, {}, {}
  for i = 1, nb do
    local hash, leases = KEYS[k + 2 * i - 1], KEYS[k + 2 * i]
    local window = A[c]
    maxes[i] = tonumber(A[c + 1])
    local initial = A[c + 2]
    atEqual[i] = A[c + 3] == '1'
    keep[i] = tonumber(A[c + 4])
    c = c + 5
    for _, dead in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do
      release(hash, dead)
      redis.call('ZREM', leases, dead)
    end
    local held = redis.call('HMGET', hash, 'w', 's', 'r')
    if held[1] ~= window then
      redis.call('HSET', hash, 'w', window, 's', initial)
      held[2] = initial
    end
    spent[i] = tonumber(held[2])
    reserved[i] = tonumber(held[3] or '0')
  end

  local worst = inputCost + maxTokens * outCost
  local tokens, cost, waitLine = maxTokens, worst, 0
  if nb > 0 then
    local minimum = inputCost + outCost
    local poorest, poorestLine = math.huge, 1
    for i = 1, nb do
      local available = maxes[i] - spent[i] - reserved[i]
      if available < poorest then poorest, poorestLine = available, i end
    end
    if poorest >= worst then
      tokens, cost = maxTokens, worst
    elseif poorest >= minimum and outCost > 0 then
      tokens = math.floor((poorest - inputCost) / outCost)
      while tokens > 1 and inputCost + tokens * outCost > poorest do tokens = tokens - 1 end
      cost = inputCost + tokens * outCost
    else
      for i = 1, nb do
        local over
        if atEqual[i] then over = spent[i] >= maxes[i] else over = spent[i] > maxes[i] end
        if over or maxes[i] - spent[i] < minimum then return {2, i - 1, fmt(spent[i])} end
      end
      waitLine = poorestLine
    end
  end

  local base = k + 2 * nb
  local rpm, tpm, par, used = {}, {}, {}, {}
  for j = 1, nr do
    local requests, tokensKey, inflight = KEYS[base + 3 * j - 2], KEYS[base + 3 * j - 1], KEYS[base + 3 * j]
    rpm[j], tpm[j], par[j] = tonumber(A[c]), tonumber(A[c + 1]), tonumber(A[c + 2])
    c = c + 3
    local r = tonumber(redis.call('GET', requests) or '0')
    local t = tonumber(redis.call('GET', tokensKey) or '0')
    if rpm[j] >= 0 and r >= rpm[j] then return {3, j - 1, 1} end
    if tpm[j] >= 0 and t >= tpm[j] then return {3, j - 1, 2} end
    if par[j] >= 0 then
      redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
      if redis.call('ZCARD', inflight) >= par[j] then return {3, j - 1, 3} end
    end
    used[j] = {r, t}
  end
  if waitLine > 0 then return {4, waitLine - 1, fmt(spent[waitLine])} end

  if nb == 0 then cost = 0 end
  for i = 1, nb do
    local hash, leases = KEYS[k + 2 * i - 1], KEYS[k + 2 * i]
    redis.call('HSET', hash, 'q:' .. id, fmt(cost))
    redis.call('HINCRBY', hash, 'n', 1)
    redis.call('HINCRBYFLOAT', hash, 'r', cost)
    redis.call('PEXPIRE', hash, keep[i])
    redis.call('ZADD', leases, now + leaseMs, id)
    redis.call('PEXPIRE', leases, keep[i])
  end
  local reply = {1, tokens, fmt(cost)}
  for j = 1, nr do
    local requests, inflight = KEYS[base + 3 * j - 2], KEYS[base + 3 * j]
    if rpm[j] >= 0 then
      used[j][1] = redis.call('INCR', requests)
      redis.call('PEXPIRE', requests, rateTtl)
    end
    if par[j] >= 0 then
      redis.call('ZADD', inflight, now + leaseMs, id)
      redis.call('PEXPIRE', inflight, leaseMs)
    end
    reply[#reply + 1] = used[j][1]
    reply[#reply + 1] = used[j][2]
  end
  for i = 1, nb do reply[#reply + 1] = fmt(spent[i]) end
  return reply
end
`;

/** `settle(k, a)`: the settle whose keys follow KEYS[k] and whose arguments start at A[a]. */
const SETTLE = `
local function settle(k, a)
  local id = A[a]
  local cost = tonumber(A[a + 1])
  local tokens = math.floor(tonumber(A[a + 2]))
  local nb = tonumber(A[a + 3])
  local nr = tonumber(A[a + 4])
  local rateTtl = tonumber(A[a + 5])
  local c = a + 6
  for i = 1, nb do
    local hash, leases = KEYS[k + 2 * i - 1], KEYS[k + 2 * i]
    local window, held, keep = A[c], A[c + 1] == '1', tonumber(A[c + 2])
    c = c + 3
    if held then
      release(hash, id)
      redis.call('ZREM', leases, id)
    end
    local current = redis.call('HGET', hash, 'w')
    if current == window then
      redis.call('HINCRBYFLOAT', hash, 's', cost)
      redis.call('PEXPIRE', hash, keep)
    elseif current then
      -- The window ended meanwhile: the next admission reloads the spend from the store.
      redis.call('HDEL', hash, 'w', 's')
    end
  end
  local base = k + 2 * nb
  for j = 1, nr do
    local tokensKey, inflight = KEYS[base + 2 * j - 1], KEYS[base + 2 * j]
    if A[c] == '1' and tokens > 0 then
      redis.call('INCRBY', tokensKey, tokens)
      redis.call('PEXPIRE', tokensKey, rateTtl)
    end
    if A[c + 1] == '1' then redis.call('ZREM', inflight, id) end
    c = c + 2
  end
  return 1
end
`;

export const COUNTERS_SCRIPT = `${HELPERS}${ADMIT}${SETTLE}
local ops = ARGV[1]
local k, a = 0, 1
local replies = {}
for o = 1, #ops do
  local op = string.sub(ops, o, o)
  if op == 'a' then
    local nb, nr = tonumber(A[a + 6]), tonumber(A[a + 7])
    replies[o] = admit(k, a)
    k, a = k + 2 * nb + 3 * nr, a + 9 + 5 * nb + 3 * nr
  elseif op == 's' then
    local nb, nr = tonumber(A[a + 3]), tonumber(A[a + 4])
    replies[o] = settle(k, a)
    k, a = k + 2 * nb + 2 * nr, a + 6 + 3 * nb + 2 * nr
  else
    redis.call('HDEL', KEYS[k + 1], 'w', 's')
    replies[o] = 1
    k = k + 1
  end
end
return replies
`;
