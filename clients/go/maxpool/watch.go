package maxpool

import (
	"context"
	"errors"
	"io"
	"math/rand"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "maxpool.dev/clients/go/maxpool/v1"
)

// ErrStreamEnded is a Gap's Err when the server ended the stream without an error.
var ErrStreamEnded = errors.New("the server ended the event stream")

// A WatchItem is what an EventWatcher yields: an event, or a gap.
type WatchItem struct {
	Event *pb.Event // something happened; nil for a gap
	Gap   *Gap      // events were lost here; nil for an event
}

// A Gap is a point of the stream where events were lost.
type Gap struct {
	// Dropped is how many events the server dropped because this watcher fell behind (its
	// EventGap marker). Zero for a break, where the number is unknown.
	Dropped int64
	// Broken is true when the stream broke (the server went away or ended it): the next Recv
	// reconnects, and whatever happened in between is lost.
	Broken bool
	// Err is why the stream broke.
	Err error
}

// WatchOptions tune an EventWatcher. The zero value reconnects forever, from 200 ms to 10 s
// apart.
type WatchOptions struct {
	MinBackoff, MaxBackoff time.Duration
	// MaxReconnects is how many reconnections in a row may fail before Recv returns the error;
	// 0 is no limit. NoReconnect makes a break an error instead of a gap.
	MaxReconnects int
	NoReconnect   bool
	// OnConnect, when set, is called each time a stream opens: the server answered, so it has
	// subscribed the watcher, and every event from then on is delivered (or counted in a gap).
	// grpc-go 1.33 also opens a stream that the server refuses at once; its error comes with the
	// next Recv.
	OnConnect func()
}

// EventWatcher reads TelemetryService.WatchEvents, surfacing the server's gap markers, and
// reconnecting with backoff when the stream breaks (reported as a Gap with Broken set). Use it
// from one goroutine.
type EventWatcher struct {
	client *Client
	ctx    context.Context
	req    *pb.WatchEventsRequest
	opts   WatchOptions

	stream    pb.TelemetryService_WatchEventsClient
	cancel    context.CancelFunc
	connected bool // a stream was opened once: later failures are reconnections
	broken    bool // a break was reported, and no message came since: reconnecting
	failures  int  // reconnections failed in a row
	delay     time.Duration
}

// WatchEvents starts watching events (req may be nil: every event, the default queue). The
// first stream opens on the first Recv. Close the watcher, or cancel ctx, to stop.
func (c *Client) WatchEvents(ctx context.Context, req *pb.WatchEventsRequest, opts *WatchOptions) *EventWatcher {
	w := &EventWatcher{client: c, ctx: ctx, req: req}
	if req == nil {
		w.req = &pb.WatchEventsRequest{}
	}
	if opts != nil {
		w.opts = *opts
	}
	if w.opts.MinBackoff <= 0 {
		w.opts.MinBackoff = 200 * time.Millisecond
	}
	if w.opts.MaxBackoff < w.opts.MinBackoff {
		w.opts.MaxBackoff = 10 * time.Second
		if w.opts.MaxBackoff < w.opts.MinBackoff {
			w.opts.MaxBackoff = w.opts.MinBackoff
		}
	}
	return w
}

// Recv blocks for the next event or gap. It returns an error when ctx ends (ctx.Err() itself),
// for an error that reconnecting cannot fix (UNAUTHENTICATED, PERMISSION_DENIED,
// INVALID_ARGUMENT...), when the first connection fails, and after MaxReconnects failed
// reconnections in a row.
func (w *EventWatcher) Recv() (*WatchItem, error) {
	for {
		if err := w.ctx.Err(); err != nil {
			w.Close()
			return nil, err
		}
		if w.stream == nil {
			if w.broken {
				if err := w.sleep(); err != nil {
					return nil, err
				}
			}
			if err := w.open(); err != nil {
				if !w.connected || !retryable(err) {
					return nil, err
				}
				if err := w.failed(err); err != nil {
					return nil, err
				}
				continue
			}
		}
		resp, err := w.stream.Recv()
		if err != nil {
			w.Close()
			if w.ctx.Err() != nil {
				continue // reported at the top
			}
			if err == io.EOF {
				err = ErrStreamEnded
			}
			if w.opts.NoReconnect || !retryable(err) {
				return nil, err
			}
			if w.broken {
				// A reconnection that ended before any message (grpc-go opens a stream that the
				// server refuses as if it had accepted it): the break is reported already.
				if err := w.failed(err); err != nil {
					return nil, err
				}
				continue
			}
			w.broken = true
			return &WatchItem{Gap: &Gap{Broken: true, Err: err}}, nil
		}
		// A message: the stream works.
		w.broken, w.failures, w.delay = false, 0, 0
		switch item := resp.Item.(type) {
		case *pb.WatchEventsResponse_Event:
			return &WatchItem{Event: item.Event}, nil
		case *pb.WatchEventsResponse_Gap:
			return &WatchItem{Gap: &Gap{Dropped: item.Gap.Dropped}}, nil
		}
		// An empty message (a newer server's item this client does not know): skip it.
	}
}

// Connect opens the stream now, if it is not open, instead of on the next Recv: once it returns,
// the server has subscribed the watcher (or refused it: see OnConnect).
func (w *EventWatcher) Connect() error {
	if w.stream != nil {
		return nil
	}
	return w.open()
}

// Close ends the current stream. Recv after Close opens a new one.
func (w *EventWatcher) Close() {
	if w.cancel != nil {
		w.cancel()
	}
	w.stream, w.cancel = nil, nil
}

// open starts a stream and waits for the server's headers, which it sends once it has
// subscribed this watcher: no event is missed from then on.
func (w *EventWatcher) open() error {
	ctx, cancel := context.WithCancel(w.ctx)
	stream, err := w.client.Telemetry.WatchEvents(ctx, w.req)
	if err == nil {
		_, err = stream.Header()
	}
	if err != nil {
		cancel()
		return err
	}
	w.stream, w.cancel, w.connected = stream, cancel, true
	if w.opts.OnConnect != nil {
		w.opts.OnConnect()
	}
	return nil
}

// failed counts a failed reconnection: the error once MaxReconnects have failed in a row.
func (w *EventWatcher) failed(err error) error {
	w.failures++
	if w.opts.MaxReconnects > 0 && w.failures >= w.opts.MaxReconnects {
		return err
	}
	return nil
}

// sleep waits before a reconnection: exponential backoff with jitter.
func (w *EventWatcher) sleep() error {
	if w.delay == 0 {
		w.delay = w.opts.MinBackoff
	} else if w.delay *= 2; w.delay > w.opts.MaxBackoff {
		w.delay = w.opts.MaxBackoff
	}
	d := w.delay/2 + time.Duration(rand.Int63n(int64(w.delay/2)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
		return w.ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryable tells whether a stream's failure may go away by reconnecting.
func retryable(err error) bool {
	if err == io.EOF || err == ErrStreamEnded {
		return true
	}
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied, codes.InvalidArgument, codes.Unimplemented,
		codes.NotFound, codes.FailedPrecondition, codes.OutOfRange:
		return false
	}
	return true
}
