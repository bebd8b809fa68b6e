// rotate brings in a new API key account and retires an old one with no request lost: it adds
// the account, makes it the preferred one, waits until the old account (the previously preferred
// one, or -old) has nothing in flight, and disables it.
//
//	MAXPOOL_NEW_API_KEY=sk-ant-api03-... rotate -id new [-old old]
//	rotate -id new -key-file new-key.txt
//
// The key is read from a file or the environment, never from the command line.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"maxpool.dev/clients/go/maxpool"
)

func main() {
	config := maxpool.RegisterFlags(nil)
	id := flag.String("id", "", "`id` of the new account (required)")
	keyFile := flag.String("key-file", "", "`file` holding the new API key (default: MAXPOOL_NEW_API_KEY)")
	old := flag.String("old", "", "account `id` to retire (default: the preferred account)")
	timeout := flag.Duration("timeout", 10*time.Minute, "how long to wait for the old account's requests")
	flag.Parse()

	key := os.Getenv("MAXPOOL_NEW_API_KEY")
	if *keyFile != "" {
		data, err := os.ReadFile(*keyFile)
		check(err)
		key = strings.TrimSpace(string(data))
	}
	if *id == "" || key == "" {
		fail("need -id, and the key in -key-file or MAXPOOL_NEW_API_KEY")
	}
	client, err := config.Dial()
	check(err)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	retire := *old
	if retire == "" {
		policy, err := client.RoutingPolicy(ctx)
		check(err)
		if retire = maxpool.AccountID(policy.PreferredAccount); retire == "" {
			fail("no account is preferred now (automatic routing): name the one to retire with -old")
		}
	}
	if maxpool.AccountName(retire) == maxpool.AccountName(*id) {
		fail("the new account and the old one are the same: " + retire)
	}
	_, err = client.GetAccount(ctx, retire)
	check(err)

	account, err := client.CreateAPIKeyAccount(ctx, *id, key, nil)
	check(err)
	fmt.Printf("added %s (key %s)\n", account.Name, account.Credential.GetFingerprint())
	policy, err := client.PreferAccount(ctx, *id)
	check(err)
	fmt.Printf("routing: %s prefers %s\n", policy.Mode, policy.PreferredAccount)

	fmt.Printf("waiting for %s to finish its requests in flight\n", maxpool.AccountName(retire))
	check(client.WaitAccountIdle(ctx, retire, 500*time.Millisecond))
	disabled, err := client.SetAccountEnabled(ctx, retire, false)
	check(err)
	fmt.Printf("disabled %s (enabled=%t, state %s)\n", disabled.Name, disabled.GetEnabled(), disabled.State)
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "rotate:", msg)
	os.Exit(1)
}
