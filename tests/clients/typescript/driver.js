// The TypeScript client against a live maxpool (started by run.sh through ../pool.sh): the
// helper library in-process, and the compiled examples as child processes, the way a person
// runs them. Tests run in order; the last one drains the server.
"use strict";

const assert = require("node:assert/strict");
const http = require("node:http");
const { after, test } = require("node:test");

const { mp, connectrpc, env, literal, runExample, killChildren, diag, describeRun } = require("./lib.js");

const { createRouterTransport } = connectrpc;
const CONTROL = env("MAXPOOL_CONTROL");
const TOKEN = env("MAXPOOL_CONTROL_TOKEN");
const PROXY_URL = env("MAXPOOL_PROXY_URL");
const NEW_API_KEY = env("MAXPOOL_NEW_API_KEY");
const FAKE_URL = env("MAXPOOL_FAKE_URL");

const client = mp.connect({ target: CONTROL, token: TOKEN });

// Whatever a failed test left open (event streams that would reconnect for ever, examples still
// running) is stopped at the end, so that the process exits and reports.
const collectors = new Set();
after(() => {
  for (const c of collectors) c.stop();
  killChildren();
  client.close();
});
const UNAUTHENTICATED_TEXT = new RegExp(
  `maxpool control plane at ${literal(CONTROL).source}: UNAUTHENTICATED: .+ \\(check the token\\)`,
);

/** POST /v1/messages to the data plane; resolves with the status. */
function sendMessage() {
  const body = JSON.stringify({
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "hi" }],
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${PROXY_URL}/v1/messages`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "anthropic-version": "2023-06-01",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** POSTs a JSON body to the fake upstream's control API (/_fake/...). */
function fakeControl(path, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${FAKE_URL}${path}`,
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`fake ${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** Polls `check` every 50 ms for up to `ms`. */
async function waitFor(check, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Collects `events()` items in the background. `connected` resolves once the stream is open;
 * `until(pred)` resolves with the items once pred(items) holds.
 */
function collect(options = {}) {
  const stop = new AbortController();
  const items = [];
  const waiters = [];
  let failure;
  let resolveConnected;
  const connected = new Promise((r) => (resolveConnected = r));
  const wake = () => {
    for (const w of waiters.slice()) w();
  };
  const running = (async () => {
    try {
      for await (const item of client.events({ ...options, signal: stop.signal, onConnected: resolveConnected })) {
        items.push(item);
        wake();
      }
    } catch (e) {
      failure = e;
      wake();
    }
  })();
  const until = (pred, what, ms = 15_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`events(): never saw ${what}; got:\n${items.map(show).join("\n")}`));
      }, ms);
      const check = () => {
        if (failure) {
          clearTimeout(timer);
          return reject(failure);
        }
        if (pred(items)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(items);
        }
      };
      waiters.push(check);
      check();
    });
  const handle = { items, connected, until, stop: () => (collectors.delete(handle), stop.abort(), running) };
  collectors.add(handle);
  return handle;
}

function show(item) {
  if (item.kind === "gap") return `gap ${item.reason} dropped=${item.dropped} ${item.error?.message ?? ""}`;
  return `event ${item.event.payload.case} ${JSON.stringify(item.event.payload.value?.toJson?.())}`;
}

const finished = (items) =>
  items.filter((i) => i.kind === "event" && i.event.payload.case === "requestFinished").map((i) => i.event.payload.value);

test("events() surfaces EventGap markers and reports a broken stream as a gap, then reconnects", async () => {
  // An in-memory TelemetryService: the first stream sends an event, a gap, then breaks; the
  // second sends one more event and stays open until the client goes.
  let calls = 0;
  let secondClosed;
  const closedOnce = new Promise((r) => (secondClosed = r));
  const transport = createRouterTransport(({ service }) => {
    service(mp.TelemetryService, {
      async *watchEvents(_req, ctx) {
        calls++;
        if (calls === 1) {
          yield { item: { case: "event", value: { sequence: 1n } } };
          yield { item: { case: "gap", value: { dropped: 7n } } };
          throw new mp.ConnectError("stream reset", mp.Code.Unavailable);
        }
        const closed = new Promise((r) => ctx.signal.addEventListener("abort", r));
        closed.then(secondClosed);
        yield { item: { case: "event", value: { sequence: 9n } } };
        await closed;
      },
    });
  });
  const fake = mp.clientFromTransport(transport, { target: "in-memory:1" });
  const got = [];
  for await (const item of fake.events({ initialBackoffMs: 10 })) {
    got.push(item);
    if (got.length === 4) break;
  }
  assert.equal(got[0].kind, "event");
  assert.equal(got[0].event.sequence, 1n);
  assert.deepEqual([got[1].kind, got[1].reason, got[1].dropped], ["gap", "behind", 7n]);
  assert.deepEqual([got[2].kind, got[2].reason], ["gap", "disconnected"]);
  assert.equal(got[2].error?.code, mp.Code.Unavailable);
  assert.match(got[2].error.message, /^maxpool control plane at in-memory:1: UNAVAILABLE: stream reset/);
  assert.equal(got[3].kind, "event");
  assert.equal(got[3].event.sequence, 9n);
  assert.equal(calls, 2, "the iterator should have reopened the stream once");
  // Leaving the loop must close the stream on the server side.
  let timer;
  await Promise.race([
    closedOnce,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("stream not closed after break")), 5000))),
  ]).finally(() => clearTimeout(timer));
});

test("a bad token gets a clear UNAUTHENTICATED message", async () => {
  const bad = mp.connect({ target: CONTROL, token: "not-the-token" });
  await assert.rejects(bad.status(), (e) => {
    assert.equal(e.code, mp.Code.Unauthenticated);
    assert.match(e.message, UNAUTHENTICATED_TEXT);
    return true;
  });
  // The event stream does not retry a refused token: it throws at once.
  const first = bad.events({ initialBackoffMs: 10 }).next();
  await assert.rejects(first, (e) => (assert.match(e.message, UNAUTHENTICATED_TEXT), true));
  // And the examples say so and fail.
  const r = await runExample("watch", [], { MAXPOOL_CONTROL_TOKEN: "not-the-token" }).done;
  assert.equal(r.code, 1, describeRun("watch with a bad token", r));
  assert.match(r.stderr, /^watch: /m, describeRun("watch with a bad token", r));
  assert.match(r.stderr, UNAUTHENTICATED_TEXT, describeRun("watch with a bad token", r));
});

test("creates an account and lists the accounts", async () => {
  const created = await client.createApiKeyAccount("c", NEW_API_KEY, { displayName: "client test c" });
  assert.equal(created.name, "accounts/c");
  assert.equal(created.type, mp.AccountType.API_KEY);
  assert.equal(created.enabled, true);
  assert.equal(created.displayName, "client test c");
  assert.equal(created.credential?.kind, mp.CredentialKind.API_KEY);
  assert.ok(!JSON.stringify(created.toJson()).includes(NEW_API_KEY), "the account must not show its key");

  const names = (await client.listAccounts()).map((a) => a.name);
  for (const want of ["accounts/a", "accounts/b", "accounts/c"]) {
    assert.ok(names.includes(want), `ListAccounts has no ${want}: ${names.join(", ")}`);
  }
  // Typed raw client and the error of a duplicate id.
  await assert.rejects(
    client.accounts.createAccount({ accountId: "c", credential: { case: "apiKey", value: { apiKey: NEW_API_KEY } } }),
    (e) => (assert.equal(e.code, mp.Code.AlreadyExists, e.message), true),
  );
});

test("watch (example and events()) sees the requests that flow", async (t) => {
  const N = 5;
  const inProcess = collect({ kinds: [mp.EventKind.REQUEST_FINISHED] });
  const watch = runExample("watch", ["--count", String(N)]);
  await watch.waitFor(/^watching /m);
  await inProcess.connected;

  for (let i = 0; i < N; i++) {
    assert.equal(await sendMessage(), 200, `POST /v1/messages #${i + 1}`);
  }

  const items = await inProcess.until((it) => finished(it).length >= N, `${N} request_finished events`);
  await inProcess.stop();
  const reqs = finished(items);
  assert.equal(reqs.length, N, items.map(show).join("\n"));
  for (const r of reqs) {
    assert.deepEqual([r.method, r.path, r.status], ["POST", "/v1/messages", 200], JSON.stringify(r.toJson()));
    assert.match(r.account, /^accounts\/(a|b|c)$/);
  }

  const r = await watch.done;
  diag(t, `watch --count ${N}`, r);
  assert.equal(r.code, 0, describeRun("watch --count 5", r));
  const lines = r.stdout.split("\n").filter((l) => / request /.test(l));
  assert.equal(lines.length, N, describeRun("watch --count 5", r));
  for (const l of lines) {
    assert.match(l, /^\S+ request accounts\/(a|b|c) POST \/v1\/messages 200 [\d.]+ms attempts=1/, describeRun("watch", r));
  }
});

test("rotate waits for the old account's request in flight, then disables it; the new one is preferred", async (t) => {
  // Prefer "a" first, so that rotate finds the old account by itself.
  const before = await client.preferAccount("a");
  assert.equal(before.preferredAccount, "accounts/a");

  // A request that stays in flight on "a" for 2 s (the fake upstream delays its headers).
  await fakeControl("/_fake/script", {
    credential: "sk-ant-oat01-client-test-a",
    behaviours: [{ kind: "delay_headers", delay_ms: 2000 }],
  });
  const events = collect({ kinds: [mp.EventKind.REQUEST_FINISHED, mp.EventKind.ACCOUNT_STATE_CHANGED] });
  await events.connected;
  const slow = sendMessage();
  await waitFor(async () => {
    const snap = await client.poolSnapshot();
    return snap.accounts.find((a) => a.account === "accounts/a")?.inFlight === 1;
  }, "a request in flight on accounts/a");

  const r = await runExample("rotate", ["rotated"], { MAXPOOL_NEW_API_KEY: NEW_API_KEY }).done;
  diag(t, "rotate rotated", r);
  assert.equal(r.code, 0, describeRun("rotate rotated", r));
  assert.match(r.stdout, /^created accounts\/rotated$/m, describeRun("rotate", r));
  assert.match(r.stdout, /^routing now prefers accounts\/rotated$/m, describeRun("rotate", r));
  assert.match(r.stdout, /^disabled accounts\/a$/m, describeRun("rotate", r));
  assert.equal(await slow, 200, "the request in flight on accounts/a during the rotation");

  // The server's own order of events: the slow request finished before "a" was disabled.
  const isFinishedOnA = (p) => p.case === "requestFinished" && p.value.account === "accounts/a";
  const isDisabledA = (p) =>
    p.case === "accountStateChanged" && p.value.account === "accounts/a" && p.value.current === mp.AccountState.DISABLED;
  const seqOf = (items, pred) => items.find((i) => i.kind === "event" && pred(i.event.payload))?.event.sequence;
  const items = await events.until(
    (it) => seqOf(it, isFinishedOnA) !== undefined && seqOf(it, isDisabledA) !== undefined,
    "the request on accounts/a finishing and accounts/a disabled",
  );
  await events.stop();
  const finishedSeq = seqOf(items, isFinishedOnA);
  const disabledSeq = seqOf(items, isDisabledA);
  assert.ok(
    finishedSeq < disabledSeq,
    `rotate disabled accounts/a (event ${disabledSeq}) before its request in flight finished (event ${finishedSeq}):\n` +
      items.map(show).join("\n"),
  );

  const policy = await client.getRoutingPolicy();
  assert.equal(policy.mode, mp.RoutingMode.PREFERRED);
  assert.equal(policy.preferredAccount, "accounts/rotated");
  const old = await client.getAccount("a");
  assert.equal(old.enabled, false, "accounts/a should be disabled");
  assert.equal(old.state, mp.AccountState.DISABLED);
  const snap = await client.poolSnapshot();
  assert.equal(snap.preferredAccount, "accounts/rotated");
  assert.equal(snap.accounts.find((a) => a.account === "accounts/a")?.enabled, false);

  // New requests go to the new account.
  const later = collect({ kinds: [mp.EventKind.REQUEST_FINISHED] });
  await later.connected;
  assert.equal(await sendMessage(), 200);
  const served = await later.until((it) => finished(it).length >= 1, "the request after the rotation");
  await later.stop();
  assert.equal(finished(served)[0].account, "accounts/rotated");

  // The key never goes on the command line: without it, rotate refuses.
  const nokey = await runExample("rotate", ["other"], { MAXPOOL_NEW_API_KEY: "" }).done;
  assert.equal(nokey.code, 1, describeRun("rotate without a key", nokey));
  assert.match(nokey.stderr, /no API key/);
});

test("drain lets the request in flight finish, the example waits until the server is gone, events() reports the break", async (t) => {
  // A request that stays in flight on the new account for 2 s while the drain runs.
  await fakeControl("/_fake/script", {
    credential: NEW_API_KEY,
    behaviours: [{ kind: "delay_headers", delay_ms: 2000 }],
  });
  const watch = collect({ initialBackoffMs: 100, maxBackoffMs: 200 });
  await watch.connected;
  const slow = sendMessage();
  await waitFor(async () => (await client.poolSnapshot()).inFlight === 1, "a request in flight");

  const r = await runExample("drain", ["--deadline", "20"], {}, 45_000).done;
  diag(t, "drain --deadline 20", r);
  assert.equal(r.code, 0, describeRun("drain", r));
  assert.match(r.stdout, /^draining: 1 in flight, deadline \S+$/m, describeRun("drain", r));
  assert.match(r.stdout, /^in flight 1, held 0$/m, describeRun("drain", r));
  assert.match(r.stdout, /^in flight 0, held 0: drain done$/m, describeRun("drain", r));
  assert.match(r.stdout, /^server gone$/m, describeRun("drain", r));
  assert.equal(await slow, 200, "the request in flight during the drain");

  // The server went away under the open stream: events() says so as a gap and keeps trying.
  const items = await watch.until(
    (it) => it.some((i) => i.kind === "gap" && i.reason === "disconnected"),
    "a disconnected gap after the server left",
  );
  await watch.stop();
  const progress = items.filter((i) => i.kind === "event" && i.event.payload.case === "drainProgress");
  assert.ok(progress.at(-1)?.event.payload.value.done, `no final drain progress:\n${items.map(show).join("\n")}`);
  const gap = items.find((i) => i.kind === "gap" && i.reason === "disconnected");
  assert.ok(gap.retryInMs >= 0);
  client.close();
});
