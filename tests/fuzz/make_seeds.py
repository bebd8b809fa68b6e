#!/usr/bin/python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/: realistic inputs of each kind,
framed the way each target reads its input (FuzzedDataProvider takes integers from the end
of the input, bytes from the start). Rerun after changing a target's input layout; inputs the
fuzzer finds are added to the same directories by hand, one file per finding."""
import hashlib, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "clients", "python"))

def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def body(**extra):
    b = {"model": "claude-sonnet-4-5", "max_tokens": 1024,
         "messages": [{"role": "user", "content": "hi"}]}
    b.update(extra)
    return json.dumps(b)

claude_code = json.dumps({
    "model": "claude-opus-4-1", "max_tokens": 32000, "stream": True,
    "thinking": {"type": "enabled", "budget_tokens": 31999},
    "metadata": {"user_id": "user_abc_account__session_0d3f"},
    "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
    "tools": [{"name": "Bash", "description": "Run a command",
               "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "fix the build"},
                                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "...", "signature": "EqQB"},
                                           {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "make"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}]})

# --- request_classifier_fuzz: the raw body ---
for i, b in enumerate([body(), body(stream=True), claude_code, body(model="claude-3-5-haiku-20241022", max_tokens=0),
                       '{"model": 7, "stream": "yes", "thinking": null}', '[1,2,3]', 'not json', '{"a":' * 40]):
    write("request_classifier_fuzz", f"seed-{i}", b)

# --- client_request_fuzz: request, then one byte (how many chunk-size bytes lead: 0) ---
def req(method, target, headers, payload=""):
    h = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return f"{method} {target} HTTP/1.1\r\n{h}\r\n{payload}"
base = [("Host", "127.0.0.1:3456"), ("content-type", "application/json"), ("anthropic-version", "2023-06-01")]
reqs = [
    req("POST", "/v1/messages", base + [("content-length", str(len(body())))], body()),
    req("POST", "/v1/messages?beta=true", base + [("x-claude-code-session-id", "s-1"), ("content-length", str(len(claude_code)))], claude_code),
    req("POST", "/v1/messages", base + [("transfer-encoding", "chunked")], f"{len(body()):x}\r\n{body()}\r\n0\r\n\r\n"),
    req("GET", "/v1/models", [("Host", "x")]),
    req("POST", "/v1/messages", base + [("content-length", "5"), ("content-length", "6")], "hello!"),
    req("POST", "http://evil.example/v1/messages", base + [("content-length", "2")], "{}"),
    req("POST", "/v1/messages", base + [("transfer-encoding", "chunked"), ("content-length", "3")], "0\r\n\r\n"),
    "POST /v1/messages HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
]
for i, r in enumerate(reqs):
    write("client_request_fuzz", f"seed-{i}", r.encode() + b"\x00")

# --- upstream_response_fuzz: response, then 2 bytes of piece size, then 1 byte (HEAD?) ---
msg = json.dumps({"id": "msg_1", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "hi"}],
                  "usage": {"input_tokens": 12, "output_tokens": 3}})
sse = ("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
       "event: ping\ndata: {\"type\": \"ping\"}\n\n"
       "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
       "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\n\n"
       "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
limits = ("anthropic-ratelimit-unified-status: allowed\r\nanthropic-ratelimit-unified-5h-utilization: 0.42\r\n"
          "anthropic-ratelimit-unified-5h-reset: 1795712400\r\nanthropic-ratelimit-unified-7d-utilization: 0.97\r\n"
          "anthropic-ratelimit-unified-7d-reset: 1796000000\r\n")
err429 = '{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}'
chunked = "".join(f"{len(p):x}\r\n{p}\r\n" for p in [sse[:40], sse[40:]]) + "0\r\n\r\n"
resps = [
    f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{limits}content-length: {len(msg)}\r\n\r\n{msg}",
    f"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n{limits}transfer-encoding: chunked\r\n\r\n{chunked}",
    f"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\nanthropic-ratelimit-unified-status: rejected\r\ncontent-length: {len(err429)}\r\n\r\n{err429}",
    f"HTTP/1.1 529 Overloaded\r\ncontent-type: application/json\r\n\r\n{{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}",
    f"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{{}}EXTRA BYTES",
    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
    f"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n{sse[:70]}",
]
for i, r in enumerate(resps):
    write("upstream_response_fuzz", f"seed-{i}", r.encode() + b"\x00\x40" + bytes([i % 2]))

# --- sse_fuzz: stream, then one byte (how many split bytes lead: 0) ---
for i, s in enumerate([sse, sse.replace("\n", "\r\n"), sse[:-30],
                       "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
                       ": comment\n\ndata: x\n" + "data: " + "a" * 70000 + "\n\n"]):
    write("sse_fuzz", f"seed-{i}", s.encode() + b"\x00")

# --- rate_limit_fuzz: header lines, "\\x" (ends the header string), body, one byte (status) ---
zai = '{"error":{"code":"1302","message":"Rate limit reached; reset at 2026-12-08 10:00:00"}}'
kimi = '{"error":{"type":"rate_limit_reached_error","message":"please try again after 17 seconds"}}'
heads = [limits.replace("\r\n", "\n") + "retry-after: 30\n",
         "anthropic-ratelimit-unified-status: rejected\nanthropic-ratelimit-unified-representative-claim: seven_day\nanthropic-ratelimit-unified-reset: 1796000000\n",
         "anthropic-ratelimit-tokens-limit: 400000\nanthropic-ratelimit-tokens-remaining: 0\nanthropic-ratelimit-tokens-reset: 2026-12-08T10:00:00Z\nanthropic-ratelimit-requests-limit: 4000\nanthropic-ratelimit-requests-remaining: 3999\nretry-after: Wed, 21 Oct 2015 07:28:00 GMT\n",
         "anthropic-ratelimit-unified-7d_oi-utilization: 1.02\nanthropic-ratelimit-unified-7d_oi-reset: 1796000000\nanthropic-ratelimit-unified-7d_oi-status: rejected\n"]
for i, h in enumerate(heads):
    for j, b in enumerate([err429, zai, kimi, "<html>"]):
        write("rate_limit_fuzz", f"seed-{i}-{j}", (h + "\\x" + b).encode() + bytes([4]))

# --- config_fuzz: a config file ---
configs = [
    {"accounts": [{"name": "work", "type": "apikey", "apiKey": "sk-ant-api03-seed"}]},
    {"proxy": {"host": "127.0.0.1", "port": 3456}, "scheduler": {"safetyMaxActivePerAccount": 4, "spreadWindowMs": 900000},
     "queue": {"maxConcurrentQueued": 64}, "quotaProbeSeconds": 300,
     "accounts": [{"name": "max", "type": "oauth", "accessToken": "sk-ant-oat01-seed", "refreshToken": "sk-ant-ort01-seed", "expiresAt": 1796000000000, "priority": 1}],
     "providers": [{"name": "glm", "provider": "zai", "apiKey": "seed"}]},
    {"state": {"backend": "redis", "pool": "agents", "redis": {"url": "redis://127.0.0.1:6379/0"}, "leaseTtlMs": 5000}},
    {"accounts": [{"name": "x", "type": "apikey"}], "scheduler": {"cooldownMs": "soon"}},
]
for i, c in enumerate(configs):
    write("config_fuzz", f"seed-{i}", json.dumps(c, indent=2))
with open(os.path.join(here, "..", "data", "config", "reference.json"), "rb") as f:
    write("config_fuzz", "reference", f.read())

# --- oauth_fuzz: body, then one byte (which parser) ---
token = json.dumps({"token_type": "Bearer", "access_token": "sk-ant-oat01-new", "refresh_token": "sk-ant-ort01-new",
                    "expires_in": 28800, "scope": "user:inference user:profile",
                    "account": {"uuid": "6f1c2d3e-0000-4000-8000-00000000000a", "email_address": "a@example.com"},
                    "organization": {"uuid": "7f1c2d3e-0000-4000-8000-00000000000b", "name": "Org"}})
oauth_err = '{"error":"invalid_grant","error_description":"Refresh token not found or invalid"}'
profile = json.dumps({"account": {"uuid": "6f1c2d3e-0000-4000-8000-00000000000a", "email": "a@example.com", "has_claude_max": True},
                      "organization": {"uuid": "7f1c", "organization_type": "claude_max", "rate_limit_tier": "default_claude_max_20x"}})
usage = json.dumps({"five_hour": {"utilization": 42.0, "resets_at": "2026-12-08T10:00:00.000000+00:00"},
                    "seven_day": {"utilization": 97.0, "resets_at": "2026-12-10T00:00:00+00:00"},
                    "seven_day_opus": {"utilization": 100.0, "resets_at": "2026-12-10T00:00:00+00:00"}, "seven_day_sonnet": None})
zai_usage = json.dumps({"code": 200, "success": True, "data": {"limits": [
    {"type": "TOKENS_LIMIT", "percentage": 35, "nextResetTime": 1796000000000},
    {"type": "TIME_LIMIT", "percentage": 10, "currentValue": 10, "usage": 100}]}})
for i, (b, which) in enumerate([(token, 0), (token.replace('"expires_in": 28800', '"expires_at": 1796000000'), 0), (oauth_err, 1),
                                 (err429, 1), (profile, 2), (usage, 3), (zai_usage, 4), ("{}", 0), ("null", 3)]):
    write("oauth_fuzz", f"seed-{i}", b.encode() + bytes([which]))

# --- control_input_fuzz: request bytes, then one byte (which check) ---
from maxpool_client.v1 import accounts_pb2
from google.protobuf import field_mask_pb2
c = accounts_pb2.CreateAccountRequest(account_id="work")
c.api_key.api_key = "sk-ant-api03-seed"
write("control_input_fuzz", "create-apikey", c.SerializeToString() + bytes([0]))
u = accounts_pb2.UpdateAccountRequest()
u.account.name = "accounts/work"
u.account.enabled = False
u.account.display_name = "Work"
u.update_mask.paths.extend(["enabled", "display_name"])
write("control_input_fuzz", "update", u.SerializeToString() + bytes([1]))
write("control_input_fuzz", "name", b"accounts/work" + bytes([2]))
write("control_input_fuzz", "page", b"YWNjb3VudHMAd29yaw" + bytes([3]))

# --- oauth_fuzz, continued: a Claude Code credentials file (5), a pasted code (6) ---
cc = json.dumps({"claudeAiOauth": {"accessToken": "sk-ant-oat01-cc", "refreshToken": "sk-ant-ort01-cc",
                                   "expiresAt": 1796000000000, "scopes": ["user:inference", "user:profile"],
                                   "subscriptionType": "max", "rateLimitTier": "default_claude_max_20x"}})
for i, (b, which) in enumerate([(cc, 5), ('{"claudeAiOauth": {"accessToken": "a", "refreshToken": "r", "scopes": ["user:profile"]}}', 5),
                                 ("code-123#state-1", 6), ("https://console.anthropic.com/oauth/code/callback?code=abc%2B1&state=state-1", 6),
                                 ("http://localhost:54545/callback?error=access_denied", 6), ("  bare-code  ", 6)]):
    write("oauth_fuzz", f"seed-import-{i}", b.encode() + bytes([which]))

# --- shared_store_fuzz: payload, then 2 bytes (piece size), then 1 byte (which) ---
resp = [b"+OK\r\n", b"-ERR unknown command\r\n", b":42\r\n", b"$5\r\nhello\r\n", b"$-1\r\n",
        b"*4\r\n$6\r\nfield1\r\n$5\r\nvalue\r\n$6\r\nfield2\r\n$-1\r\n",
        b"*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n$0\r\n\r\n", b"*3\r\n$3\r\nabc\r\n"]
for i, r in enumerate(resp):
    write("shared_store_fuzz", f"resp-{i}", r + b"\x00\x03" + bytes([0]))
for i, u in enumerate(["redis://127.0.0.1:6379/0", "rediss://:secret@redis.maxpool.svc:6380/2", "redis://[::1]:6379", "redis://host:99999", "http://x"]):
    write("shared_store_fuzz", f"url-{i}", u.encode() + b"\x00\x00" + bytes([1]))
memory = json.dumps({"version": 1, "savedAt": 1796000000000,
                     "accounts": [{"name": "a", "uuid": "u-1", "quota": {"unified5h": 0.4, "unified5hReset": 1796003600000,
                                   "unifiedStatus": "allowed_warning", "scopedWeekly": {"opus": {"utilization": 1.0, "resetAt": 1796500000000, "isActive": True}}},
                                   "rateLimitedUntil": 1796000060000, "dead": True, "credentialFingerprint": "0123abcd"}],
                     "sessions": [{"key": "s", "home": "a", "homePriority": 0, "current": "a", "lastUsed": 1796000000000}],
                     "breaker": {"openedAt": 1796000000000, "until": 1796000060000, "reason": "429s"}})
write("shared_store_fuzz", "memory-0", memory.encode() + b"\x00\x00" + bytes([2]))
write("shared_store_fuzz", "memory-1", b'{"version": 2}' + b"\x00\x00" + bytes([2]))
