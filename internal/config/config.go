// Package config holds Docker Watcher's start-up configuration: defaults in
// one place, flags with DW_* environment fallbacks, validation, and a
// printable form with secrets masked.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Config is everything `docker-watcher serve` needs before it opens the
// database. Settings that users change at run time live in the store.
type Config struct {
	Listen           string // UI and API
	ProxyListen      string // built-in reverse proxy
	ProxyTLSListen   string // its HTTPS, once a certificate exists
	DataDir          string // folder of the SQLite file
	AdminPassword    string // first start only; secret
	CloudflareAPIURL string // Cloudflare API base URL override (emulator)
	LogLevel         string // debug, info, warn, error
	LogFormat        string // text or json
	// ACME allows certificates from an ACME CA (DW_ACME=off forbids them
	// whatever the settings say: for set-ups where something else does
	// TLS, and for tests, which must not reach a CA on the internet).
	ACME bool
	// ACMEResolvers (host:port) check DNS-01 propagation instead of the
	// zone's authoritative servers (DW_ACME_DNS_RESOLVERS; tests,
	// split-horizon set-ups).
	ACMEResolvers []string
	// TrustedProxies are the reverse proxies in front of the UI and API
	// whose X-Forwarded-For and X-Forwarded-Proto are believed; empty:
	// nobody's.
	TrustedProxies []netip.Prefix
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Listen:         "127.0.0.1:8080",
		ProxyListen:    "127.0.0.1:8081",
		ProxyTLSListen: "127.0.0.1:8443",
		ACME:           true,
		DataDir:        "./data",
		LogLevel:       "info",
		LogFormat:      "text",
	}
}

// Parse reads flags from args, falling back to the environment (looked up
// with getenv) and then to the defaults. A flag set on the command line wins
// over the environment.
func Parse(name string, args []string, getenv func(string) string, output io.Writer) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	str := func(p *string, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, flagName, *p, usage+" (env "+env+")")
	}
	str(&c.Listen, "listen", "DW_LISTEN", "address of the web UI and API")
	str(&c.ProxyListen, "proxy-listen", "DW_PROXY_LISTEN", "address of the built-in reverse proxy")
	str(&c.ProxyTLSListen, "proxy-tls-listen", "DW_PROXY_TLS_LISTEN", "address of the built-in reverse proxy's HTTPS")
	str(&c.DataDir, "data", "DW_DATA", "folder of the SQLite database")
	str(&c.LogLevel, "log-level", "DW_LOG_LEVEL", "log level: debug, info, warn or error")
	str(&c.LogFormat, "log-format", "DW_LOG_FORMAT", "log format: text or json")
	trusted := getenv("DW_TRUSTED_PROXIES")
	fs.StringVar(&trusted, "trusted-proxies", trusted,
		"comma-separated addresses or CIDRs of reverse proxies in front of the UI whose X-Forwarded-For and -Proto are believed (env DW_TRUSTED_PROXIES)")
	// Secrets and test hooks come from the environment only, so they never
	// show in a process listing.
	c.AdminPassword = getenv("DW_ADMIN_PASSWORD")
	c.CloudflareAPIURL = getenv("DW_CLOUDFLARE_API_URL")
	switch v := getenv("DW_ACME"); v {
	case "", "on":
	case "off":
		c.ACME = false
	default:
		return c, fmt.Errorf("DW_ACME %q: want on or off", v)
	}
	for _, r := range strings.Split(getenv("DW_ACME_DNS_RESOLVERS"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.ACMEResolvers = append(c.ACMEResolvers, r)
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.TrustedProxies, err = ParsePrefixes(trusted); err != nil {
		return c, fmt.Errorf("--trusted-proxies: %w", err)
	}
	return c, c.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	addrs := []struct{ name, addr string }{{"listen", c.Listen}, {"proxy-listen", c.ProxyListen}, {"proxy-tls-listen", c.ProxyTLSListen}}
	for i, a := range addrs {
		_, port, err := net.SplitHostPort(a.addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want host:port: %w", a.name, a.addr, err))
			continue
		}
		for _, b := range addrs[:i] {
			if a.addr == b.addr && port != "0" {
				errs = append(errs, fmt.Errorf("--%s and --%s are both %q", b.name, a.name, a.addr))
			}
		}
	}
	for _, r := range c.ACMEResolvers {
		if _, _, err := net.SplitHostPort(r); err != nil {
			errs = append(errs, fmt.Errorf("DW_ACME_DNS_RESOLVERS: %q: want host:port", r))
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("--data must name a folder"))
	}
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.CloudflareAPIURL != "" {
		if u, err := url.Parse(c.CloudflareAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("DW_CLOUDFLARE_API_URL %q: want an http(s) URL", c.CloudflareAPIURL))
		}
	}
	return errors.Join(errs...)
}

// ParsePrefixes reads a comma-separated list of CIDRs and addresses.
func ParsePrefixes(list string) ([]netip.Prefix, error) { return model.ParsePrefixes(list) }

// SlogLevel converts LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// LogValue prints the configuration with secrets masked, for the start-up log.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("listen", c.Listen),
		slog.String("proxy_listen", c.ProxyListen),
		slog.String("proxy_tls_listen", c.ProxyTLSListen),
		slog.Bool("acme", c.ACME),
		slog.Any("acme_dns_resolvers", c.ACMEResolvers),
		slog.String("data", c.DataDir),
		slog.String("admin_password", mask(c.AdminPassword)),
		slog.String("cloudflare_api_url", c.CloudflareAPIURL),
		slog.String("log_level", c.LogLevel),
		slog.Any("trusted_proxies", c.TrustedProxies),
	)
}

// String is LogValue as text, so fmt never prints a secret either.
func (c Config) String() string { return c.LogValue().String() }

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}
