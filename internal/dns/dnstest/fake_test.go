package dnstest

import (
	"errors"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// The Fake applies what it is asked, as a provider would, logs it, fails
// calls on demand, and reports writes its CheckWrite objects to.
func TestFakeRecordsFaultsAndChecks(t *testing.T) {
	const marker = "managed by docker-watcher test"
	f := NewFake("example.com", marker, 1)
	foreign, err := f.Seed(dns.Record{Name: "Www.Example.com.", Type: "A", Content: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seed(dns.Record{Name: "www.example.com", Type: "A", Content: "192.0.2.1"}); err == nil {
		t.Fatal("an identical record was seeded twice")
	}
	f.CheckWrite = func(_ string, _ dns.Action, target dns.Record) error {
		if target.ID == foreign.ID {
			return errors.New("not ours")
		}
		return nil
	}
	res, err := f.ApplyBatch(t.Context(), []dns.Change{
		{Action: dns.Create, Record: dns.Record{Name: "a.example.com", Type: "A", Content: "203.0.113.10", TTL: 1}},
		{Action: dns.Create, Record: dns.Record{Name: "x.other.org", Type: "A", Content: "203.0.113.10", TTL: 1}},
	})
	if err != nil || len(res) != 2 || res[0].Err != nil || res[0].Record.Owner != marker || res[0].Record.CreatedOn.IsZero() {
		t.Fatalf("batch: %+v, %v", res, err)
	}
	if v := f.Violations(); len(v) != 1 {
		t.Fatalf("a create outside the zone is not a violation: %v", v)
	}
	// A lost answer: applied, then the error. A failed call: nothing.
	f.SetFault(func(int64, string) Fault { return FaultLost })
	if err := f.DeleteRecord(t.Context(), res[0].Record); !errors.Is(err, ErrInjected) {
		t.Fatalf("lost delete: %v", err)
	}
	f.SetFault(func(int64, string) Fault { return FaultFail })
	if err := f.DeleteRecord(t.Context(), foreign); !errors.Is(err, ErrInjected) {
		t.Fatalf("failed delete: %v", err)
	}
	f.SetFault(nil)
	if err := f.DeleteRecord(t.Context(), foreign); err != nil {
		t.Fatal(err)
	}
	if v := f.Violations(); len(v) != 2 {
		t.Fatalf("the delete of a record CheckWrite refuses is not a violation: %v", v)
	}
	recs := f.Records()
	if len(recs) != 1 || recs[0].Name != "x.other.org" {
		t.Fatalf("records %+v", recs)
	}
	if ops := f.Ops(); len(ops) != 4 || f.Calls() != 4 {
		t.Fatalf("%d ops, %d calls: %v", len(ops), f.Calls(), ops)
	}
	if z, err := f.Zone(t.Context()); err != nil || z.Name != "example.com" {
		t.Fatalf("zone %+v, %v", z, err)
	}
}

// The Fake keeps TXT values apart: two of ours at one name, a foreign one
// of a value in the way of that value only, deletes by value; and a TXT
// create is a violation unless Types allows it.
func TestFakeTXT(t *testing.T) {
	const marker = "managed by docker-watcher test"
	const name = "_acme-challenge.example.com"
	f := NewFake("example.com", marker, 1)
	foreign, err := f.Seed(dns.Record{Name: name, Type: "TXT", Content: "theirs", Owner: OtherMarker})
	if err != nil {
		t.Fatal(err)
	}
	v1, err1 := f.EnsureRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "v1"})
	v2, err2 := f.EnsureRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "V1"}) // another value: case counts
	if err1 != nil || err2 != nil || v1.ID == v2.ID {
		t.Fatalf("two values: %+v %v, %+v %v", v1, err1, v2, err2)
	}
	if v := f.Violations(); len(v) != 2 {
		t.Fatalf("TXT creates without Types: violations %v, want 2", v)
	}
	again, err := f.EnsureRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "v1"})
	if err != nil || again.ID != v1.ID || len(f.Ops()) != 2 {
		t.Fatalf("ensure again: %+v, %v, %d ops; want v1 and no write", again, err, len(f.Ops()))
	}
	if _, err := f.EnsureRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "theirs"}); !dns.IsConflict(err) {
		t.Fatalf("ensure of the foreign value: %v, want a conflict", err)
	}
	if err := f.DeleteRecord(t.Context(), dns.Record{Name: name, Type: "TXT"}); err == nil {
		t.Fatal("a TXT delete without value was accepted")
	}
	if err := f.DeleteRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "v1"}); err != nil {
		t.Fatal(err)
	}
	recs := f.Records()
	if len(recs) != 2 || recs[0].ID != foreign.ID || recs[1].ID != v2.ID {
		t.Fatalf("records %+v, want the foreign one and V1", recs)
	}
	g := NewFake("example.com", marker, 1)
	g.Types = []string{"TXT"}
	if _, err := g.EnsureRecord(t.Context(), dns.Record{Name: name, Type: "TXT", Content: "v1"}); err != nil || len(g.Violations()) != 0 {
		t.Fatalf("with Types TXT: %v, violations %v", err, g.Violations())
	}
}
