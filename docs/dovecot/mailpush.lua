-- mailpush.lua: Dovecot's push_notification Lua driver for mailpush.
--
-- Collects the events of one mail transaction (an LMTP delivery, an IMAP APPEND, a STORE of flags, an EXPUNGE),
-- coalesces them to one entry per event name and mailbox (a STORE on 1000 messages is one entry), and posts them
-- in one request to mailpush's intake (POST <mailpush_url>/v1/events). mailpush pushes to the devices registered
-- for that mailbox.
--
-- Dovecot runs this inside the delivering LMTP or IMAP process and waits for the request, so it is kept short:
-- one request per transaction, a short timeout, no retries. When mailpush is down or slow the mail is delivered
-- anyway and one warning line is logged per transaction.
--
-- dovecot.conf (Dovecot 2.3):
--
--   mail_plugins = $mail_plugins mail_lua notify push_notification push_notification_lua
--   plugin {
--     push_notification_driver = lua:file=/etc/dovecot/mailpush.lua
--     mailpush_url = http://127.0.0.1:9181
--     # mailpush's intake.secret-file, read by Dovecot; leave out when the intake has no secret
--     mailpush_secret = </etc/mailpush/intake.secret
--     #mailpush_timeout_msecs = 1000
--   }
--
-- The script needs nothing but Dovecot (no Lua modules): JSON is written by hand, HTTP is Dovecot's own client.

local DEFAULT_TIMEOUT_MSECS = 1000

-- Dovecot keeps this script loaded for the life of the process, so one HTTP client (and its idle connection to
-- mailpush) serves every transaction of the process.
local client = nil
local client_timeout = nil

local function http_client(timeout)
  if client == nil or client_timeout ~= timeout then
    client = dovecot.http.client({
      user_agent = "mailpush.lua",
      request_timeout_msecs = timeout,
      request_absolute_timeout_msecs = timeout,
      connect_timeout_msecs = timeout,
      soft_connect_timeout_msecs = timeout,
      max_attempts = 1,
      max_connect_attempts = 1,
      max_idle_time_msecs = 60000,
      no_auto_retry = true,
    })
    client_timeout = timeout
  end
  return client
end

local JSON_ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function json_string(text)
  local escaped = string.gsub(text, '[%c"\\]', function(c)
    return JSON_ESCAPES[c] or string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

-- Dovecot hands numbers over as Lua floats; mailpush wants whole numbers.
local function whole(value)
  if type(value) ~= "number" then
    return 0
  end
  return math.tointeger(value) or math.floor(value)
end

function dovecot_lua_notify_begin_txn(user)
  return { user = user, events = {}, by_key = {} }
end

-- One entry per (event name, mailbox), with the highest UID: the phone only needs to know that it should look.
local function record(ctx, name, event)
  if event.mailbox == nil or event.mailbox == "" then
    return
  end
  local key = name .. "\0" .. event.mailbox
  local uid = whole(event.uid)
  local kept = ctx.by_key[key]
  if kept ~= nil then
    if uid > kept.uid then
      kept.uid = uid
    end
    return
  end
  kept = { event = name, mailbox = event.mailbox, uid = uid, uidvalidity = whole(event.uid_validity) }
  ctx.by_key[key] = kept
  table.insert(ctx.events, kept)
end

function dovecot_lua_notify_event_message_new(ctx, event) record(ctx, "MessageNew", event) end
function dovecot_lua_notify_event_message_append(ctx, event) record(ctx, "MessageAppend", event) end
function dovecot_lua_notify_event_flags_set(ctx, event) record(ctx, "FlagsSet", event) end
function dovecot_lua_notify_event_flags_clear(ctx, event) record(ctx, "FlagsClear", event) end
function dovecot_lua_notify_event_message_read(ctx, event) record(ctx, "MessageRead", event) end
function dovecot_lua_notify_event_message_trash(ctx, event) record(ctx, "MessageTrash", event) end
function dovecot_lua_notify_event_message_expunge(ctx, event) record(ctx, "MessageExpunge", event) end

local function body_of(ctx)
  local entries = {}
  for _, e in ipairs(ctx.events) do
    table.insert(entries, string.format('{"event":%s,"mailbox":%s,"uid":%d,"uidvalidity":%d}',
      json_string(e.event), json_string(e.mailbox), e.uid, e.uidvalidity))
  end
  return '{"user":' .. json_string(ctx.user.username) .. ',"events":[' .. table.concat(entries, ",") .. ']}'
end

function dovecot_lua_notify_end_txn(ctx)
  if #ctx.events == 0 then
    return
  end
  local user = ctx.user
  local url = user:plugin_getenv("mailpush_url")
  if url == nil or url == "" then
    dovecot.i_error("mailpush: plugin setting mailpush_url is not set; mail delivered without push")
    return
  end
  url = string.gsub((string.gsub(url, "^%s+", "")), "[%s/]+$", "") .. "/v1/events"
  local timeout = tonumber(user:plugin_getenv("mailpush_timeout_msecs") or "") or DEFAULT_TIMEOUT_MSECS
  -- "mailpush_secret = </etc/mailpush/intake.secret" reads the file, line end included; Dovecot's HTTP client
  -- aborts the whole process on a header value with CR or LF in it, so only the first line is sent.
  local secret = string.match(user:plugin_getenv("mailpush_secret") or "", "^[^\r\n]*")
  secret = string.gsub(secret, "^%s+", "")
  secret = string.gsub(secret, "%s+$", "")
  if string.find(secret, "%c") then
    dovecot.i_error("mailpush: plugin setting mailpush_secret contains control characters; mail delivered"
      .. " without push")
    return
  end

  local ok, result = pcall(function()
    local request = http_client(timeout):request({ url = url, method = "POST" })
    request:add_header("Content-Type", "application/json")
    if secret ~= "" then
      request:add_header("Authorization", "Bearer " .. secret)
    end
    request:set_payload(body_of(ctx))
    local response = request:submit()
    return { status = response:status(), reason = response:reason() }
  end)
  if not ok then
    dovecot.i_warning("mailpush: could not post to " .. url .. ": " .. tostring(result)
      .. "; mail delivered without push")
  elseif result.status >= 9000 then
    -- Dovecot's own codes for connection failures and timeouts.
    dovecot.i_warning("mailpush: could not reach " .. url .. ": " .. tostring(result.reason)
      .. "; mail delivered without push")
  elseif result.status ~= 202 then
    dovecot.i_warning("mailpush: " .. url .. " answered " .. tostring(result.status) .. " "
      .. tostring(result.reason) .. "; mail delivered without push")
  end
end
