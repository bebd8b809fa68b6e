// Package maxpool is a thin client of maxpool's gRPC control plane (package maxpool.v1): Dial
// with a bearer token and TLS or mutual TLS, the four service stubs, a few common calls, and an
// event watcher that reconnects.
//
//	c, err := maxpool.Dial("127.0.0.1:3457", maxpool.WithToken(os.Getenv("MAXPOOL_CONTROL_TOKEN")))
//	if err != nil { ... }
//	defer c.Close()
//	accounts, err := c.ListAccounts(ctx)
//
// Every error of a call keeps its gRPC status (status.Code(err) works) and says which server
// answered, for example "maxpool control plane at 127.0.0.1:3457: UNAUTHENTICATED: the control
// token is not valid for this server (check the token)".
package maxpool

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"

	pb "maxpool.dev/clients/go/maxpool/v1"
)

// Client is a connection to one maxpool control plane with its four service stubs. It is safe
// for concurrent use. The stubs are the generated clients: any method of the API can be called
// on them directly, with the token, the codec and the error wrapping of Dial.
type Client struct {
	Accounts  pb.AccountServiceClient
	Routing   pb.RoutingServiceClient
	Lifecycle pb.LifecycleServiceClient
	Telemetry pb.TelemetryServiceClient

	conn   *grpc.ClientConn
	target string
}

// Conn is the underlying connection (for example for the grpc.health.v1 stubs).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Target is the address the client was dialled with.
func (c *Client) Target() string { return c.target }

// Close closes the connection; calls in progress fail with CANCELED.
func (c *Client) Close() error { return c.conn.Close() }

// An Option configures Dial.
type Option func(*options)

type options struct {
	token          string
	tls            bool
	caFile         string
	certFile       string
	keyFile        string
	serverName     string
	plaintextToken bool
	dialOptions    []grpc.DialOption
}

// WithToken sends `authorization: Bearer <token>` on every call (control.token, or
// control.readOnlyToken for reads only). Without TLS it is only sent to a loopback address
// (127.0.0.0/8, ::1, localhost, unix sockets) unless WithPlaintextToken is given too.
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithTLS speaks TLS, verifying the server against the system's roots (or WithCA's).
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithCA speaks TLS and verifies the server against the CA certificates of a PEM file.
func WithCA(caFile string) Option { return func(o *options) { o.tls, o.caFile = true, caFile } }

// WithClientCert speaks mutual TLS: the client presents this PEM certificate and key (for a
// server with control.tls.clientCaFile).
func WithClientCert(certFile, keyFile string) Option {
	return func(o *options) { o.tls, o.certFile, o.keyFile = true, certFile, keyFile }
}

// WithServerName speaks TLS and expects the server's certificate to be for this name instead of
// the target's host.
func WithServerName(name string) Option {
	return func(o *options) { o.tls, o.serverName = true, name }
}

// WithPlaintextToken allows sending the token without TLS to a host that is not loopback (for
// example over a network that is encrypted otherwise). Anyone on the path can read it.
func WithPlaintextToken() Option { return func(o *options) { o.plaintextToken = true } }

// WithDialOptions adds grpc.DialOptions (interceptors, keepalive, a custom dialer...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// Dial connects to the control plane at target ("host:port", or any gRPC target such as
// "dns:///maxpool.example:3457" or "unix:///run/maxpool.sock"). Like grpc.Dial it does not wait
// for the connection: a server that is down shows as UNAVAILABLE on the first call.
func Dial(target string, opts ...Option) (*Client, error) {
	if target == "" {
		return nil, errors.New("maxpool: no control plane address (host:port, for example 127.0.0.1:3457)")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dial := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.ForceCodec(Codec())),
		grpc.WithChainUnaryInterceptor(unaryErrors(target)),
		grpc.WithChainStreamInterceptor(streamErrors(target)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	}
	if o.tls {
		config, err := tlsConfig(&o)
		if err != nil {
			return nil, err
		}
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(config)))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if o.token != "" {
		if strings.ContainsAny(o.token, "\r\n") {
			return nil, errors.New("maxpool: the token contains a line break (read from a file with a trailing newline?)")
		}
		if !o.tls && !o.plaintextToken && !isLoopback(target) {
			return nil, fmt.Errorf("maxpool: refusing to send the token without TLS to %s, which is not a loopback "+
				"address; use TLS (WithTLS or WithCA), or allow it with WithPlaintextToken", target)
		}
		dial = append(dial, grpc.WithPerRPCCredentials(bearer{token: o.token, secure: o.tls}))
	}
	dial = append(dial, o.dialOptions...)
	conn, err := grpc.Dial(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("maxpool: dial %s: %w", target, err)
	}
	return &Client{
		Accounts:  pb.NewAccountServiceClient(conn),
		Routing:   pb.NewRoutingServiceClient(conn),
		Lifecycle: pb.NewLifecycleServiceClient(conn),
		Telemetry: pb.NewTelemetryServiceClient(conn),
		conn:      conn,
		target:    target,
	}, nil
}

func tlsConfig(o *options) (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.serverName}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, fmt.Errorf("maxpool: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("maxpool: CA file %s: no PEM certificate in it", o.caFile)
		}
		config.RootCAs = pool
	}
	if o.certFile != "" || o.keyFile != "" {
		if o.certFile == "" || o.keyFile == "" {
			return nil, errors.New("maxpool: a client certificate needs both its certificate and its key file")
		}
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("maxpool: client certificate: %w", err)
		}
		config.Certificates = []tls.Certificate{cert}
	}
	return config, nil
}

// bearer puts the token on every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity is false only where Dial allowed plaintext (loopback, or
// WithPlaintextToken).
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// isLoopback tells whether a gRPC target names this machine.
func isLoopback(target string) bool {
	if strings.HasPrefix(target, "unix:") || strings.HasPrefix(target, "unix-abstract:") {
		return true
	}
	// "scheme:///authority-less endpoint" (dns:///h:p, passthrough:///h:p)
	if i := strings.Index(target, ":///"); i >= 0 {
		target = target[i+4:]
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		host = strings.Trim(target, "[]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
