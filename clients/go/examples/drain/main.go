// drain starts a graceful drain of the server and follows it: requests in flight finish, then the
// server exits. It prints the drain's progress and returns once the server is gone.
//
//	MAXPOOL_CONTROL=127.0.0.1:3457 MAXPOOL_CONTROL_TOKEN=... drain [-deadline 60s] [-grace 5s]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"maxpool.dev/clients/go/maxpool"
	pb "maxpool.dev/clients/go/maxpool/v1"
)

func main() {
	config := maxpool.RegisterFlags(nil)
	deadline := flag.Duration("deadline", 0, "time requests in flight get to finish (0: the server's shutdown.drainTimeoutMs)")
	grace := flag.Duration("grace", 0, "time new requests are still accepted")
	wait := flag.Duration("wait", 0, "give up waiting after this long (0: the drain deadline plus 30 s)")
	flag.Parse()

	client, err := config.Dial()
	check(err)
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Subscribe first, so that the drain's first progress report is not missed.
	progress := client.WatchEvents(ctx, &pb.WatchEventsRequest{Kinds: []pb.EventKind{pb.EventKind_EVENT_KIND_DRAIN_PROGRESS}},
		&maxpool.WatchOptions{NoReconnect: true})
	check(progress.Connect())
	drain, err := client.Drain(ctx, *deadline, *grace)
	check(err)
	fmt.Printf("draining: %d in flight, deadline %s (already draining: %t)\n",
		drain.InFlight, drain.DeadlineTime.AsTime().Local().Format(time.RFC3339), drain.AlreadyDraining)
	if *wait == 0 {
		*wait = time.Until(drain.DeadlineTime.AsTime()) + 30*time.Second
	}
	time.AfterFunc(*wait, cancel)

	for {
		item, err := progress.Recv()
		if err != nil {
			break // the server closed the stream: it is exiting
		}
		if d := item.Event.GetDrainProgress(); d != nil {
			fmt.Printf("drain: %d in flight, %d held, done=%t\n", d.InFlight, d.Held, d.Done)
			if d.Done {
				break
			}
		}
	}
	progress.Close()

	// The server exits once the drain is done: wait until it no longer answers.
	for {
		_, err := client.Status(ctx)
		if ctx.Err() != nil {
			check(fmt.Errorf("the server still answers after %s", *wait))
		}
		if status.Code(err) == codes.Unavailable {
			fmt.Println("drained: the server is gone")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain:", err)
		os.Exit(1)
	}
}
