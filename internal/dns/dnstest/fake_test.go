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
