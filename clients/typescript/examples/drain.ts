// Drains the server gracefully and waits until the drain is done and the server is gone.
//
//   node dist/examples/drain.js [HOST:PORT] [--deadline SECONDS] [--grace SECONDS]
//
// MAXPOOL_CONTROL (host:port) and MAXPOOL_CONTROL_TOKEN configure it. Exits 0 once the server
// has gone away, 1 when it is still there 30 s after the drain's end.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Code, connect, EventKind, optionsFromEnv } from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { deadline: { type: "string" }, grace: { type: "string" } },
});
const mp = connect(optionsFromEnv(positionals[0]));
const seconds = (s?: string) => (s === undefined ? undefined : Number(s) * 1000);
const gone = () => mp.status().then(() => false, (e) => e.code === Code.Unavailable);

async function main() {
  const res = await mp.drain({ deadlineMs: seconds(values.deadline), acceptGraceMs: seconds(values.grace) });
  const until = res.deadlineTime?.toDate().toISOString();
  console.log(`${res.alreadyDraining ? "already draining" : "draining"}: ${res.inFlight} in flight, deadline ${until}`);
  try {
    for await (const item of mp.events({ kinds: [EventKind.DRAIN_PROGRESS], maxBackoffMs: 1000 })) {
      if (item.kind === "gap") {
        if (item.reason === "disconnected" && (await gone())) break;
        continue;
      }
      if (item.event.payload.case !== "drainProgress") continue;
      const p = item.event.payload.value;
      console.log(`in flight ${p.inFlight}, held ${p.held}${p.done ? ": drain done" : ""}`);
      if (p.done) break;
    }
  } catch (e) {
    console.log(`event stream: ${(e as Error).message}`); // fall back to polling
  }
  for (let i = 0; i < 150; i++) {
    if (await gone()) return console.log("server gone");
    await sleep(200);
  }
  throw new Error(`the server at ${mp.target} is still running after the drain`);
}

main().catch((e: Error) => {
  console.error(`drain: ${e.message}`);
  process.exit(1);
});
