// Streams the pool's events: one line per request finished, failover and OAuth refresh, and one
// per gap (events lost because this watcher fell behind, or the stream broke and is reopened).
//
//   node dist/examples/watch.js [HOST:PORT] [--count N]
//
// MAXPOOL_CONTROL (host:port) and MAXPOOL_CONTROL_TOKEN configure it; --count exits after N
// requests. Ctrl-C stops it.
import { parseArgs } from "node:util";
import { connect, optionsFromEnv, EventKind, type Event } from "../src/index.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: "string" } } });
const mp = connect(optionsFromEnv(positionals[0]));
const stop = new AbortController();
process.on("SIGINT", () => stop.abort()).on("SIGTERM", () => stop.abort());
let left = values.count ? Number(values.count) : Infinity;

const ms = (d?: { seconds: bigint; nanos: number }) => (d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : 0);

function line(e: Event): string | undefined {
  const at = e.time?.toDate().toISOString() ?? "";
  const p = e.payload;
  switch (p.case) {
    case "requestFinished":
      return `${at} request ${p.value.account || "-"} ${p.value.method} ${p.value.path} ${p.value.status} ` +
        `${ms(p.value.duration).toFixed(1)}ms attempts=${p.value.attempts}${p.value.held ? " held" : ""}`;
    case "failover":
      return `${at} failover ${p.value.account} ${p.value.failureClass} status=${p.value.status} next=${p.value.next}`;
    case "refreshFinished":
      return `${at} refresh ${p.value.account} ${p.value.ok ? "ok" : `failed: ${p.value.error}`}`;
  }
}

async function main() {
  const kinds = [EventKind.REQUEST_FINISHED, EventKind.FAILOVER, EventKind.REFRESH];
  const onConnected = () => console.log(`watching ${mp.target}`);
  for await (const item of mp.events({ kinds, signal: stop.signal, onConnected })) {
    if (item.kind === "gap") {
      console.log(item.reason === "behind"
        ? `gap: ${item.dropped} event(s) dropped (this watcher fell behind)`
        : `gap: stream broke (${item.error?.message ?? "ended by the server"}); reconnecting in ${item.retryInMs} ms`);
      continue;
    }
    const text = line(item.event);
    if (text) console.log(text);
    if (item.event.payload.case === "requestFinished" && --left <= 0) break;
  }
}

main().catch((e: Error) => {
  console.error(`watch: ${e.message}`);
  process.exit(1);
});
