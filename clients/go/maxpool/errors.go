package maxpool

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Error is the error of a failed call: the gRPC status, and the server that answered. It
// implements GRPCStatus, so status.Code(err) and status.FromError(err) see the server's code,
// message and details (for INVALID_ARGUMENT, a google.rpc.BadRequest naming each field).
type Error struct {
	Target string // the control plane's address
	Status *status.Status
}

// Error reads "maxpool control plane at HOST: CODE: message (hint)".
func (e *Error) Error() string {
	code := e.Status.Code()
	msg := fmt.Sprintf("maxpool control plane at %s: %s", e.Target, CodeName(code))
	if m := e.Status.Message(); m != "" {
		msg += ": " + m
	}
	if hint := hints[code]; hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

// GRPCStatus makes status.Code and status.FromError work on the error.
func (e *Error) GRPCStatus() *status.Status { return e.Status }

// Code is the gRPC status code.
func (e *Error) Code() codes.Code { return e.Status.Code() }

// Unwrap gives the plain gRPC status error.
func (e *Error) Unwrap() error { return e.Status.Err() }

var hints = map[codes.Code]string{
	codes.Unauthenticated:  "check the token",
	codes.PermissionDenied: "check the token",
	codes.Unavailable:      "is maxpool running there, with the control plane on that port and the same TLS setting?",
}

// CodeName is the canonical name of a code, as in the protos and grpcurl: "UNAUTHENTICATED".
func CodeName(c codes.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("CODE(%d)", uint32(c))
}

var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL",
	codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
}

// wrap turns a call's error into an *Error; io.EOF (the normal end of a stream) stays as it is.
func wrap(target string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			st = status.FromContextError(err)
		} else {
			return fmt.Errorf("maxpool control plane at %s: %w", target, err)
		}
	}
	return &Error{Target: target, Status: st}
}

func unaryErrors(target string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return wrap(target, invoker(ctx, method, req, reply, cc, opts...))
	}
}

func streamErrors(target string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
		streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, wrap(target, err)
		}
		return wrappedStream{ClientStream: s, target: target}, nil
	}
}

type wrappedStream struct {
	grpc.ClientStream
	target string
}

func (s wrappedStream) RecvMsg(m interface{}) error {
	return wrap(s.target, s.ClientStream.RecvMsg(m))
}

func (s wrappedStream) SendMsg(m interface{}) error {
	return wrap(s.target, s.ClientStream.SendMsg(m))
}

func (s wrappedStream) Header() (metadata.MD, error) {
	md, err := s.ClientStream.Header()
	return md, wrap(s.target, err)
}
