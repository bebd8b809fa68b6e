package maxpool

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "maxpool.dev/clients/go/maxpool/v1"
)

// The in-process test server needs the API v2 codec too (Debian's golang/protobuf is 1.3.5).
func init() { encoding.RegisterCodec(Codec()) }

func TestCodecRoundTripsOneofs(t *testing.T) {
	in := &pb.WatchEventsResponse{Item: &pb.WatchEventsResponse_Event{Event: &pb.Event{
		Sequence: 7,
		Payload:  &pb.Event_RequestFinished{RequestFinished: &pb.RequestFinished{Account: "accounts/a", Status: 200}},
	}}}
	data, err := Codec().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := &pb.WatchEventsResponse{}
	if err := Codec().Unmarshal(data, out); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(in, out) {
		t.Fatalf("got %v, want %v", out, in)
	}
}

func TestIsLoopback(t *testing.T) {
	for target, want := range map[string]bool{
		"127.0.0.1:3457": true, "localhost:3457": true, "[::1]:3457": true, "dns:///localhost:1": true,
		"unix:///run/maxpool.sock": true, "127.9.9.9:1": true,
		"10.0.0.1:3457": false, "maxpool:3457": false, "dns:///maxpool.example:3457": false, "[::]:1": false,
	} {
		if got := isLoopback(target); got != want {
			t.Errorf("isLoopback(%q) = %t, want %t", target, got, want)
		}
	}
}

func TestDialKeepsTheTokenOffPlaintextNetworks(t *testing.T) {
	if _, err := Dial("10.0.0.1:3457", WithToken("t")); err == nil || !strings.Contains(err.Error(), "without TLS") {
		t.Errorf("Dial with a token, no TLS, to a remote host: got %v, want a refusal", err)
	}
	for _, opts := range [][]Option{
		{WithToken("t"), WithPlaintextToken()},
		{WithToken("t"), WithTLS()},
		{},
	} {
		c, err := Dial("10.0.0.1:3457", opts...)
		if err != nil {
			t.Errorf("Dial: %v", err)
			continue
		}
		c.Close()
	}
	if _, err := Dial("127.0.0.1:1", WithToken("t\n")); err == nil {
		t.Error("Dial accepted a token with a line break")
	}
}

// fakeTelemetry is a TelemetryService whose WatchEvents streams play scripts, one per stream.
type fakeTelemetry struct {
	pb.UnimplementedTelemetryServiceServer
	mu      sync.Mutex
	scripts [][]*pb.WatchEventsResponse
	ends    []error
	tokens  []string
}

func (f *fakeTelemetry) GetPoolSnapshot(ctx context.Context, _ *pb.GetPoolSnapshotRequest) (*pb.PoolSnapshot, error) {
	if err := f.auth(ctx); err != nil {
		return nil, err
	}
	return &pb.PoolSnapshot{InFlight: 3}, nil
}

func (f *fakeTelemetry) WatchEvents(_ *pb.WatchEventsRequest, stream pb.TelemetryService_WatchEventsServer) error {
	if err := f.auth(stream.Context()); err != nil {
		return err
	}
	f.mu.Lock()
	if len(f.scripts) == 0 {
		f.mu.Unlock()
		return status.Error(codes.Unavailable, "no more scripts")
	}
	script, end := f.scripts[0], f.ends[0]
	f.scripts, f.ends = f.scripts[1:], f.ends[1:]
	f.mu.Unlock()
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	for _, m := range script {
		if err := stream.Send(m); err != nil {
			return err
		}
	}
	return end
}

func (f *fakeTelemetry) auth(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.tokens = append(f.tokens, strings.Join(md.Get("authorization"), ","))
	f.mu.Unlock()
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer good" {
		return status.Error(codes.Unauthenticated, "the control token is not valid for this server")
	}
	return nil
}

func serve(t *testing.T, f *fakeTelemetry) (target string, stop func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	pb.RegisterTelemetryServiceServer(s, f)
	go s.Serve(lis)
	return lis.Addr().String(), s.Stop
}

func event(seq uint64) *pb.WatchEventsResponse {
	return &pb.WatchEventsResponse{Item: &pb.WatchEventsResponse_Event{Event: &pb.Event{Sequence: seq}}}
}

func TestTokenAndErrors(t *testing.T) {
	f := &fakeTelemetry{}
	target, stop := serve(t, f)
	defer stop()
	ctx := context.Background()

	good, err := Dial(target, WithToken("good"))
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if s, err := good.PoolSnapshot(ctx); err != nil || s.InFlight != 3 {
		t.Fatalf("PoolSnapshot: %v, %v", s, err)
	}
	if f.tokens[0] != "Bearer good" {
		t.Errorf("the server got authorization %q", f.tokens[0])
	}

	bad, err := Dial(target, WithToken("bad"))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.PoolSnapshot(ctx)
	want := "maxpool control plane at " + target + ": UNAUTHENTICATED: the control token is not valid for this server (check the token)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("status.Code = %v", status.Code(err))
	}
	// A watch does not retry a refused token.
	if _, err := bad.WatchEvents(ctx, nil, nil).Recv(); status.Code(err) != codes.Unauthenticated {
		t.Errorf("WatchEvents with a bad token: %v", err)
	}
}

func TestWatcherSurfacesGapsAndReconnects(t *testing.T) {
	f := &fakeTelemetry{
		scripts: [][]*pb.WatchEventsResponse{
			{event(1), {Item: &pb.WatchEventsResponse_Gap{Gap: &pb.EventGap{Dropped: 3}}}, event(5)},
			{event(9)},
		},
		ends: []error{nil, status.Error(codes.Internal, "boom")},
	}
	target, stop := serve(t, f)
	defer stop()
	c, err := Dial(target, WithToken("good"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	connects := 0
	w := c.WatchEvents(ctx, nil, &WatchOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		MaxReconnects: 3, OnConnect: func() { connects++ }})

	var got []string
	for {
		item, err := w.Recv()
		if err != nil {
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("the watcher ended with %v, want UNAVAILABLE after its reconnections failed", err)
			}
			break
		}
		switch {
		case item.Event != nil:
			got = append(got, "event "+string(rune('0'+item.Event.Sequence)))
		case item.Gap.Broken && item.Gap.Err == ErrStreamEnded:
			got = append(got, "broken ENDED")
		case item.Gap.Broken:
			got = append(got, "broken "+CodeName(status.Code(item.Gap.Err)))
		default:
			got = append(got, "gap "+string(rune('0'+item.Gap.Dropped)))
		}
	}
	want := "event 1,gap 3,event 5,broken ENDED,event 9,broken INTERNAL"
	if strings.Join(got, ",") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ","), want)
	}
	// 2 streams worked; grpc-go 1.33 also reports the 3 refused reconnections as opened.
	if connects < 2 {
		t.Errorf("OnConnect called %d times, want at least 2", connects)
	}
}
