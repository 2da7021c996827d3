-- wrk script: every request presents a token picked at random from the first N lines of a file.
-- Usage: wrk ... -s tests/bench/random_token.lua URL -- TOKENS_FILE N
local tokens = {}

function init(args)
  local limit = tonumber(args[2]) or math.huge
  for line in io.lines(args[1]) do
    if #tokens >= limit then break end
    tokens[#tokens + 1] = "Bearer " .. line
  end
  assert(#tokens > 0, "no tokens read from " .. args[1])
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  return wrk.format("GET", nil, { ["Authorization"] = tokens[math.random(#tokens)] })
end
