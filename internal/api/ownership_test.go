package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// The ownership rules of issue 7, through the API against the Cloudflare
// emulator: a record is ours only when a row tracks its id.

func (e *env) sync() reconcile.Report {
	e.t.Helper()
	return decodeInto[reconcile.Report](e.t, e.expect(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusOK))
}

func (e *env) records(query string) map[string]reconcile.RecordView {
	e.t.Helper()
	view := decodeInto[reconcile.RecordsView](e.t, e.expect(e.do(e.client, "GET", "/api/dns/records"+query, nil), http.StatusOK))
	out := map[string]reconcile.RecordView{}
	for _, r := range view.Records {
		out[r.Type+" "+r.FQDN] = r
	}
	return out
}

// proxy adds a standalone proxy through the store: no hook, so no sync
// runs in the background; the tests sync themselves.
func (e *env) proxy(domain string) {
	e.t.Helper()
	p := model.Proxy{Domain: domain, ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 3000}
	if err := e.store.CreateProxy(e.t.Context(), &p); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) marker() string {
	st, err := e.store.Settings(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return dns.OwnerMarker(st.InstallationID)
}

// find returns the emulator's record of that type and name with that
// content, or fails.
func find(t *testing.T, recs []cfemu.Record, typ, name, content string) cfemu.Record {
	t.Helper()
	for _, r := range recs {
		if r.Type == typ && r.Name == name && (content == "" || r.Content == content) {
			return r
		}
	}
	t.Fatalf("no %s %s %s among %+v", typ, name, content, recs)
	return cfemu.Record{}
}

// unchanged fails unless the emulator still holds r byte for byte.
func unchanged(t *testing.T, recs []cfemu.Record, r cfemu.Record) {
	t.Helper()
	for _, g := range recs {
		if g.ID == r.ID {
			if g.Name != r.Name || g.Content != r.Content || g.Comment != r.Comment || !g.ModifiedOn.Equal(r.ModifiedOn) {
				t.Fatalf("record %s was changed: %+v, was %+v", r.ID, g, r)
			}
			return
		}
	}
	t.Fatalf("record %s %s %s (id %s) was deleted", r.Type, r.Name, r.Content, r.ID)
}

// Point 1: a copy of our marker beside our record is not ours: it is a
// conflict, never deleted; our own record steps back from the name.
func TestCopiedMarkerBesideOursIsNotOurs(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	e.proxy("app.example.com")
	e.sync()
	copied, err := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "app.example.com", Content: "198.51.100.7", Comment: e.marker()})
	if err != nil {
		t.Fatal(err)
	}
	rep := e.sync()
	if rep.Conflicts != 1 || rep.Errors != 0 {
		t.Fatalf("sync with a copied marker beside ours: %+v", rep)
	}
	recs := e.cf.Records(zone.ID)
	unchanged(t, recs, copied)
	if len(recs) != 1 {
		t.Fatalf("our record did not step back from a name someone else holds: %+v", recs)
	}
	if v := e.records("?state=conflict")["A app.example.com"]; v.State != reconcile.StateConflict || !strings.Contains(v.LastError, "marker") {
		t.Fatalf("records page: %+v", v)
	}
	// A later sync changes nothing; a switch to wildcard mode deletes
	// nothing either (no row tracks the copy).
	if rep := e.sync(); rep.Created+rep.Updated+rep.Deleted+rep.Errors != 0 {
		t.Fatalf("second sync %+v", rep)
	}
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"wildcard_dns": true}), http.StatusOK)
	e.sync()
	unchanged(t, e.cf.Records(zone.ID), copied)
}

// Point 1: our record deleted by hand and replaced by a copy carrying our
// marker: the copy is not overwritten, and a zone switch does not delete
// it.
func TestCopiedMarkerInPlaceOfOursIsNotOurs(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	other := e.cf.AddZone("example.org")
	e.proxy("app.example.com")
	e.sync()
	ours := find(t, e.cf.Records(zone.ID), "A", "app.example.com", "")
	if err := e.cf.DeleteRecord(zone.ID, ours.ID); err != nil {
		t.Fatal(err)
	}
	copied, err := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "app.example.com", Content: "198.51.100.7", Comment: e.marker()})
	if err != nil {
		t.Fatal(err)
	}
	if rep := e.sync(); rep.Conflicts != 1 || rep.Updated+rep.Created+rep.Deleted != 0 {
		t.Fatalf("sync: %+v", rep)
	}
	unchanged(t, e.cf.Records(zone.ID), copied)
	if rows, _ := e.store.DNSRecords(t.Context()); len(rows) != 0 {
		t.Fatalf("a row still claims a name someone else holds: %+v", rows)
	}
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"domain": "example.org", "cloudflare_zone_id": other.ID}), http.StatusOK)
	e.sync()
	unchanged(t, e.cf.Records(zone.ID), copied)
}

// Point 1, the one exception: a row whose create was sent but never
// answered adopts the record of its name and type with our marker created
// after it, once; one created before it is a conflict.
func TestCrashRecoveryAdoptsOnlyRecordsCreatedAfterTheRow(t *testing.T) {
	for _, tt := range []struct {
		name    string
		created time.Duration // relative to the row's pending time
		adopted bool
	}{
		{"created after the create was sent", time.Second, true},
		{"created an hour before", -time.Hour, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			zone := e.managed()
			p := model.Proxy{Domain: "app.example.com", ForwardScheme: "http", ForwardHost: "h", ForwardPort: 80}
			if err := e.store.CreateProxy(t.Context(), &p); err != nil {
				t.Fatal(err)
			}
			since := time.Now().UTC().Add(-10 * time.Minute)
			row := model.DNSRecord{Provider: model.ProviderCloudflare, ZoneID: zone.ID, FQDN: "app.example.com", Type: "A",
				Content: "203.0.113.10", State: model.RecordPending, ConsumerKind: model.KindProxy, ConsumerID: p.ID, PendingSince: &since}
			if err := e.store.PutDNSRecord(t.Context(), row); err != nil {
				t.Fatal(err)
			}
			rec, err := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "app.example.com", Content: "203.0.113.10",
				Comment: e.marker(), TTL: 1, CreatedOn: since.Add(tt.created)})
			if err != nil {
				t.Fatal(err)
			}
			rep := e.sync()
			rows, _ := e.store.DNSRecords(t.Context())
			if tt.adopted {
				if rep.AlreadySynced != 1 || len(rows) != 1 || rows[0].ProviderRecordID != rec.ID || rows[0].State != model.RecordSynced || rows[0].PendingSince != nil {
					t.Fatalf("not adopted: report %+v, rows %+v", rep, rows)
				}
				return
			}
			if rep.Conflicts != 1 || len(rows) != 0 {
				t.Fatalf("adopted a record made before the create: report %+v, rows %+v", rep, rows)
			}
			unchanged(t, e.cf.Records(zone.ID), rec)
		})
	}
}

// Point 2: a name that someone else holds with one address type is held
// for the other too: no AAAA beside the user's A, no A beside their
// IPv6-only host; a CNAME holds both.
func TestForeignAddressHoldsTheNameForBothTypes(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"public_ipv6": "2001:db8::10"}), http.StatusOK)
	apex, _ := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "example.com", Content: "192.0.2.80"})
	v6, _ := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "AAAA", Name: "v6.example.com", Content: "2001:db8::99"})
	alias, _ := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "CNAME", Name: "alias.example.com", Content: "elsewhere.example.net"})
	for _, d := range []string{"example.com", "v6.example.com", "alias.example.com", "free.example.com"} {
		e.proxy(d)
	}
	rep := e.sync()
	if rep.Conflicts != 6 || rep.Errors != 0 {
		t.Fatalf("sync: %+v", rep)
	}
	recs := e.cf.Records(zone.ID)
	for _, r := range []cfemu.Record{apex, v6, alias} {
		unchanged(t, recs, r)
	}
	got := names(recs)
	if len(recs) != 5 || got["A free.example.com"] != "203.0.113.10" || got["AAAA free.example.com"] != "2001:db8::10" {
		t.Fatalf("records: %v", got)
	}
	view := e.records("?state=conflict")
	for _, k := range []string{"A example.com", "AAAA example.com", "A v6.example.com", "AAAA v6.example.com", "A alias.example.com", "AAAA alias.example.com"} {
		if view[k].State != reconcile.StateConflict {
			t.Errorf("%s: %+v, want a conflict", k, view[k])
		}
	}
}

// Point 3: the zone's name is the provider's. A zone id of another zone is
// refused at save, with settings unchanged; without a name, the provider's
// is stored; an old database with a wrong name makes the sync refuse to
// write; a name nobody holds is a 404 on delete.
func TestZoneNameComesFromTheProvider(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	other := e.cf.AddZone("other.org")
	before, _ := e.store.Settings(t.Context())

	eb := e.expectError(e.do(e.client, "PUT", "/api/settings", map[string]any{
		"cloudflare_zone_id": other.ID, "cloudflare_zone_name": "example.com"}), http.StatusBadRequest, "cloudflare_zone_id")
	if !strings.Contains(eb.Error, "other.org") {
		t.Errorf("message %q does not name the real zone", eb.Error)
	}
	eb = e.expectError(e.do(e.client, "PUT", "/api/settings", map[string]any{"cloudflare_zone_id": other.ID}), http.StatusBadRequest, "cloudflare_zone_id")
	if !strings.Contains(eb.Error, "example.com") {
		t.Errorf("a domain outside the zone: message %q", eb.Error)
	}
	if after, _ := e.store.Settings(t.Context()); after != before {
		t.Fatalf("a refused save changed the settings:\n%+v\n%+v", before, after)
	}

	// No name given: the provider's is stored, whatever was there.
	sub := e.cf.AddZone("example.net")
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"domain": "apps.example.net", "cloudflare_zone_id": sub.ID}), http.StatusOK)
	if st, _ := e.store.Settings(t.Context()); st.CloudflareZoneName != "example.net" {
		t.Fatalf("zone name %q, want the provider's", st.CloudflareZoneName)
	}
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"domain": "example.com", "cloudflare_zone_id": zone.ID}), http.StatusOK)

	// A database that got it wrong before this check: nothing is written.
	e.proxy("x.other.org")
	if _, _, err := e.store.UpdateSettings(t.Context(), func(s model.Settings) (model.Settings, error) {
		s.CloudflareZoneName = "other.org"
		return s, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.restart()
	e.cf.ResetCalls()
	e.expectError(e.do(e.client, "POST", "/api/dns/sync", nil), http.StatusBadRequest, "cloudflare_zone_id")
	for k := range e.cf.Calls() {
		if !strings.HasPrefix(k, "GET ") {
			t.Fatalf("a sync into a zone of another name wrote: %v", e.cf.Calls())
		}
	}
	if n := len(e.cf.Records(zone.ID)); n != 0 {
		t.Fatalf("records written under a wrong zone name: %+v", e.cf.Records(zone.ID))
	}
	e.expectError(e.do(e.client, "DELETE", "/api/dns/records/x.other.org", nil), http.StatusNotFound, "")
}

// Point 3: DELETE of a name whose row tracks a record that is no longer
// at the provider answers 404, and the row goes.
func TestDeleteOfANameNotAtTheProviderIs404(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	e.proxy("app.example.com")
	e.sync()
	ours := find(t, e.cf.Records(zone.ID), "A", "app.example.com", "")
	if err := e.cf.DeleteRecord(zone.ID, ours.ID); err != nil {
		t.Fatal(err)
	}
	e.expectError(e.do(e.client, "DELETE", "/api/dns/records/app.example.com", nil), http.StatusNotFound, "")
	if rows, _ := e.store.DNSRecords(t.Context()); len(rows) != 0 {
		t.Fatalf("rows %+v", rows)
	}
}

// Point 4: what the records page shows is what the sync saw.
func TestRecordsPageShowsWhatTheSyncSaw(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	e.proxy("app.example.com")
	e.sync()
	if v := e.records("")["A app.example.com"]; v.State != model.RecordSynced {
		t.Fatalf("before: %+v", v)
	}
	foreign, _ := e.cf.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: "app.example.com", Content: "192.0.2.44"})
	rep := e.sync()
	if rep.Conflicts != 1 {
		t.Fatalf("sync %+v", rep)
	}
	conflicts := e.records("?state=conflict")
	if v := conflicts["A app.example.com"]; len(conflicts) != 1 || v.State != reconcile.StateConflict || v.LastError == "" {
		t.Fatalf("records page after a foreign A appeared beside ours: %+v", conflicts)
	}
	unchanged(t, e.cf.Records(zone.ID), foreign)
}

// Point 5: the records of an earlier zone are removed with the credentials
// kept for it, even after a restart and after failed tries, and the
// single-record delete uses them too; they are never shown.
func TestEarlierZoneKeepsItsCredentialsUntilItsRecordsAreGone(t *testing.T) {
	e := newEnv(t)
	old := e.cf.AddZone("example.com")
	newer := e.cf.AddZone("example.org")
	e.cf.AddToken("old-token", cfemu.TokenOptions{ZoneIDs: []string{old.ID}, CanEdit: true})
	e.cf.AddToken("new-token", cfemu.TokenOptions{ZoneIDs: []string{newer.ID}, CanEdit: true})
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{
		"domain": "example.com", "public_ipv4": "203.0.113.10", "wildcard_dns": false, "dns_provider": "cloudflare",
		"cloudflare_api_token": "old-token", "cloudflare_zone_id": old.ID}), http.StatusOK)
	e.proxy("a.example.com")
	e.proxy("b.example.com")
	e.sync()
	if n := len(e.cf.Records(old.ID)); n != 2 {
		t.Fatalf("old zone has %d records", n)
	}

	// Switch zone and token; the old token is refused for a while, so the
	// old zone's removal fails twice, with restarts between: the
	// credentials stay.
	e.cf.AddToken("old-token", cfemu.TokenOptions{ZoneIDs: []string{old.ID}, CanEdit: true, Status: "disabled"})
	b := e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{
		"domain": "example.org", "cloudflare_api_token": "new-token", "cloudflare_zone_id": newer.ID}), http.StatusOK)
	if strings.Contains(string(b), "old-token") || strings.Contains(string(b), "new-token") {
		t.Fatalf("settings answer shows a token: %s", b)
	}
	for range 2 {
		e.sync()
		e.restart()
	}
	view := decodeInto[reconcile.RecordsView](t, e.expect(e.do(e.client, "GET", "/api/dns/records?state=earlier_zone", nil), http.StatusOK))
	raw := string(e.expect(e.do(e.client, "GET", "/api/dns/records", nil), http.StatusOK))
	if len(view.Records) != 2 || len(view.Cleanups) != 1 || view.Cleanups[0].ZoneName != "example.com" ||
		view.Cleanups[0].Records != 2 || view.Cleanups[0].LastError == "" || strings.Contains(raw, "old-token") {
		t.Fatalf("records page: %+v", view)
	}
	e.cf.AddToken("old-token", cfemu.TokenOptions{ZoneIDs: []string{old.ID}, CanEdit: true})

	// The single delete of one of them uses the old zone's token.
	e.expect(e.do(e.client, "DELETE", "/api/dns/records/a.example.com", nil), http.StatusOK)
	if n := names(e.cf.Records(old.ID)); len(n) != 1 || n["A b.example.com"] == "" {
		t.Fatalf("old zone after the single delete: %v", n)
	}
	// The next sync removes the rest; then the credentials are forgotten.
	rep := e.sync()
	if rep.Deleted != 1 || rep.Errors != 0 || len(e.cf.Records(old.ID)) != 0 {
		t.Fatalf("sync after the faults: %+v, old zone %+v", rep, e.cf.Records(old.ID))
	}
	if cs, _ := e.store.DNSCleanups(t.Context()); len(cs) != 0 {
		t.Fatalf("credentials kept after the last row went: %+v", cs)
	}
}

// Point 17: a token change alone keeps the zone, and so its records.
func TestTokenChangeKeepsTheRecords(t *testing.T) {
	e := newEnv(t)
	zone := e.managed()
	e.cf.AddToken("tok2", cfemu.TokenOptions{CanEdit: true})
	e.proxy("app.example.com")
	e.sync()
	ours := find(t, e.cf.Records(zone.ID), "A", "app.example.com", "")
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"cloudflare_api_token": "tok2"}), http.StatusOK)
	rep := e.sync()
	if rep.AlreadySynced != 1 || rep.Created+rep.Deleted+rep.Updated != 0 {
		t.Fatalf("sync after a token change: %+v", rep)
	}
	unchanged(t, e.cf.Records(zone.ID), ours)
	if cs, _ := e.store.DNSCleanups(t.Context()); len(cs) != 0 {
		t.Fatalf("a token change left a clean-up: %+v", cs)
	}
}

// Point 6: a settings save never waits behind a running sync.
func TestSettingsSaveDoesNotWaitForASync(t *testing.T) {
	e := newEnv(t)
	e.managed()
	e.cf.AddToken("tok2", cfemu.TokenOptions{CanEdit: true})
	e.proxy("app.example.com")
	e.cf.ResetCalls()
	e.cf.SetLatency(3 * time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.do(e.client, "POST", "/api/dns/sync", nil).Body.Close()
	}()
	e.eventually("the sync to be under way", func() bool { return e.cf.TotalCalls() > 0 })
	e.cf.SetLatency(0)
	// A new token: the save reads the zone with it, on a provider of its own.
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"cloudflare_api_token": "tok2", "dns_ttl": 300}), http.StatusOK)
	select {
	case <-done:
		t.Fatal("the settings save returned only after the sync")
	default:
	}
	<-done
}
