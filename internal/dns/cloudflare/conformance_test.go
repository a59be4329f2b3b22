package cloudflare

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/dnstest"
)

// TestConformance runs the provider conformance suite against the
// Cloudflare provider on the emulator, one fresh emulator per subtest:
// once with the default options, once with pages and batch chunks so
// small that every listing and batch of the suite spans several calls.
func TestConformance(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		dnstest.Run(t, "example.com", conformanceFactory(nil, false))
	})
	t.Run("small pages and batches", func(t *testing.T) {
		dnstest.Run(t, "example.com", conformanceFactory(func(o *Options) { o.PageSize, o.BatchSize = 7, 3 }, false))
	})
	// Every third request of the provider fails with a 503, every seventh
	// loses its connection: retries must hide both, and never double-apply.
	t.Run("with faults", func(t *testing.T) {
		before := injected.Load()
		dnstest.Run(t, "example.com", conformanceFactory(func(o *Options) { o.MaxRetries = 5 }, true))
		if n := injected.Load() - before; n < 100 {
			t.Fatalf("only %d faults were injected", n)
		}
	})
}

// injected counts the faults flaky injected.
var injected atomic.Int64

// flaky fails some of the provider's requests before the emulator sees
// them; the harness's own requests (another token) pass untouched.
func flaky(next http.Handler) http.Handler {
	var n atomic.Int64
	fail := func() { injected.Add(1) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer conformance-token" {
			switch i := n.Add(1); {
			case i%7 == 0:
				fail()
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
					return
				}
			case i%3 == 0:
				fail()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"success":false,"errors":[{"code":10013,"message":"Service Unavailable"}],"messages":[],"result":null}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func conformanceFactory(change func(*Options), faults bool) dnstest.Factory {
	return func(t *testing.T, marker string) (dns.Provider, dnstest.Harness) {
		emu := cfemu.New(cfemu.Options{RateLimit: -1})
		zone := emu.AddZone("example.com")
		emu.AddToken("conformance-token", cfemu.TokenOptions{CanEdit: true})
		emu.AddToken("dashboard-token", cfemu.TokenOptions{CanEdit: true})
		o := Options{
			Token: "conformance-token", ZoneID: zone.ID, ZoneName: zone.Name, Marker: marker,
			RateLimit: -1, RetryBackoff: time.Millisecond,
		}
		if change != nil {
			change(&o)
		}
		var handler http.Handler = emu.Handler()
		if faults {
			handler = flaky(handler)
		}
		ts := httptest.NewServer(handler)
		t.Cleanup(ts.Close)
		o.BaseURL, o.HTTPClient = ts.URL+"/client/v4/", ts.Client()
		p, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		return p, &cfHarness{emu: emu, zoneID: zone.ID, url: ts.URL + "/client/v4", client: ts.Client()}
	}
}

// cfHarness reaches the emulator as a person in Cloudflare's dashboard.
// AddRaw stores TXT content as the suite gives it, unquoted, as an API
// client that does not quote (Cloudflare's API keeps what it is sent);
// Edit quotes it, as the dashboard does; Records reads TXT content as the
// value, as the provider does.
type cfHarness struct {
	emu    *cfemu.Server
	zoneID string
	url    string
	client *http.Client
}

func (h *cfHarness) AddRaw(t testing.TB, r dns.Record) dns.Record {
	t.Helper()
	rec, err := h.emu.AddRecord(h.zoneID, cfemu.Record{
		Type: r.Type, Name: r.Name, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied, Comment: r.Owner,
	})
	if err != nil {
		t.Fatalf("cfemu.AddRecord(%+v): %v", r, err)
	}
	return fromEmu(rec)
}

func (h *cfHarness) Records(t testing.TB) []dns.Record {
	t.Helper()
	recs := h.emu.Records(h.zoneID)
	out := make([]dns.Record, len(recs))
	for i, r := range recs {
		out[i] = fromEmu(r)
	}
	return out
}

// Writes counts the requests that are not reads.
func (h *cfHarness) Writes(t testing.TB) int {
	t.Helper()
	n := 0
	for k, c := range h.emu.Calls() {
		if !strings.HasPrefix(k, "GET ") {
			n += c
		}
	}
	return n
}

// Edit overwrites a record through the API with a token of its own, as a
// person saving it in the dashboard does.
func (h *cfHarness) Edit(t testing.TB, r dns.Record) dns.Record {
	t.Helper()
	content := r.Content
	if strings.EqualFold(r.Type, "TXT") {
		content = dns.QuoteTXT(content)
	}
	body, _ := json.Marshal(map[string]any{
		"type": r.Type, "name": r.Name, "content": content, "ttl": max(r.TTL, 1), "proxied": r.Proxied, "comment": r.Owner,
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut,
		h.url+"/zones/"+h.zoneID+"/dns_records/"+r.ID, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer dashboard-token")
	req.Header.Set("Content-Type", "application/json")
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("edit by hand: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var env struct{ Errors []struct{ Message string } }
		_ = json.NewDecoder(res.Body).Decode(&env)
		t.Fatalf("edit by hand: HTTP %d %v", res.StatusCode, env.Errors)
	}
	for _, rec := range h.Records(t) {
		if rec.ID == r.ID {
			return rec
		}
	}
	t.Fatalf("edit by hand: record %s is gone", r.ID)
	return dns.Record{}
}

func fromEmu(r cfemu.Record) dns.Record {
	content := r.Content
	if r.Type == "TXT" {
		content = dns.UnquoteTXT(content)
	}
	return dns.Record{
		ID: r.ID, Name: strings.ToLower(strings.TrimSuffix(r.Name, ".")), Type: r.Type, Content: content,
		TTL: r.TTL, Proxied: r.Proxied, Owner: r.Comment,
	}
}
