package reconcile

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const mk = "managed by docker-watcher test"

func want(name, content string) Want {
	return Want{Record: dns.Record{Name: name, Type: "A", Content: content, TTL: 1}, Consumer: consumer.Consumer{Kind: model.KindProxy, ID: 1, FQDN: name}}
}

func at(id, name, content, owner string) dns.Record {
	return dns.Record{ID: id, Name: name, Type: "A", Content: content, TTL: 1, Owner: owner}
}

// row tracks the record with id at name (no id: a row whose record is
// unknown).
func row(name, id string) model.DNSRecord {
	return model.DNSRecord{Provider: "cloudflare", ZoneID: "z", FQDN: name, Type: "A", State: model.RecordSynced, ProviderRecordID: id}
}

// awaiting is a row whose create was sent at since and never answered.
func awaiting(name string, since time.Time) model.DNSRecord {
	r := model.DNSRecord{Provider: "cloudflare", ZoneID: "z", FQDN: name, Type: "A", State: model.RecordPending, PendingSince: &since}
	return r
}

func created(r dns.Record, at time.Time) dns.Record {
	r.CreatedOn = at
	return r
}

func txtAt(id, name, value, owner string) dns.Record {
	return dns.Record{ID: id, Name: name, Type: "TXT", Content: value, TTL: 120, Owner: owner}
}

func typed(r dns.Record, typ string) dns.Record {
	r.Type = typ
	return r
}

type counts struct{ create, update, del, insync, conflict, forget int }

func count(c Changes) counts {
	return counts{len(c.Create), len(c.Update), len(c.Delete), len(c.InSync), len(c.Conflicts), len(c.Forget)}
}

func TestPlan(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	wantAAAA := Want{Record: dns.Record{Name: "a.example.com", Type: "AAAA", Content: "2001:db8::1", TTL: 1}, Consumer: consumer.Consumer{Kind: model.KindProxy, ID: 1}}
	tests := []struct {
		name   string
		want   []Want
		actual []dns.Record
		rows   []model.DNSRecord
		expect counts
	}{
		{"nothing", nil, nil, nil, counts{}},
		{"create when absent", []Want{want("a.example.com", "192.0.2.1")}, nil, nil, counts{create: 1}},
		{"create when our row lost its record", []Want{want("a.example.com", "192.0.2.1")}, nil,
			[]model.DNSRecord{row("a.example.com", "1")}, counts{create: 1}},
		{"in sync", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
		{"normalised: case, trailing dot", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "A.Example.COM.", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
		{"proxied record's TTL is automatic", []Want{{Record: dns.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 300, Proxied: true}}},
			[]dns.Record{{ID: "1", Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Proxied: true, Owner: mk}},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
		{"update content of ours", []Want{want("a.example.com", "192.0.2.2")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{update: 1}},
		{"update TTL of ours", []Want{{Record: dns.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 300}}},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{update: 1}},
		{"conflict: foreign record without marker", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "198.51.100.1", "")}, nil, counts{conflict: 1}},
		{"conflict: another installation's record", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", "managed by docker-watcher other")}, nil, counts{conflict: 1}},
		{"conflict: our marker but untracked", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, nil, counts{conflict: 1}},
		{"conflict: a row of the name tracks another id; a copy of our marker is not ours", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("2", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")},
			counts{conflict: 1, forget: 1}},
		{"conflict: a row without id does not make a marked record ours", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("2", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "")},
			counts{conflict: 1, forget: 1}},
		{"conflict: tracked row, but the record was taken over", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", "hands off")}, []model.DNSRecord{row("a.example.com", "1")},
			counts{conflict: 1, forget: 1}},
		{"conflict: a copy of our marker beside ours; ours steps back", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk), at("2", "a.example.com", "192.0.2.9", mk)},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{conflict: 1, del: 1}},
		{"conflict beside ours: ours steps back", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.9", mk), at("2", "a.example.com", "198.51.100.1", "")},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{conflict: 1, del: 1}},
		{"a foreign A holds the name for AAAA too", []Want{wantAAAA},
			[]dns.Record{at("1", "a.example.com", "198.51.100.1", "")}, nil, counts{conflict: 1}},
		{"a foreign AAAA holds the name for A too", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{typed(at("1", "a.example.com", "2001:db8::9", ""), "AAAA")}, nil, counts{conflict: 1}},
		{"a foreign AAAA beside our A: ours steps back", []Want{want("a.example.com", "192.0.2.1"), wantAAAA},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk), typed(at("2", "a.example.com", "2001:db8::9", ""), "AAAA")},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{conflict: 2, del: 1}},
		{"a CNAME holds the name for both types", []Want{want("a.example.com", "192.0.2.1"), wantAAAA},
			[]dns.Record{{ID: "1", Name: "a.example.com", Type: "CNAME", Content: "elsewhere.example.net"}}, nil, counts{conflict: 2}},
		{"ours of the other type does not hold the name", []Want{want("a.example.com", "192.0.2.1"), wantAAAA},
			[]dns.Record{typed(at("2", "a.example.com", "2001:db8::1", mk), "AAAA")},
			[]model.DNSRecord{func() model.DNSRecord { r := row("a.example.com", "2"); r.Type = "AAAA"; return r }()},
			counts{create: 1, insync: 1}},
		{"crash recovery: a row awaiting its id adopts our record created since", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{created(at("7", "a.example.com", "192.0.2.1", mk), t0.Add(time.Second))},
			[]model.DNSRecord{awaiting("a.example.com", t0)}, counts{insync: 1}},
		{"crash recovery adopts only records created after the create was sent", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{created(at("7", "a.example.com", "192.0.2.1", mk), t0.Add(-time.Hour))},
			[]model.DNSRecord{awaiting("a.example.com", t0)}, counts{conflict: 1, forget: 1}},
		{"crash recovery adopts only records with our marker", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{created(at("7", "a.example.com", "192.0.2.1", ""), t0.Add(time.Second))},
			[]model.DNSRecord{awaiting("a.example.com", t0)}, counts{conflict: 1, forget: 1}},
		{"crash recovery adopts one record: the oldest; the other is a conflict", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{created(at("8", "a.example.com", "192.0.2.2", mk), t0.Add(2*time.Second)),
				created(at("7", "a.example.com", "192.0.2.1", mk), t0.Add(time.Second))},
			[]model.DNSRecord{awaiting("a.example.com", t0)}, counts{conflict: 1, del: 1}},
		{"crash recovery, no longer wanted: adopted and deleted", nil,
			[]dns.Record{created(at("7", "a.example.com", "192.0.2.1", mk), t0.Add(time.Second))},
			[]model.DNSRecord{awaiting("a.example.com", t0)}, counts{del: 1}},
		{"delete ours without consumer", nil,
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{del: 1}},
		{"never delete untracked, even with our marker", nil,
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk)}, nil, counts{}},
		{"never delete a copy of our marker at a tracked name", nil,
			[]dns.Record{at("2", "a.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{forget: 1}},
		{"never delete our id moved to another name", nil,
			[]dns.Record{at("1", "b.example.com", "192.0.2.1", mk)}, []model.DNSRecord{row("a.example.com", "1")}, counts{forget: 1}},
		{"never delete foreign at a tracked name", nil,
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", "")}, []model.DNSRecord{row("a.example.com", "1")}, counts{forget: 1}},
		{"forget a row whose record is gone", nil, nil, []model.DNSRecord{row("a.example.com", "1")}, counts{forget: 1}},
		// TXT records never change a plan: only A, AAAA and CNAME hold a
		// name, and our own TXT records (ACME challenges, marked but never
		// tracked by a row of the reconciler) are not its to delete.
		{"a foreign TXT at a consumer's name does not hold it", []Want{want("a.example.com", "192.0.2.1"), wantAAAA},
			[]dns.Record{txtAt("1", "a.example.com", "v=spf1 -all", ""), txtAt("2", "a.example.com", "google-site-verification=x", "managed by docker-watcher other"),
				txtAt("3", "a.example.com", "their own", mk)},
			nil, counts{create: 2}},
		{"a foreign TXT beside ours changes nothing", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk), txtAt("2", "a.example.com", "v=spf1 -all", "")},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
		{"our TXT records are never deleted, at a consumer's name or not", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk),
				txtAt("2", "_acme-challenge.a.example.com", "dGhlLWNoYWxsZW5nZS1vZi10aGUtd2lsZGNhcmQtbmE", mk),
				txtAt("3", "_acme-challenge.a.example.com", "dGhlLWNoYWxsZW5nZS1vZi10aGUtYXBleC1uYW1lLXo", mk),
				txtAt("4", "a.example.com", "dGhlLWNoYWxsZW5nZS1vZi10aGUtd2lsZGNhcmQtbmE", mk)},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
		{"our TXT records are never deleted when no consumer is left", nil,
			[]dns.Record{txtAt("2", "_acme-challenge.example.com", "dGhlLWNoYWxsZW5nZS1vZi10aGUtd2lsZGNhcmQtbmE", mk),
				txtAt("3", "example.com", "dGhlLWNoYWxsZW5nZS1vZi10aGUtYXBleC1uYW1lLXo", mk)},
			nil, counts{}},
		{"other names and types are not looked at", []Want{want("a.example.com", "192.0.2.1")},
			[]dns.Record{at("1", "a.example.com", "192.0.2.1", mk), at("2", "www.example.com", "192.0.2.5", ""),
				{ID: "3", Name: "a.example.com", Type: "TXT", Content: "v=spf1"}},
			[]model.DNSRecord{row("a.example.com", "1")}, counts{insync: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Plan(tt.want, tt.actual, tt.rows, mk)
			if got := count(c); got != tt.expect {
				t.Fatalf("plan %+v, want %+v", got, tt.expect)
			}
			tracked := map[string]bool{}
			for _, r := range tt.rows {
				tracked[r.ProviderRecordID] = r.ProviderRecordID != ""
			}
			for _, it := range append(slices.Clone(c.Delete), c.Update...) {
				if it.Current.Owner != mk {
					t.Fatalf("plans to change a record that is not ours: %+v", it.Current)
				}
				if !tracked[it.Current.ID] && (it.Row == nil || !it.Row.AwaitsID()) {
					t.Fatalf("plans to change a record whose id no row tracks: %+v", it.Current)
				}
			}
			// Idempotency: the provider after the plan, planned again, needs nothing.
			after, rows := simulate(tt.actual, tt.rows, c)
			again := Plan(tt.want, after, rows, mk)
			if again.Writes() != 0 || len(again.Forget) != 0 {
				t.Fatalf("plan of the result is not empty: %+v", count(again))
			}
		})
	}
}

// simulate applies a plan to the provider's records and the rows, as a
// successful Apply would.
func simulate(actual []dns.Record, rows []model.DNSRecord, c Changes) ([]dns.Record, []model.DNSRecord) {
	var results []dns.ChangeResult
	rowBy := map[string]model.DNSRecord{}
	for _, r := range rows {
		rowBy[key(r.FQDN, r.Type)] = r
	}
	for _, f := range c.Forget {
		delete(rowBy, key(f.Row.FQDN, f.Row.Type))
	}
	for i, s := range planSteps(c) {
		r := s.change.Record
		k := key(r.Name, r.Type)
		tracked := func(id string) model.DNSRecord { r := row(r.Name, id); r.Type = s.change.Record.Type; return r }
		switch s.change.Action {
		case dns.Create:
			r.ID, r.Owner = fmt.Sprintf("new%d", i), mk
			rowBy[k] = tracked(r.ID)
		case dns.Update:
			rowBy[k] = tracked(r.ID)
		case dns.Delete:
			delete(rowBy, k)
		}
		results = append(results, dns.ChangeResult{Change: s.change, Record: r})
	}
	var outRows []model.DNSRecord
	for _, r := range rowBy {
		outRows = append(outRows, r)
	}
	return afterResults(actual, results), outRows
}

func TestDesired(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := model.Settings{Domain: "example.com", PublicIPv4: "203.0.113.10", PublicIPv6: "2001:db8::10", DNSTTL: 300,
		DNSProvider: model.ProviderCloudflare, CloudflareZoneName: "example.com", DNSDeleteGraceSeconds: 600}
	instances := []model.Instance{
		{ID: 1, Subdomain: "run", Status: model.StatusRunning, ProxyRouteID: 5},
		{ID: 2, Subdomain: "noroute", Status: model.StatusRunning},
		{ID: 3, Subdomain: "recent", Status: model.StatusStopped, ProxyRouteID: 6, StatusChangedAt: now.Add(-5 * time.Minute)},
		{ID: 4, Subdomain: "old", Status: model.StatusStopped, ProxyRouteID: 7, StatusChangedAt: now.Add(-11 * time.Minute)},
	}
	proxies := []model.Proxy{{ID: 9, Domain: "shop.example.com"}, {ID: 10, Domain: "elsewhere.org"}}
	cs := consumer.List(instances, proxies, s, now)
	names := map[string]consumer.Consumer{}
	for _, c := range cs {
		names[c.FQDN] = c
	}
	if len(cs) != 4 || names["run.example.com"].Kind != model.KindInstance || names["recent.example.com"].GraceUntil.IsZero() {
		t.Fatalf("consumers %+v", cs)
	}
	if _, ok := names["old.example.com"]; ok {
		t.Fatal("a stopped instance past its grace period still has a consumer")
	}
	want, outside := Desired(cs, s)
	if len(want) != 6 || len(outside) != 2 { // 3 names in the zone × A+AAAA; elsewhere.org × 2
		t.Fatalf("want %d, outside %d", len(want), len(outside))
	}
	for _, w := range want {
		if w.Record.TTL != 300 || (w.Record.Type == "AAAA") != (w.Record.Content == "2001:db8::10") {
			t.Fatalf("record %+v", w.Record)
		}
	}
	// Grace 0 deletes at once.
	s.DNSDeleteGraceSeconds = 0
	if cs := consumer.List(instances, nil, s, now); len(cs) != 1 {
		t.Fatalf("with grace 0: %+v", cs)
	}
	// No address, no record.
	s.PublicIPv4, s.PublicIPv6 = "", ""
	if want, _ := Desired(cs, s); len(want) != 0 {
		t.Fatalf("without an address: %+v", want)
	}
}
