// The Go client test's driver (tests/clients/go/run.sh): each subcommand makes calls through the
// helper package maxpool.dev/clients/go/maxpool against the live pool of tests/clients/pool.sh
// (MAXPOOL_CONTROL, MAXPOOL_CONTROL_TOKEN, MAXPOOL_PROXY_URL, MAXPOOL_NEW_API_KEY), checks what
// it gets, and exits 1 saying what is wrong.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"maxpool.dev/clients/go/maxpool"
	pb "maxpool.dev/clients/go/maxpool/v1"
)

var ctx context.Context

func main() {
	if len(os.Args) < 2 {
		fail("usage: driver create ID | expect-accounts ID... | prefer ID | traffic N | expect-rotated NEW OLD | expect-unauthenticated | expect-gap")
	}
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx = c
	args := os.Args[2:]
	switch os.Args[1] {
	case "create":
		create(args[0])
	case "expect-accounts":
		expectAccounts(args)
	case "prefer":
		policy, err := dial().PreferAccount(ctx, args[0])
		check(err)
		fmt.Printf("routing: %s prefers %s\n", policy.Mode, policy.PreferredAccount)
	case "traffic":
		n, err := strconv.Atoi(args[0])
		check(err)
		traffic(n)
	case "expect-rotated":
		expectRotated(args[0], args[1])
	case "expect-unauthenticated":
		expectUnauthenticated()
	case "expect-gap":
		expectGap()
	default:
		fail("unknown subcommand " + os.Args[1])
	}
}

func dial(opts ...maxpool.Option) *maxpool.Client {
	token := os.Getenv("MAXPOOL_CONTROL_TOKEN")
	client, err := maxpool.Dial(os.Getenv("MAXPOOL_CONTROL"), append([]maxpool.Option{maxpool.WithToken(token)}, opts...)...)
	check(err)
	return client
}

func create(id string) {
	account, err := dial().CreateAPIKeyAccount(ctx, id, os.Getenv("MAXPOOL_NEW_API_KEY"), &pb.Account{DisplayName: "client test " + id})
	check(err)
	if account.Name != "accounts/"+id || account.Type != pb.AccountType_ACCOUNT_TYPE_API_KEY || !account.GetEnabled() {
		fail(fmt.Sprintf("CreateAccount returned %v", account))
	}
	fmt.Printf("created %s (%s, key %s)\n", account.Name, account.Type, account.Credential.GetFingerprint())
}

func expectAccounts(ids []string) {
	accounts, err := dial().ListAccounts(ctx)
	check(err)
	seen := map[string]bool{}
	var names []string
	for _, a := range accounts {
		seen[a.Name] = true
		names = append(names, a.Name)
	}
	fmt.Printf("accounts: %s\n", strings.Join(names, " "))
	for _, id := range ids {
		if !seen[maxpool.AccountName(id)] {
			fail(fmt.Sprintf("ListAccounts has no %s: %s", maxpool.AccountName(id), strings.Join(names, " ")))
		}
	}
}

// traffic sends n small /v1/messages requests to the data plane; each must succeed.
func traffic(n int) {
	body := `{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	for i := 0; i < n; i++ {
		req, err := http.NewRequestWithContext(ctx, "POST", os.Getenv("MAXPOOL_PROXY_URL")+"/v1/messages", strings.NewReader(body))
		check(err)
		req.Header.Set("content-type", "application/json")
		req.Header.Set("anthropic-version", "2023-06-01")
		resp, err := http.DefaultClient.Do(req)
		check(err)
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fail(fmt.Sprintf("request %d: HTTP %d: %s", i+1, resp.StatusCode, answer))
		}
	}
	fmt.Printf("traffic: %d requests, all 200\n", n)
}

func expectRotated(newID, oldID string) {
	client := dial()
	policy, err := client.RoutingPolicy(ctx)
	check(err)
	if policy.Mode != pb.RoutingMode_ROUTING_MODE_PREFERRED || policy.PreferredAccount != maxpool.AccountName(newID) {
		fail(fmt.Sprintf("after rotate the policy is %s preferring %q, want ROUTING_MODE_PREFERRED preferring %q",
			policy.Mode, policy.PreferredAccount, maxpool.AccountName(newID)))
	}
	old, err := client.GetAccount(ctx, oldID)
	check(err)
	if old.GetEnabled() || old.State != pb.AccountState_ACCOUNT_STATE_DISABLED {
		fail(fmt.Sprintf("after rotate %s is enabled=%t in state %s, want disabled", old.Name, old.GetEnabled(), old.State))
	}
	fresh, err := client.GetAccount(ctx, newID)
	check(err)
	if !fresh.GetEnabled() {
		fail(fmt.Sprintf("after rotate the new account %s is not enabled", fresh.Name))
	}
	snapshot, err := client.PoolSnapshot(ctx)
	check(err)
	if a := maxpool.AccountSnapshot(snapshot, oldID); a == nil || a.Enabled || a.InFlight != 0 {
		fail(fmt.Sprintf("the pool snapshot shows %v for the old account, want it disabled with nothing in flight", a))
	}
	fmt.Printf("rotated: %s preferred, %s disabled\n", policy.PreferredAccount, old.Name)
}

// expectUnauthenticated: a wrong token, and no token, give UNAUTHENTICATED with a clear message,
// on a call and on a watch (which must not retry it).
func expectUnauthenticated() {
	target := os.Getenv("MAXPOOL_CONTROL")
	for _, token := range []string{"not-the-control-token", ""} {
		client, err := maxpool.Dial(target, maxpool.WithToken(token))
		check(err)
		_, err = client.ListAccounts(ctx)
		expectUnauthenticatedError("ListAccounts", err)
		_, err = client.Drain(ctx, 0, 0)
		expectUnauthenticatedError("Drain", err)
		watchCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = client.WatchEvents(watchCtx, nil, nil).Recv()
		cancel()
		expectUnauthenticatedError("WatchEvents", err)
		client.Close()
	}
}

func expectUnauthenticatedError(call string, err error) {
	if err == nil {
		fail(call + " with a wrong token succeeded")
	}
	msg := err.Error()
	fmt.Printf("%s with a wrong token: %s\n", call, msg)
	want := "maxpool control plane at " + os.Getenv("MAXPOOL_CONTROL") + ": UNAUTHENTICATED: "
	if status.Code(err) != codes.Unauthenticated || !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "(check the token)") {
		fail(fmt.Sprintf("%s with a wrong token: got code %s and %q, want UNAUTHENTICATED and %q...(check the token)",
			call, status.Code(err), msg, want))
	}
	var e *maxpool.Error
	if !errors.As(err, &e) || e.Status.Code() != codes.Unauthenticated {
		fail(fmt.Sprintf("%s: the error is a %T, not a *maxpool.Error keeping the status", call, err))
	}
}

// expectGap: a watcher that stops reading while events pile up past its queue gets an EventGap
// with the number dropped, then newer events. The events: account b disabled and enabled again,
// 1000 times (the control plane's writes do not depend on the fake upstream's quotas).
func expectGap() {
	const toggles = 2000 // events; about 1300 fill gRPC's 64 KiB window and the queue of 16
	client := dial()
	watcher := client.WatchEvents(ctx, &pb.WatchEventsRequest{QueueSize: 16}, nil)
	check(watcher.Connect())
	for i := 0; i < toggles; i++ {
		_, err := client.SetAccountEnabled(ctx, "b", i%2 == 1)
		check(err)
	}
	var last uint64 // the sequence of the last event before the gap
	for events := 0; ; events++ {
		item, err := watcher.Recv()
		check(err)
		if gap := item.Gap; gap != nil {
			if gap.Broken || gap.Dropped <= 0 {
				fail(fmt.Sprintf("unexpected gap %+v", gap))
			}
			fmt.Printf("gap: %d events dropped after %d events\n", gap.Dropped, events)
			// Reading again, the watcher gets the events after the gap; with no filter, their
			// sequence numbers jump by the number dropped.
			_, err := client.SetAccountEnabled(ctx, "b", false)
			check(err)
			_, err = client.SetAccountEnabled(ctx, "b", true)
			check(err)
			item, err := watcher.Recv()
			check(err)
			if item.Event == nil || item.Event.Sequence != last+uint64(gap.Dropped)+1 {
				fail(fmt.Sprintf("after the last event %d and a gap of %d, got %v", last, gap.Dropped, item))
			}
			return
		}
		last = item.Event.Sequence
		if events >= toggles {
			fail(fmt.Sprintf("no gap marker: %d events came through a queue of 16 while the watcher was not reading", events))
		}
	}
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "driver: FAIL:", msg)
	os.Exit(1)
}
