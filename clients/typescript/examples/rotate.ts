// Rotates an API key with no request lost: adds the new account, makes it preferred, and once
// the old account has nothing in flight, disables it.
//
//   node dist/examples/rotate.js NEW_ID [OLD_ID] [--key-file PATH] [--target HOST:PORT]
//
// The key comes from --key-file or MAXPOOL_NEW_API_KEY, never from the command line (it would
// show in `ps` and the shell history). OLD_ID defaults to the account preferred now.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { accountId, accountName, Code, connect, ConnectError, optionsFromEnv } from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "key-file": { type: "string" }, target: { type: "string" }, timeout: { type: "string" } },
});

async function main() {
  const [newId, oldArg] = positionals;
  if (!newId) throw new Error("usage: rotate NEW_ID [OLD_ID] [--key-file PATH] [--target HOST:PORT]");
  const keyFile = values["key-file"];
  const apiKey = (keyFile ? readFileSync(keyFile, "utf8") : process.env.MAXPOOL_NEW_API_KEY ?? "").trim();
  if (!apiKey) throw new Error("no API key: give --key-file PATH or set MAXPOOL_NEW_API_KEY");

  const mp = connect(optionsFromEnv(values.target));
  const old = oldArg ?? accountId((await mp.getRoutingPolicy()).preferredAccount);
  if (!old) throw new Error("no account is preferred now: name the old account (rotate NEW_ID OLD_ID)");
  if (accountName(old) === accountName(newId)) throw new Error(`the old and new accounts are both ${old}`);

  try {
    await mp.createApiKeyAccount(newId, apiKey);
    console.log(`created ${accountName(newId)}`);
  } catch (e) {
    if (!(e instanceof ConnectError && e.code === Code.AlreadyExists)) throw e;
    console.log(`${accountName(newId)} exists already; using it`);
  }
  await mp.preferAccount(newId);
  console.log(`routing now prefers ${accountName(newId)}`);

  console.log(`waiting for ${accountName(old)} to finish its requests in flight`);
  await mp.waitAccountIdle(old, { timeoutMs: Number(values.timeout ?? 600) * 1000 });
  await mp.setAccountEnabled(old, false);
  console.log(`disabled ${accountName(old)}`);
}

main().catch((e: Error) => {
  console.error(`rotate: ${e.message}`);
  process.exit(1);
});
