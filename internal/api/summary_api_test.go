package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"testing"
)

// summaryView is the part of GET /api/summary these tests read.
type summaryView struct {
	Domain    string
	Apps      int
	Proxies   int
	Engine    string
	Instances struct{ Total, Running int }
	DNS       struct {
		Mode          string
		Provider      string
		ZoneName      string `json:"zone_name"`
		Records       int
		States        map[string]int
		ProviderState string `json:"provider_state"`
		LastError     string `json:"last_error"`
		LastSync      *struct {
			Created, Errors int
			StartedAt       string `json:"started_at"`
		} `json:"last_sync"`
	}
	Certificates struct {
		Enabled bool
		ACME    string
		Total   int
	}
}

func (e *env) summary() (summaryView, []byte) {
	e.t.Helper()
	b := e.expect(e.do(e.client, "GET", "/api/summary", nil), http.StatusOK)
	return decodeInto[summaryView](e.t, b), b
}

// GET /api/summary through the whole server: a fresh install, managed DNS
// with two proxies, then a sync the provider refuses; the provider is
// never asked by the summary itself.
func TestSummary(t *testing.T) {
	e := newEnv(t)
	s, raw := e.summary()
	health := decodeInto[map[string]string](t, e.expect(e.do(http.DefaultClient, "GET", "/healthz", nil), http.StatusOK))
	if s.Domain != "" || s.Apps != 0 || s.Proxies != 0 || s.Instances.Total != 0 || s.DNS.Mode != "wildcard" ||
		s.DNS.ProviderState != "none" || s.DNS.Records != 0 || s.Certificates.ACME != "off" || s.Engine != health["docker"] {
		t.Fatalf("fresh install: %s (healthz %v)", raw, health)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal(raw, &keys)
	for _, k := range []string{"domain", "apps", "instances", "proxies", "engine", "dns", "certificates"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q in %s", k, raw)
		}
	}

	zone := e.managed()
	for _, d := range []string{"a.example.com", "b.example.com"} {
		e.expect(e.do(e.client, "POST", "/api/proxies", map[string]any{
			"domain": d, "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}), http.StatusCreated)
	}
	e.eventually("two records synced", func() bool {
		s, _ := e.summary()
		return s.DNS.States["synced"] == 2
	})
	s, raw = e.summary()
	if s.Domain != "example.com" || s.Proxies != 2 || s.DNS.Mode != "managed" || s.DNS.Provider != "cloudflare" ||
		s.DNS.ZoneName != zone.Name || s.DNS.Records != 2 || s.DNS.ProviderState != "ok" || s.DNS.LastSync == nil ||
		s.DNS.LastSync.Errors != 0 || s.DNS.LastSync.StartedAt == "" {
		t.Fatalf("managed, two proxies: %s", raw)
	}
	var report struct {
		DNS struct {
			LastSync map[string]json.RawMessage `json:"last_sync"`
		}
	}
	if json.Unmarshal(raw, &report); report.DNS.LastSync["records"] != nil || report.DNS.LastSync["already_synced"] == nil {
		t.Fatalf("the last sync is answered with its lines, or without its counts: %s", raw)
	}

	e.cf.FailNext(100, http.StatusForbidden)
	e.expectError(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusBadGateway, "")
	e.cf.ClearFaults()
	calls := e.cf.Calls()
	s, raw = e.summary()
	if s.DNS.ProviderState != "error" || s.DNS.LastError == "" || s.DNS.LastSync == nil {
		t.Fatalf("after a refused sync: %s", raw)
	}
	if after := e.cf.Calls(); !maps.Equal(after, calls) {
		t.Fatalf("the summary called the provider: %v, then %v", calls, after)
	}
	e.expect(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusOK)
	if s, raw = e.summary(); s.DNS.ProviderState != "ok" || s.DNS.LastError != "" {
		t.Fatalf("after a good sync: %s", raw)
	}
}
