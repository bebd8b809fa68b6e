// watch prints maxpool's events, one line each: requests finished, failovers, OAuth refreshes,
// account state changes, drain progress, and gaps (events lost, or the stream broke and is
// reconnecting).
//
//	MAXPOOL_CONTROL=127.0.0.1:3457 MAXPOOL_CONTROL_TOKEN=... watch [-account ID] [-n N]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"maxpool.dev/clients/go/maxpool"
	pb "maxpool.dev/clients/go/maxpool/v1"
)

func main() {
	config := maxpool.RegisterFlags(nil)
	account := flag.String("account", "", "only events about this account `id` (and the pool's own)")
	count := flag.Int("n", 0, "exit after N requests finished (0: run until interrupted)")
	maxReconnects := flag.Int("max-reconnects", 0, "give up after N failed reconnections in a row (0: never)")
	flag.Parse()

	client, err := config.Dial()
	if err != nil {
		fail(err)
	}
	defer client.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	req := &pb.WatchEventsRequest{}
	if *account != "" {
		req.Accounts = []string{maxpool.AccountName(*account)}
	}
	watcher := client.WatchEvents(ctx, req, &maxpool.WatchOptions{
		MaxReconnects: *maxReconnects,
		OnConnect:     func() { fmt.Fprintf(os.Stderr, "watch: watching events at %s\n", client.Target()) },
	})
	for finished := 0; *count == 0 || finished < *count; {
		item, err := watcher.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fail(err)
		}
		if gap := item.Gap; gap != nil {
			if gap.Broken {
				fmt.Printf("gap stream broke, reconnecting: %v\n", gap.Err)
			} else {
				fmt.Printf("gap dropped=%d\n", gap.Dropped)
			}
			continue
		}
		e := item.Event
		switch p := e.Payload.(type) {
		case *pb.Event_RequestFinished:
			r := p.RequestFinished
			finished++
			fmt.Printf("request_finished seq=%d account=%s %s %s status=%d attempts=%d duration=%s\n",
				e.Sequence, r.Account, r.Method, r.Path, r.Status, r.Attempts, r.Duration.AsDuration().Round(time.Millisecond))
		case *pb.Event_Failover:
			f := p.Failover
			fmt.Printf("failover seq=%d account=%s class=%s status=%d next=%s\n", e.Sequence, f.Account, f.FailureClass, f.Status, f.Next)
		case *pb.Event_RefreshFinished:
			r := p.RefreshFinished
			fmt.Printf("refresh seq=%d account=%s ok=%t %s\n", e.Sequence, r.Account, r.Ok, r.Error)
		case *pb.Event_AccountStateChanged:
			s := p.AccountStateChanged
			fmt.Printf("state seq=%d account=%s %s -> %s %s\n", e.Sequence, s.Account, s.Previous, s.Current, s.Reason)
		case *pb.Event_DrainProgress:
			d := p.DrainProgress
			fmt.Printf("drain seq=%d in_flight=%d held=%d done=%t\n", e.Sequence, d.InFlight, d.Held, d.Done)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "watch:", err)
	os.Exit(1)
}
