package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

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

func TestIPLimitKey(t *testing.T) {
	for _, tt := range []struct{ ip, want string }{
		{"192.0.2.7", "ip:192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "ip:2001:db8:1:2::/64"},
		{"::ffff:192.0.2.7", "ip:::ffff:192.0.2.7"},
		{"not an address", "ip:not an address"},
	} {
		if got := ipLimitKey(tt.ip); got != tt.want {
			t.Errorf("ipLimitKey(%q) = %q, want %q", tt.ip, got, tt.want)
		}
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

func TestOffReason(t *testing.T) {
	on := model.Settings{Domain: "example.com", ACMEEnabled: true}
	npm := on
	npm.ProxyProvider = model.RouterNPM
	noDomain, acmeOff := on, on
	noDomain.Domain, acmeOff.ACMEEnabled = "", false
	for _, c := range []struct {
		name      string
		st        model.Settings
		forbidden bool
		want      string // a part of the reason; "" for none
	}{
		{"on: no reason", on, false, ""},
		{"the server forbids it, whatever the settings", on, true, "DW_ACME=off"},
		{"the server's switch before a missing domain", noDomain, true, "DW_ACME=off"},
		{"Nginx Proxy Manager serves HTTPS", npm, false, "Nginx Proxy Manager"},
		{"no domain", noDomain, false, "Set a domain"},
		{"ACME off in the settings", acmeOff, false, "ACME is off in the settings"},
	} {
		got := offReason(c.st, c.forbidden)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: offReason = %q, want it to say %q", c.name, got, c.want)
		}
	}
}
