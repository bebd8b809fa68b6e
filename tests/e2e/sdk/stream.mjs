// Drives a running maxpool with the official Anthropic TypeScript SDK, as a real client would:
// a JSON answer, a stream, a failover the SDK never sees, and a broken upstream stream that the
// SDK must see as an error (never as a clean end). Env: MAXPOOL_URL, FAKE_URL, CRED_A.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.MAXPOOL_URL,
  apiKey: 'client-key-replaced-by-maxpool',
  maxRetries: 0,  // any retry must be maxpool's, not the SDK's
  defaultHeaders: {'x-maxpool-session': 'sdk-e2e'},
});
const params = {
  model: 'claude-opus-4-8',
  max_tokens: 128,
  messages: [{role: 'user', content: 'Say hello'}],
};

async function script(behaviours) {
  const res = await fetch(`${process.env.FAKE_URL}/_fake/script`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({credential: process.env.CRED_A, behaviours}),
  });
  if (!res.ok) throw new Error(`fake script: ${res.status} ${await res.text()}`);
}

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}
function assert(cond, what) { if (!cond) throw new Error(what); }

await check('non-streaming message', async () => {
  const msg = await client.messages.create(params);
  assert(msg.type === 'message', `type ${msg.type}`);
  assert(msg.content[0].text.length > 0, 'empty text');
  assert(msg.usage.output_tokens > 0, 'no usage');
});

await check('streamed message arrives event by event', async () => {
  const stream = client.messages.stream(params);
  let deltas = 0;
  stream.on('text', () => deltas++);
  const final = await stream.finalMessage();
  assert(deltas >= 2, `only ${deltas} text deltas`);
  assert(final.stop_reason === 'end_turn', `stop_reason ${final.stop_reason}`);
});

await check('failover before the first byte is invisible to the client', async () => {
  await script([{kind: 'quota_429', retry_after: 60}]);
  const stream = client.messages.stream(params);
  const final = await stream.finalMessage();
  assert(final.stop_reason === 'end_turn', 'stream did not complete');
});

await check('a broken upstream stream surfaces as an error, not a clean end', async () => {
  // Account A is benched by the 429 above, so B serves: break B's next stream instead.
  const res = await fetch(`${process.env.FAKE_URL}/_fake/script`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({credential: process.env.CRED_B,
                          behaviours: [{kind: 'drop_mid_stream', after_events: 4}]}),
  });
  assert(res.ok, 'script B');
  let threw = false;
  try {
    await client.messages.stream(params).finalMessage();
  } catch (e) {
    threw = true;
  }
  assert(threw, 'the SDK saw a clean end of a truncated stream');
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
