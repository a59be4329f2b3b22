package api

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
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
		res.Body.Close()
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
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
			e.srv.trusted = nil
			if tt.trusted != "" {
				e.srv.trusted = []netip.Prefix{netip.MustParsePrefix(tt.trusted)}
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

func TestClientIP(t *testing.T) {
	s := &Server{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	for _, tt := range []struct {
		name, remote, xff, want string
	}{
		{"untrusted peer: header ignored", "192.0.2.1:5000", "198.51.100.9", "192.0.2.1"},
		{"trusted peer, no header", "10.0.0.2:5000", "", "10.0.0.2"},
		{"trusted peer: its client", "10.0.0.2:5000", "198.51.100.9", "198.51.100.9"},
		{"a forged left entry is not believed", "10.0.0.2:5000", "203.0.113.66, 198.51.100.9", "198.51.100.9"},
		{"chain of trusted proxies", "10.0.0.2:5000", "198.51.100.9, 10.1.1.1, 10.2.2.2", "198.51.100.9"},
		{"IPv6 proxy, mapped client", "[fd00::1]:5000", "::ffff:198.51.100.9", "198.51.100.9"},
		{"malformed entry: the peer", "10.0.0.2:5000", "not-an-ip", "10.0.0.2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Fatalf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// Our own TLS counts whatever the headers say.
func TestViaTLS(t *testing.T) {
	s := &Server{}
	if !s.viaTLS(httptest.NewRequest("GET", "https://dw.example/", nil)) {
		t.Fatal("a TLS request is not seen as TLS")
	}
	r := httptest.NewRequest("GET", "http://dw.example/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	if s.viaTLS(r) {
		t.Fatal("X-Forwarded-Proto believed from an untrusted peer")
	}
}
