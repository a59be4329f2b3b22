package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Auth is an app's registry credentials. The zero value means "none of the
// app's own": Docker's config file (authn.DefaultKeychain) is asked, which
// falls back to anonymous access.
type Auth struct {
	Username string
	Password string
}

// IsZero reports whether no credentials are set.
func (a Auth) IsZero() bool { return a.Username == "" && a.Password == "" }

// String never shows the password, so an Auth printed by mistake (a log
// line, a %v in an error) leaks nothing.
func (a Auth) String() string {
	if a.IsZero() {
		return "(no credentials)"
	}
	return a.Username + ":********"
}

// GoString is String for %#v.
func (a Auth) GoString() string { return "registry.Auth{" + a.String() + "}" }

// Source is what the watcher needs from a registry; Client is the real one.
type Source interface {
	Tags(ctx context.Context, repo string, auth Auth) ([]string, error)
	Digest(ctx context.Context, repo, tag string, auth Auth) (string, error)
}

// Client reads tags and digests from registries. The zero value is ready to
// use.
type Client struct {
	// Timeout bounds one call (all pages of a tag list, or one digest with
	// its GET fallback): 30s when zero. The caller's context may end it
	// sooner.
	Timeout time.Duration
	// Keychain is asked when an app has no credentials of its own:
	// authn.DefaultKeychain (Docker's config.json) when nil.
	Keychain authn.Keychain
	// Transport is the HTTP transport: remote.DefaultTransport when nil.
	Transport http.RoundTripper
	// PageSize is the number of tags asked per page: the library's default
	// (1000) when zero.
	PageSize int
}

const defaultTimeout = 30 * time.Second

// retries inside one call stay short: the watcher's own backoff is the
// retry that matters, and a long one here would hold the app's check.
var callBackoff = remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Steps: 2}

// Tags lists every tag of repo (all pages).
func (c *Client) Tags(ctx context.Context, repo string, auth Auth) ([]string, error) {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	r, err := parseRepository(repo)
	if err != nil {
		return nil, err
	}
	opts := c.options(ctx, r.Registry, auth)
	if c.PageSize > 0 {
		opts = append(opts, remote.WithPageSize(c.PageSize))
	}
	tags, err := remote.List(r, opts...)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", repo, err)
	}
	return tags, nil
}

// Digest returns the manifest digest that tag of repo points to, as
// "sha256:…".
//
// It asks with HEAD, which Docker Hub does not count against its pull limit,
// and falls back to GET when HEAD fails: some registries omit the
// Docker-Content-Digest header on HEAD or do not support HEAD at all, and a
// failed HEAD has no body to say why. A 429 is not retried with GET, which
// would count.
func (c *Client) Digest(ctx context.Context, repo, tag string, auth Auth) (string, error) {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	r, err := parseRepository(repo)
	if err != nil {
		return "", err
	}
	ref, err := name.NewTag(r.Name()+":"+tag, insecureIfLoopback(r.Registry)...)
	if err != nil {
		return "", fmt.Errorf("tag %q of %s: %w", tag, repo, err)
	}
	opts := c.options(ctx, r.Registry, auth)
	desc, err := remote.Head(ref, opts...)
	if err == nil {
		return desc.Digest.String(), nil
	}
	if ctx.Err() != nil || statusCode(err) == http.StatusTooManyRequests {
		return "", fmt.Errorf("digest of %s:%s: %w", repo, tag, err)
	}
	got, gerr := remote.Get(ref, opts...)
	if gerr != nil {
		return "", fmt.Errorf("digest of %s:%s (HEAD, then GET): %w", repo, tag, gerr)
	}
	return got.Digest.String(), nil
}

// StatusCode is the HTTP status a registry answered with in err, or 0.
func StatusCode(err error) int { return statusCode(err) }

func statusCode(err error) int {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode
	}
	return 0
}

func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	t := c.Timeout
	if t <= 0 {
		t = defaultTimeout
	}
	return context.WithTimeout(ctx, t)
}

func (c *Client) options(ctx context.Context, reg name.Registry, auth Auth) []remote.Option {
	base := c.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	if !isLoopback(reg.RegistryStr()) {
		base = httpsOnly{base}
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(base),
		remote.WithRetryBackoff(callBackoff),
		remote.WithUserAgent("docker-watcher"),
	}
	if auth.IsZero() {
		kc := c.Keychain
		if kc == nil {
			kc = authn.DefaultKeychain
		}
		return append(opts, remote.WithAuthFromKeychain(kc))
	}
	return append(opts, remote.WithAuth(&authn.Basic{Username: auth.Username, Password: auth.Password}))
}

// parseRepository parses an image repository without tag ("host/path",
// or "path" on Docker Hub). Registries on the loopback address are spoken
// to over plain HTTP, as Docker itself does.
func parseRepository(repo string) (name.Repository, error) {
	r, err := name.NewRepository(repo)
	if err != nil {
		return name.Repository{}, fmt.Errorf("repository %q: %w", repo, err)
	}
	if opts := insecureIfLoopback(r.Registry); opts != nil {
		if r, err = name.NewRepository(repo, opts...); err != nil {
			return name.Repository{}, fmt.Errorf("repository %q: %w", repo, err)
		}
	}
	return r, nil
}

func insecureIfLoopback(reg name.Registry) []name.Option {
	if isLoopback(reg.RegistryStr()) {
		return []name.Option{name.Insecure}
	}
	return nil
}

// isLoopback reports whether a registry host[:port] is this machine:
// localhost, a name under .localhost (RFC 6761), or a loopback address.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpsOnly upgrades plain-HTTP requests to HTTPS. go-containerregistry
// speaks plain HTTP to private (RFC 1918) addresses by its own heuristic;
// Docker Watcher sends credentials in clear only to this machine, so every
// other registry must speak HTTPS (as the Docker Engine requires without an
// insecure-registries entry).
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return t.next.RoundTrip(req)
	}
	up := req.Clone(req.Context())
	up.URL.Scheme = "https"
	resp, err := t.next.RoundTrip(up)
	if resp != nil {
		// The library resolves pagination links against the request it
		// made and checks them against the scheme it chose.
		resp.Request = req
	}
	return resp, err
}
