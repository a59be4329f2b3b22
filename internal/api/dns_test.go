package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

func TestDNSTestEndpoint(t *testing.T) {
	e := newEnv(t)
	zone := e.cf.AddZone("example.com")
	e.cf.AddToken("good-token", cfemu.TokenOptions{CanEdit: true})
	e.cf.AddToken("read-only-token", cfemu.TokenOptions{})

	e.expectError(e.do(e.client, "POST", "/api/dns/test", nil), http.StatusBadRequest, "dns_provider")
	e.expectError(e.do(e.client, "POST", "/api/dns/test", `{"dns_provider":"cloudflare"}`), http.StatusBadRequest, "cloudflare_api_token")
	e.expectError(e.do(e.client, "POST", "/api/dns/test", `{"dns_provider":"cloudflare","cloudflare_api_token":"x","cloudflare_zone_id":"nothex"}`), http.StatusBadRequest, "cloudflare_zone_id")

	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{
		"dns_provider": "cloudflare", "cloudflare_api_token": "good-token", "cloudflare_zone_id": zone.ID,
	}), http.StatusOK)
	// The stored settings.
	res := decodeInto[api.DNSTestResponse](t, e.expect(e.do(e.client, "POST", "/api/dns/test", nil), http.StatusOK))
	if !res.OK || res.ZoneName != "example.com" || len(res.Checks) != 4 {
		t.Fatalf("stored settings: %+v", res)
	}
	// A token given in the body, not saved.
	res = decodeInto[api.DNSTestResponse](t, e.expect(e.do(e.client, "POST", "/api/dns/test", `{"cloudflare_api_token":"read-only-token"}`), http.StatusOK))
	if res.OK || res.Checks[3].Name != "dns_edit" || res.Checks[3].OK || !strings.Contains(res.Checks[3].Message, "DNS > Edit") {
		t.Fatalf("read-only token: %+v", res)
	}
	b := e.expect(e.do(e.client, "POST", "/api/dns/test", `{"cloudflare_api_token":"wrong"}`), http.StatusOK)
	res = decodeInto[api.DNSTestResponse](t, b)
	if res.OK || res.Checks[0].OK || !strings.Contains(res.Checks[0].Message, "Invalid") {
		t.Fatalf("wrong token: %s", b)
	}
	if st, _ := e.store.Settings(t.Context()); st.CloudflareAPIToken != "good-token" {
		t.Fatal("testing a token saved it")
	}
	// Cloudflare failing is a 502 with its message, never a 500.
	e.cf.FailNext(20, http.StatusServiceUnavailable)
	eb := e.expectError(e.do(e.client, "POST", "/api/dns/test", nil), http.StatusBadGateway, "")
	if !strings.Contains(eb.Error, "cloudflare") {
		t.Fatalf("502 message %q", eb.Error)
	}
	e.cf.ClearFaults()
	if n := len(e.cf.Records(zone.ID)); n != 0 {
		t.Fatalf("testing left %d records", n)
	}
	if strings.Contains(e.logs.String(), "good-token") || strings.Contains(e.logs.String(), "read-only-token") {
		t.Fatal("a token was logged")
	}
}

func TestDNSZonesEndpoint(t *testing.T) {
	e := newEnv(t)
	e.cf.AddZone("example.com")
	e.cf.AddZone("example.org")
	e.cf.AddZone("other.net")
	e.cf.AddToken("tok", cfemu.TokenOptions{})

	e.expectError(e.do(e.client, "GET", "/api/dns/zones", nil), http.StatusBadRequest, "dns_provider")
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"dns_provider":"cloudflare"}`), http.StatusOK)
	e.expectError(e.do(e.client, "GET", "/api/dns/zones", nil), http.StatusBadRequest, "cloudflare_api_token")

	e.expect(e.do(e.client, "PUT", "/api/settings", `{"cloudflare_api_token":"tok"}`), http.StatusOK)
	zones := decodeInto[[]dns.Zone](t, e.expect(e.do(e.client, "GET", "/api/dns/zones", nil), http.StatusOK))
	if len(zones) != 3 || zones[0].ID == "" {
		t.Fatalf("zones %+v", zones)
	}
	zones = decodeInto[[]dns.Zone](t, e.expect(e.do(e.client, "GET", "/api/dns/zones?name=example", nil), http.StatusOK))
	if len(zones) != 2 {
		t.Fatalf("filtered zones %+v", zones)
	}
	// A refused token is Cloudflare's 403 message as a 502.
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"cloudflare_api_token":"revoked"}`), http.StatusOK)
	b := e.expect(e.do(e.client, "GET", "/api/dns/zones", nil), http.StatusBadGateway)
	if !bytes.Contains(b, []byte("Invalid access token")) {
		t.Fatalf("body %s", b)
	}
}
