package maxpool

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// Config is how a command reaches the control plane, from flags with defaults from the
// environment. The token is never a flag (argv is visible to every user of the machine): it comes
// from MAXPOOL_CONTROL_TOKEN or a file.
//
//	flag         environment                   what
//	-control     MAXPOOL_CONTROL               host:port (default 127.0.0.1:3457)
//	-token-file  MAXPOOL_CONTROL_TOKEN_FILE    a file holding the token (else MAXPOOL_CONTROL_TOKEN)
//	-tls         MAXPOOL_CONTROL_TLS=1         TLS, verified against the system's roots
//	-ca          MAXPOOL_CONTROL_CA            TLS, verified against this CA (PEM)
//	-cert, -key  MAXPOOL_CONTROL_CERT, _KEY    mutual TLS: the client's certificate and key (PEM)
//	-server-name MAXPOOL_CONTROL_SERVER_NAME   TLS: the name the server's certificate has
type Config struct {
	Target     string
	Token      string
	TokenFile  string
	TLS        bool
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string
}

// RegisterFlags adds the flags above to fs (flag.CommandLine when nil) and returns the Config
// they fill in; call Dial after fs.Parse.
func RegisterFlags(fs *flag.FlagSet) *Config {
	if fs == nil {
		fs = flag.CommandLine
	}
	c := &Config{Token: os.Getenv("MAXPOOL_CONTROL_TOKEN")}
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Target, "control", env("MAXPOOL_CONTROL", "127.0.0.1:3457"), "control plane `host:port` (MAXPOOL_CONTROL)")
	fs.StringVar(&c.TokenFile, "token-file", env("MAXPOOL_CONTROL_TOKEN_FILE", ""), "`file` holding the control token (default: MAXPOOL_CONTROL_TOKEN)")
	fs.BoolVar(&c.TLS, "tls", env("MAXPOOL_CONTROL_TLS", "") == "1", "use TLS (MAXPOOL_CONTROL_TLS=1)")
	fs.StringVar(&c.CAFile, "ca", env("MAXPOOL_CONTROL_CA", ""), "TLS: CA certificates `file` (PEM) to verify the server (MAXPOOL_CONTROL_CA)")
	fs.StringVar(&c.CertFile, "cert", env("MAXPOOL_CONTROL_CERT", ""), "mutual TLS: client certificate `file` (MAXPOOL_CONTROL_CERT)")
	fs.StringVar(&c.KeyFile, "key", env("MAXPOOL_CONTROL_KEY", ""), "mutual TLS: client key `file` (MAXPOOL_CONTROL_KEY)")
	fs.StringVar(&c.ServerName, "server-name", env("MAXPOOL_CONTROL_SERVER_NAME", ""), "TLS: expected server `name` (MAXPOOL_CONTROL_SERVER_NAME)")
	return c
}

// Options turns the Config into Dial options, reading the token file if there is one.
func (c *Config) Options() ([]Option, error) {
	var opts []Option
	token := c.Token
	if c.TokenFile != "" {
		data, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("maxpool: token file: %w", err)
		}
		token = strings.TrimSpace(string(data))
		if token == "" {
			return nil, errors.New("maxpool: the token file " + c.TokenFile + " is empty")
		}
	}
	if token != "" {
		opts = append(opts, WithToken(token))
	}
	if c.TLS {
		opts = append(opts, WithTLS())
	}
	if c.CAFile != "" {
		opts = append(opts, WithCA(c.CAFile))
	}
	if c.CertFile != "" || c.KeyFile != "" {
		opts = append(opts, WithClientCert(c.CertFile, c.KeyFile))
	}
	if c.ServerName != "" {
		opts = append(opts, WithServerName(c.ServerName))
	}
	return opts, nil
}

// Dial connects as configured; extra options come last.
func (c *Config) Dial(extra ...Option) (*Client, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	return Dial(c.Target, append(opts, extra...)...)
}
