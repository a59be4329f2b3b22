package api_test

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/web"
)

// Every answer, UI or API, error or not, carries the security headers.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, rq := range []struct {
		c      *http.Client
		method string
		path   string
		header []string
	}{
		{e.client, "GET", "/api/settings", nil},
		{http.DefaultClient, "GET", "/api/settings", nil},
		{e.client, "GET", "/api/nothing", nil},
		{e.client, "POST", "/api/proxies", []string{"Sec-Fetch-Site", "cross-site"}},
		{http.DefaultClient, "GET", "/healthz", nil},
		{http.DefaultClient, "GET", "/settings", nil}, // the UI
	} {
		res := e.do(rq.c, rq.method, rq.path, nil, rq.header...)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		csp := "default-src 'none'; frame-ancestors 'none'"
		if !strings.HasPrefix(rq.path, "/api/") && rq.path != "/healthz" {
			csp = web.ContentSecurityPolicy(b) // the app's page: its own policy, no framing either
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "'sha256-") {
				t.Errorf("the UI's policy %q", csp)
			}
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"Content-Security-Policy": csp,
		} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s %s (%d): %s %q, want %q", rq.method, rq.path, res.StatusCode, name, got, want)
			}
		}
	}
}

// The session cookie is Secure when the client's connection was
// encrypted: X-Forwarded-Proto counts only from a trusted proxy.
func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name    string
		trusted string
		proto   string
		secure  bool
	}{
		{"no proxy trusted", "", "https", false},
		{"other proxy trusted", "10.0.0.0/8", "https", false},
		{"trusted proxy, https", "127.0.0.0/8", "https", true},
		{"trusted proxy, http", "127.0.0.1/32", "http", false},
		{"trusted proxy, no header", "127.0.0.1/32", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.SetTrustedProxies(nil)
			if tt.trusted != "" {
				e.srv.SetTrustedProxies([]netip.Prefix{netip.MustParsePrefix(tt.trusted)})
			}
			var hdr []string
			if tt.proto != "" {
				hdr = []string{"X-Forwarded-Proto", tt.proto}
			}
			res := e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword}, hdr...)
			e.expect(res, http.StatusOK)
			c := sessionCookieOf(res)
			if c == nil || c.Secure != tt.secure {
				t.Fatalf("cookie %+v, want Secure=%v", c, tt.secure)
			}
		})
	}
}
