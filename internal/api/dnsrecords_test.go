package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// managed puts the env in managed mode on a zone of its emulator.
func (e *env) managed() cfemu.Zone {
	e.t.Helper()
	zone := e.cf.AddZone("example.com")
	e.cf.AddToken("tok", cfemu.TokenOptions{CanEdit: true})
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{
		"domain": "example.com", "public_ipv4": "203.0.113.10", "wildcard_dns": false, "dns_provider": "cloudflare",
		"cloudflare_api_token": "tok", "cloudflare_zone_id": zone.ID, "cloudflare_zone_name": "example.com",
	}), http.StatusOK)
	// The settings change asked the scheduler for a sync: let it run now,
	// so that it does not race the test's own calls.
	e.eventually("the sync after the settings change", func() bool {
		b, _, err := e.store.LastSyncReport(e.t.Context())
		return err == nil && strings.Contains(string(b), `"mode":"managed"`)
	})
	return zone
}

func (e *env) eventually(what string, ok func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func names(recs []cfemu.Record) map[string]string {
	out := map[string]string{}
	for _, r := range recs {
		out[r.Type+" "+r.Name] = r.Content
	}
	return out
}

// Hooks: creating and deleting a proxy creates and deletes its record
// without any sync call, and never fails the proxy request.
func TestProxyHooksKeepDNSInStep(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	var ids []int64
	for _, d := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		p := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "POST", "/api/proxies", map[string]any{
			"domain": d, "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}), http.StatusCreated))
		ids = append(ids, p.ID)
	}
	e.eventually("three records", func() bool { return len(e.cf.Records(zone.ID)) == 3 })
	e.expect(e.do(e.client, "DELETE", "/api/proxies/"+itoa(ids[1]), nil), http.StatusNoContent)
	e.eventually("b's record deleted", func() bool {
		n := names(e.cf.Records(zone.ID))
		_, b := n["A b.example.com"]
		return len(n) == 2 && !b
	})
	// A provider failure does not fail the proxy operation.
	e.cf.FailNext(100, http.StatusInternalServerError)
	e.expect(e.do(e.client, "POST", "/api/proxies", map[string]any{
		"domain": "d.example.com", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}), http.StatusCreated)
	e.cf.ClearFaults()
}

func TestSyncPlanRecordsAndDelete(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	for _, d := range []string{"a.example.com", "taken.example.com", "far.example.org"} {
		p := model.Proxy{Domain: d, ForwardScheme: "http", ForwardHost: "h", ForwardPort: 80}
		if err := e.store.CreateProxy(t.Context(), &p); err != nil { // no hook: the store directly
			t.Fatal(err)
		}
	}
	if _, err := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "taken.example.com", Content: "192.0.2.5"}); err != nil {
		t.Fatal(err)
	}
	plan := decodeInto[reconcile.Report](t, e.expect(e.do(e.client, "GET", "/api/dns/plan", nil), http.StatusOK))
	if !plan.DryRun || plan.Created != 1 || plan.Conflicts != 1 || len(e.cf.Records(zone.ID)) != 1 {
		t.Fatalf("plan %+v changed something or planned wrong", plan)
	}
	rep := decodeInto[reconcile.Report](t, e.expect(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusOK))
	if rep.Created != 1 || rep.Conflicts != 1 || rep.APICalls != 2 {
		t.Fatalf("sync %+v", rep)
	}
	view := decodeInto[reconcile.RecordsView](t, e.expect(e.do(e.client, "GET", "/api/dns/records", nil), http.StatusOK))
	states := map[string]string{}
	for _, r := range view.Records {
		states[r.FQDN] = r.State
	}
	if states["a.example.com"] != "synced" || states["taken.example.com"] != "conflict" || states["far.example.org"] != "outside_zone" ||
		view.LastSync == nil || view.Mode != "managed" {
		t.Fatalf("records %+v", view)
	}
	only := decodeInto[reconcile.RecordsView](t, e.expect(e.do(e.client, "GET", "/api/dns/records?state=conflict&q=TAKEN", nil), http.StatusOK))
	if len(only.Records) != 1 || only.Records[0].FQDN != "taken.example.com" {
		t.Fatalf("filtered %+v", only.Records)
	}
	e.expectError(e.do(e.client, "GET", "/api/dns/records?state=nope", nil), http.StatusBadRequest, "state")
	e.expectError(e.do(e.client, "GET", "/api/dns/records?kind=nope", nil), http.StatusBadRequest, "kind")

	// Delete: a bad name, a name we do not own, then ours.
	e.expectError(e.do(e.client, "DELETE", "/api/dns/records/bad%20name", nil), http.StatusBadRequest, "fqdn")
	e.expectError(e.do(e.client, "DELETE", "/api/dns/records/taken.example.com", nil), http.StatusNotFound, "")
	b := e.expect(e.do(e.client, "DELETE", "/api/dns/records/A.example.com", nil), http.StatusOK)
	if !strings.Contains(string(b), `"fqdn":"a.example.com"`) {
		t.Fatalf("delete answered %s", b)
	}
	n := names(e.cf.Records(zone.ID))
	if _, ok := n["A a.example.com"]; ok || n["A taken.example.com"] != "192.0.2.5" {
		t.Fatalf("after delete: %v", n)
	}
	e.expectError(e.do(e.client, "DELETE", "/api/dns/records/a.example.com", nil), http.StatusNotFound, "")

	m := string(e.expect(e.do(e.client, "GET", "/metrics", nil), http.StatusOK))
	for _, want := range []string{`dw_dns_syncs_total{result="ok"}`, `dw_dns_changes_total{action="create"} 1`,
		"dw_dns_provider_api_calls_total", "dw_dns_last_sync_timestamp_seconds", "dw_dns_sync_duration_seconds_count"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Cloudflare failing is a 502 with its message.
	e.cf.FailNext(100, http.StatusServiceUnavailable)
	e.expectError(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusBadGateway, "")
	e.cf.ClearFaults()
}

func TestWildcardModeWritesNothing(t *testing.T) {
	e := newEnv(t)
	zone := e.cf.AddZone("example.com")
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"domain":"example.com","public_ipv4":"203.0.113.10"}`), http.StatusOK)
	p := model.Proxy{Domain: "a.example.com", ForwardScheme: "http", ForwardHost: "h", ForwardPort: 80}
	if err := e.store.CreateProxy(t.Context(), &p); err != nil {
		t.Fatal(err)
	}
	rep := decodeInto[reconcile.Report](t, e.expect(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusOK))
	if rep.Mode != "wildcard" || rep.APICalls != 0 || e.cf.TotalCalls() != 0 || len(e.cf.Records(zone.ID)) != 0 {
		t.Fatalf("wildcard sync %+v, %d calls", rep, e.cf.TotalCalls())
	}
	view := decodeInto[reconcile.RecordsView](t, e.expect(e.do(e.client, "GET", "/api/dns/records", nil), http.StatusOK))
	if len(view.Records) != 1 || view.Records[0].State != "wildcard" || view.Records[0].FQDN != "a.example.com" {
		t.Fatalf("records %+v", view.Records)
	}
}

// Leaving a managed zone answers the zone with all its records; the
// settings keep saying how the removal goes: a failed try with its error
// and a new updated_at, then nothing once the records are gone.
func TestLeavingAZoneAnswersItsCleanup(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	for _, d := range []string{"a.example.com", "b.example.com"} {
		e.expect(e.do(e.client, "POST", "/api/proxies", map[string]any{
			"domain": d, "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}), http.StatusCreated)
	}
	e.eventually("two records", func() bool { return len(e.cf.Records(zone.ID)) == 2 })
	type settings struct {
		WildcardDNS bool                    `json:"wildcard_dns"`
		DNSCleanups []reconcile.CleanupView `json:"dns_cleanups"`
	}
	get := func() settings {
		return decodeInto[settings](t, e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK))
	}
	if s := get(); s.DNSCleanups == nil || len(s.DNSCleanups) != 0 {
		t.Fatalf("before leaving the zone: %+v", s.DNSCleanups)
	}

	e.cf.FailNext(100, http.StatusForbidden) // the token lost access: the removal fails
	saved := decodeInto[settings](t, e.expect(e.do(e.client, "PUT", "/api/settings", `{"wildcard_dns":true}`), http.StatusOK))
	if len(saved.DNSCleanups) != 1 {
		t.Fatalf("PUT answered %+v", saved)
	}
	left := saved.DNSCleanups[0]
	if !saved.WildcardDNS || left.ZoneID != zone.ID || left.ZoneName != "example.com" || left.Records != 2 || left.LastError != "" || left.UpdatedAt == nil {
		t.Fatalf("PUT answered %+v", saved)
	}
	var failed reconcile.CleanupView
	e.eventually("the failed try", func() bool {
		c := get().DNSCleanups
		if len(c) == 1 && c[0].UpdatedAt != nil && !c[0].UpdatedAt.Equal(*left.UpdatedAt) {
			failed = c[0]
			return true
		}
		return false
	})
	if failed.LastError == "" || failed.Records != 2 {
		t.Fatalf("after the failed try %+v", failed)
	}

	e.cf.ClearFaults()
	// The retry: this sync, or the scheduler's own one if it came first
	// (a sync it had queued may run the moment the faults are gone).
	before := len(e.cf.Records(zone.ID))
	rep := decodeInto[reconcile.Report](t, e.expect(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusOK))
	if rep.Errors != 0 || rep.Deleted > before {
		t.Fatalf("retry %+v (records before it: %d)", rep, before)
	}
	e.eventually("the records removed and the cleanup gone", func() bool {
		return len(get().DNSCleanups) == 0 && len(e.cf.Records(zone.ID)) == 0
	})
}
