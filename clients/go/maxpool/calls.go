package maxpool

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "maxpool.dev/clients/go/maxpool/v1"
)

// AccountName is the resource name of an account id: "work" -> "accounts/work". A name that
// already has the prefix is returned as it is.
func AccountName(id string) string {
	if strings.HasPrefix(id, "accounts/") {
		return id
	}
	return "accounts/" + id
}

// AccountID is the id in a resource name: "accounts/work" -> "work".
func AccountID(name string) string { return strings.TrimPrefix(name, "accounts/") }

// ListAccounts lists every account, in pool order (all pages).
func (c *Client) ListAccounts(ctx context.Context) ([]*pb.Account, error) {
	var all []*pb.Account
	req := &pb.ListAccountsRequest{PageSize: 1000}
	for {
		resp, err := c.Accounts.ListAccounts(ctx, req)
		if err != nil {
			return nil, err
		}
		all = append(all, resp.Accounts...)
		if resp.NextPageToken == "" {
			return all, nil
		}
		req.PageToken = resp.NextPageToken
	}
}

// GetAccount gets one account by id or name; NOT_FOUND when there is none.
func (c *Client) GetAccount(ctx context.Context, id string) (*pb.Account, error) {
	return c.Accounts.GetAccount(ctx, &pb.GetAccountRequest{Name: AccountName(id)})
}

// CreateAPIKeyAccount adds an account with an Anthropic Console API key. settings may be nil,
// or give display_name, enabled, priority, usage_cap and upstream.
func (c *Client) CreateAPIKeyAccount(ctx context.Context, id, apiKey string, settings *pb.Account) (*pb.Account, error) {
	return c.Accounts.CreateAccount(ctx, &pb.CreateAccountRequest{
		AccountId:  id,
		Account:    settings,
		Credential: &pb.CreateAccountRequest_ApiKey{ApiKey: &pb.ApiKeyCredential{ApiKey: apiKey}},
	})
}

// SetAccountEnabled turns an account on or off for routing; its requests in flight finish.
func (c *Client) SetAccountEnabled(ctx context.Context, id string, enabled bool) (*pb.Account, error) {
	return c.Accounts.UpdateAccount(ctx, &pb.UpdateAccountRequest{
		Account:    &pb.Account{Name: AccountName(id), Enabled: &enabled},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"enabled"}},
	})
}

// DeleteAccount removes an account. Without force it fails with FAILED_PRECONDITION while the
// account has requests in flight; with force it returns how many are still running there.
func (c *Client) DeleteAccount(ctx context.Context, id string, force bool) (inFlight int32, err error) {
	resp, err := c.Accounts.DeleteAccount(ctx, &pb.DeleteAccountRequest{Name: AccountName(id), Force: force})
	if err != nil {
		return 0, err
	}
	return resp.InFlight, nil
}

// RoutingPolicy gets the routing policy.
func (c *Client) RoutingPolicy(ctx context.Context) (*pb.RoutingPolicy, error) {
	return c.Routing.GetRoutingPolicy(ctx, &pb.GetRoutingPolicyRequest{})
}

// PreferAccount sends every new request to one account while it can serve
// (ROUTING_MODE_PREFERRED), with automatic failover.
func (c *Client) PreferAccount(ctx context.Context, id string) (*pb.RoutingPolicy, error) {
	return c.Routing.UpdateRoutingPolicy(ctx, &pb.UpdateRoutingPolicyRequest{
		Policy:     &pb.RoutingPolicy{PreferredAccount: AccountName(id)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_account"}},
	})
}

// AutomaticRouting goes back to the scheduler's choice over the whole pool.
func (c *Client) AutomaticRouting(ctx context.Context) (*pb.RoutingPolicy, error) {
	return c.Routing.UpdateRoutingPolicy(ctx, &pb.UpdateRoutingPolicyRequest{
		Policy:     &pb.RoutingPolicy{Mode: pb.RoutingMode_ROUTING_MODE_AUTOMATIC},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mode"}},
	})
}

// Status gets the server's version, listeners and load.
func (c *Client) Status(ctx context.Context) (*pb.GetStatusResponse, error) {
	return c.Lifecycle.GetStatus(ctx, &pb.GetStatusRequest{})
}

// PoolSnapshot gets the state, quota and load of every account now.
func (c *Client) PoolSnapshot(ctx context.Context) (*pb.PoolSnapshot, error) {
	return c.Telemetry.GetPoolSnapshot(ctx, &pb.GetPoolSnapshotRequest{})
}

// Drain starts a graceful drain: requests in flight get until deadline to finish, new ones are
// still accepted for acceptGrace; then the server exits 0. Zero durations take the server's
// defaults (shutdown.drainTimeoutMs; no grace).
func (c *Client) Drain(ctx context.Context, deadline, acceptGrace time.Duration) (*pb.DrainResponse, error) {
	req := &pb.DrainRequest{}
	if deadline > 0 {
		req.Deadline = durationpb.New(deadline)
	}
	if acceptGrace > 0 {
		req.AcceptGrace = durationpb.New(acceptGrace)
	}
	return c.Lifecycle.Drain(ctx, req)
}

// AccountSnapshot finds one account in a snapshot; nil when it is not there.
func AccountSnapshot(snapshot *pb.PoolSnapshot, id string) *pb.AccountSnapshot {
	name := AccountName(id)
	for _, a := range snapshot.GetAccounts() {
		if a.Account == name {
			return a
		}
	}
	return nil
}

// WaitAccountIdle polls the pool snapshot every interval until the account has no request in
// flight, or ctx ends. It fails when the account is not in the pool.
func (c *Client) WaitAccountIdle(ctx context.Context, id string, interval time.Duration) error {
	for {
		snapshot, err := c.PoolSnapshot(ctx)
		if err != nil {
			return err
		}
		a := AccountSnapshot(snapshot, id)
		if a == nil {
			return fmt.Errorf("maxpool: no account %q in the pool", AccountID(id))
		}
		if a.InFlight == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("maxpool: %s still has %d requests in flight: %w", a.Account, a.InFlight, ctx.Err())
		case <-time.After(interval):
		}
	}
}
