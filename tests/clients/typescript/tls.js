// The TypeScript client against a maxpool whose control plane wants mutual TLS (started by
// run.sh with certificates it made): the helper's `tls` option, the examples' TLS variables,
// and the messages of the usual mistakes. The last test drains that server.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const { after, test } = require("node:test");

const { mp, env, literal, runExample, killChildren, diag, describeRun } = require("./lib.js");

after(killChildren);

const CONTROL = env("TLS_CONTROL");
const TOKEN = env("TLS_TOKEN");
const CERTS = env("TLS_CERTS");
const files = (names) => ({
  caFile: names.ca && path.join(CERTS, names.ca),
  certFile: names.cert && path.join(CERTS, names.cert),
  keyFile: names.key && path.join(CERTS, names.key),
  serverName: names.serverName,
});
const mtls = { ca: "ca.pem", cert: "client.pem", key: "client.key" };
const PREFIX = new RegExp(`^maxpool control plane at ${literal(CONTROL).source}: [A-Z_]+: `);

/** Asserts that status() fails through `client`, with a maxpool message matching `re`. */
async function refused(client, re) {
  await assert.rejects(client.status(), (e) => {
    assert.match(e.message, PREFIX);
    if (re) assert.match(e.message, re);
    return true;
  });
  client.close();
}

test("mutual TLS with the CA and a client certificate works (IP and server name)", async () => {
  for (const serverName of [undefined, "maxpool.test"]) {
    const client = mp.connect({ target: CONTROL, token: TOKEN, tls: mp.tlsFromFiles(files({ ...mtls, serverName })) });
    const status = await client.status();
    const control = status.listeners.find((l) => l.kind === mp.ListenerKind.CONTROL_PLANE);
    assert.equal(control?.tls, true, "the control listener should say it speaks TLS");
    assert.ok((await client.listAccounts()).some((a) => a.name === "accounts/a"));
    client.close();
  }
});

test("TLS mistakes give a maxpool error that says what to check", async () => {
  const opts = (names) => ({ target: CONTROL, token: TOKEN, tls: mp.tlsFromFiles(files(names)), callTimeoutMs: 10_000 });
  await refused(mp.connect(opts({ ...mtls, serverName: "other.test" })), /TLS: check the CA, the server name/);
  await refused(mp.connect(opts({ cert: "client.pem", key: "client.key" })), /TLS: check the CA/);
  await refused(mp.connect(opts({ ca: "ca.pem" }))); // no client certificate
  await refused(mp.connect({ target: CONTROL, token: TOKEN, callTimeoutMs: 10_000 })); // plaintext
  await refused(
    mp.connect({ ...opts(mtls), token: "not-the-token" }),
    /UNAUTHENTICATED: .+ \(check the token\)$/,
  );
});

test("the examples read TLS from MAXPOOL_CONTROL_CA/CERT/KEY/SERVER_NAME (drain over mTLS)", async (t) => {
  const tlsEnv = {
    MAXPOOL_CONTROL: CONTROL,
    MAXPOOL_CONTROL_TOKEN: TOKEN,
    MAXPOOL_CONTROL_CA: path.join(CERTS, "ca.pem"),
    MAXPOOL_CONTROL_CERT: path.join(CERTS, "client.pem"),
    MAXPOOL_CONTROL_KEY: path.join(CERTS, "client.key"),
    MAXPOOL_CONTROL_SERVER_NAME: "maxpool.test",
  };
  const r = await runExample("drain", ["--deadline", "5"], tlsEnv, 45_000).done;
  diag(t, "drain over mTLS", r);
  assert.equal(r.code, 0, describeRun("drain over mTLS", r));
  assert.match(r.stdout, /^server gone$/m, describeRun("drain over mTLS", r));
});
