package dnstest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// testDeleteAbsent: deleting what is not there is not an error and
// changes nothing, also when records of ours sit next to it.
func (s *suite) testDeleteAbsent(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *env) // records already there
		del   func(e *env) dns.Record
	}{
		{"by name and type, empty zone", nil,
			func(e *env) dns.Record { return dns.Record{Name: e.name("app"), Type: "A"} }},
		{"by name, type and our marker", nil,
			func(e *env) dns.Record { return dns.Record{Name: e.name("app"), Type: "A", Owner: e.marker} }},
		{"by made-up ID", nil,
			func(e *env) dns.Record { return dns.Record{ID: madeUpID} }},
		{"by made-up ID with our marker", nil,
			func(e *env) dns.Record { return dns.Record{ID: madeUpID, Owner: e.marker} }},
		{"other type of ours at the name",
			func(e *env) { e.ensure(e.rec("app", "A", "203.0.113.10", 300, false)) },
			func(e *env) dns.Record { return dns.Record{Name: e.name("app"), Type: "AAAA", Owner: e.marker} }},
		{"ours at a longer name",
			func(e *env) { e.ensure(e.rec("app2", "A", "203.0.113.10", 300, false)) },
			func(e *env) dns.Record { return dns.Record{Name: e.name("app"), Type: "A", Owner: e.marker} }},
		{"ours at a subdomain",
			func(e *env) { e.ensure(e.rec("x.app", "A", "203.0.113.10", 300, false)) },
			func(e *env) dns.Record { return dns.Record{Name: e.name("app"), Type: "A", Owner: e.marker} }},
		{"ID already deleted",
			func(e *env) { e.ensure(e.rec("www", "A", "203.0.113.11", 300, false)) },
			func(e *env) dns.Record {
				r := e.ensure(e.rec("app", "A", "203.0.113.10", 300, false))
				if err := e.p.DeleteRecord(e.t.Context(), r); err != nil {
					e.t.Fatalf("DeleteRecord(%s): %v", show(r), err)
				}
				return r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			r := tt.del(e)
			before := e.records()
			if err := e.p.DeleteRecord(t.Context(), r); err != nil {
				t.Errorf("DeleteRecord(%s) of an absent record: %v, want nil", show(r), err)
			}
			e.expectBackend("DeleteRecord of an absent record", before)
		})
	}
}

// testDeleteOurs: our record goes, by ID or by name and type; nothing else
// does.
func (s *suite) testDeleteOurs(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		del  func(e *env, r dns.Record) dns.Record // r as EnsureRecord returned it
	}{
		{"as returned by EnsureRecord", "A", func(e *env, r dns.Record) dns.Record { return r }},
		{"by ID and owner", "A", func(e *env, r dns.Record) dns.Record { return dns.Record{ID: r.ID, Owner: r.Owner} }},
		{"by name and type", "A", func(e *env, r dns.Record) dns.Record { return dns.Record{Name: r.Name, Type: r.Type} }},
		{"by name, type and owner", "A", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: r.Name, Type: r.Type, Owner: r.Owner}
		}},
		{"by name spelt differently", "A", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: strings.ToUpper(r.Name) + ".", Type: r.Type, Owner: r.Owner}
		}},
		{"AAAA by ID", "AAAA", func(e *env, r dns.Record) dns.Record { return r }},
		{"AAAA by name and type", "AAAA", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: r.Name, Type: r.Type, Owner: r.Owner}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			content, otherType, otherContent := "203.0.113.10", "AAAA", "2001:db8::10"
			if tt.typ == "AAAA" {
				content, otherType, otherContent = otherContent, "A", content
			}
			target := e.ensure(e.rec("app", tt.typ, content, 300, false))
			e.ensure(e.rec("app", otherType, otherContent, 300, false))
			e.ensure(e.rec("app2", tt.typ, content, 300, false))
			e.ensure(e.rec("x.app", tt.typ, content, 300, false))
			e.add(e.rec("www", tt.typ, content, 300, false))
			txt := e.rec("app", "TXT", "v=hand-made", 300, false)
			txt.Owner = OtherMarker
			e.add(txt)
			before := e.records()
			if len(before) != 6 {
				t.Fatalf("set-up: backend has %d records, want the 6 made:\n%s", len(before), show(before...))
			}

			r := tt.del(e, target)
			if err := e.p.DeleteRecord(t.Context(), r); err != nil {
				t.Fatalf("DeleteRecord(%s): %v", show(r), err)
			}
			e.expectBackend("DeleteRecord of our record", without(before, target.ID))
		})
	}
}

// testDeleteRefusesForeign: a record that is not ours is never deleted,
// whatever the caller claims about it.
func (s *suite) testDeleteRefusesForeign(t *testing.T) {
	modes := []struct {
		name string
		del  func(e *env, f dns.Record) dns.Record // f as the backend lists it
	}{
		{"by ID as listed", func(e *env, f dns.Record) dns.Record { return f }},
		{"by ID claiming our marker", func(e *env, f dns.Record) dns.Record { f.Owner = e.marker; return f }},
		{"by bare ID", func(e *env, f dns.Record) dns.Record { return dns.Record{ID: f.ID} }},
		{"by bare ID claiming our marker", func(e *env, f dns.Record) dns.Record { return dns.Record{ID: f.ID, Owner: e.marker} }},
		{"by name and type", func(e *env, f dns.Record) dns.Record { return dns.Record{Name: f.Name, Type: f.Type} }},
		{"by name, type and its owner", func(e *env, f dns.Record) dns.Record {
			return dns.Record{Name: f.Name, Type: f.Type, Owner: f.Owner}
		}},
		{"by name, type and our marker", func(e *env, f dns.Record) dns.Record {
			return dns.Record{Name: f.Name, Type: f.Type, Owner: e.marker}
		}},
	}
	for _, fo := range foreignOwners() {
		for _, m := range modes {
			t.Run(fo.name+"/"+m.name, func(t *testing.T) {
				e := s.env(t)
				f := e.rec("app", "A", "198.51.100.7", 300, false)
				f.Owner = fo.owner
				foreign := e.add(f)
				e.ensure(e.rec("www", "A", "203.0.113.10", 300, false))
				before := e.records()

				r := m.del(e, foreign)
				var err error
				e.noWrites("DeleteRecord of a foreign record", func() {
					err = e.p.DeleteRecord(t.Context(), r)
				})
				if err == nil {
					t.Errorf("DeleteRecord(%s) of foreign %s returned nil, want an error", show(r), show(foreign))
				}
				e.expectBackend("DeleteRecord of a foreign record", before)
			})
		}
	}
}

// testList: every record of the zone, ours with our marker and the others
// with their own owner, all pages, and listing changes nothing.
func (s *suite) testList(t *testing.T) {
	tests := []struct {
		name    string
		foreign int // extra foreign records, for pagination
	}{
		{"few", 0},
		{"many pages", 230},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			ours := []dns.Record{
				e.ensure(e.rec("app", "A", "203.0.113.10", 300, false)),
				e.ensure(e.rec("app", "AAAA", "2001:db8::10", 1, false)),
				e.ensure(e.rec("api", "A", "203.0.113.11", 1, true)),
			}
			for i, fo := range foreignOwners() {
				f := e.rec(fmt.Sprintf("hand%d", i), "A", fmt.Sprintf("198.51.100.%d", i+1), 300, false)
				f.Owner = fo.owner
				e.add(f)
			}
			txt := e.rec("app", "TXT", "v=hand-made", 300, false)
			e.add(txt)
			for i := range tt.foreign {
				e.add(e.rec(fmt.Sprintf("bulk%03d", i), "A", fmt.Sprintf("198.51.%d.%d", 101+i/250, 1+i%250), 300, false))
			}
			want := e.records()

			var got []dns.Record
			var err error
			e.noWrites("ListRecords", func() { got, err = e.p.ListRecords(t.Context()) })
			if err != nil {
				t.Fatalf("ListRecords: %v", err)
			}
			if len(got) != len(want) {
				t.Errorf("ListRecords returned %d records, the backend has %d", len(got), len(want))
			}
			seen := map[string]bool{}
			for _, g := range got {
				if seen[g.ID] {
					t.Errorf("ListRecords returned %s more than once", show(g))
				}
				seen[g.ID] = true
				w, ok := byID(want, g.ID)
				switch {
				case !ok:
					t.Errorf("ListRecords returned %s, which the backend does not have", show(g))
				case !dns.SameData(g, w) || normName(g.Name) != w.Name:
					t.Errorf("ListRecords returned %s, the backend has %s", show(g), show(w))
				}
			}
			for _, w := range want {
				if !seen[w.ID] {
					t.Errorf("ListRecords left out %s", show(w))
				}
			}
			for _, o := range ours {
				if g, ok := byID(got, o.ID); ok && g.Owner != e.marker {
					t.Errorf("ListRecords shows our record %s with owner %q, want %q", o.Name, g.Owner, e.marker)
				}
			}
			e.expectBackend("ListRecords", want)
		})
	}
}

// testOtherRecordsSurvive: records of other names (and of other types at
// our name) made by hand survive every call about our record, including
// those whose names look like ours.
func (s *suite) testOtherRecordsSurvive(t *testing.T) {
	e := s.env(t)
	var bystanders []dns.Record
	addBy := func(label, typ, content, owner string) {
		r := e.rec(label, typ, content, 300, false)
		r.Owner = owner
		bystanders = append(bystanders, e.add(r))
	}
	addBy("www", "A", "198.51.100.1", "")
	addBy("@", "A", "198.51.100.2", "")
	addBy("x.app", "A", "198.51.100.3", "")
	addBy("app2", "A", "198.51.100.4", OtherMarker)
	addBy("ap", "A", "198.51.100.5", "")
	addBy("app", "TXT", "v=hand-made", "")
	addBy("app", "AAAA", "2001:db8:f::1", OtherMarker)
	addBy("other", "A", "203.0.113.99", e.marker) // ours, but not the name we work on
	addBy("x.app", "A", "203.0.113.98", e.marker)

	check := func(step string) {
		t.Helper()
		e.expectUnchanged(step, bystanders...)
	}
	ctx := t.Context()
	r := e.rec("app", "A", "203.0.113.10", 300, false)
	got := e.ensure(r)
	check("EnsureRecord (create)")
	e.ensure(r)
	check("EnsureRecord (again)")
	r.Content = "203.0.113.20"
	e.ensure(r)
	check("EnsureRecord (content)")
	r.TTL, r.Proxied = 1, true
	e.ensure(r)
	check("EnsureRecord (proxied)")
	if _, err := e.p.ListRecords(ctx); err != nil {
		t.Errorf("ListRecords: %v", err)
	}
	check("ListRecords")
	if err := e.p.DeleteRecord(ctx, dns.Record{Name: r.Name, Type: "A", Owner: e.marker}); err != nil {
		t.Errorf("DeleteRecord by name: %v", err)
	}
	check("DeleteRecord by name and type")
	got = e.ensure(r)
	check("EnsureRecord (re-create)")
	if err := e.p.DeleteRecord(ctx, got); err != nil {
		t.Errorf("DeleteRecord by ID: %v", err)
	}
	check("DeleteRecord by ID")
	if err := e.p.DeleteRecord(ctx, dns.Record{Name: r.Name, Type: "A"}); err != nil {
		t.Errorf("DeleteRecord of an absent record: %v", err)
	}
	check("DeleteRecord of an absent record")
	if err := e.p.DeleteRecord(ctx, dns.Record{Name: e.name("app"), Type: "AAAA"}); err == nil {
		t.Errorf("DeleteRecord of the foreign AAAA by name returned nil, want an error")
	}
	check("DeleteRecord of a foreign record by name")

	wantCount := len(bystanders)
	if b, ok := e.p.(dns.Batcher); ok {
		wantCount += 2 // api updated and new created; old deleted
		u := e.ensure(e.rec("api", "A", "203.0.113.30", 300, false))
		d := e.ensure(e.rec("old", "A", "203.0.113.31", 300, false))
		u.Content = "203.0.113.32"
		res, err := b.ApplyBatch(ctx, []dns.Change{
			{Action: dns.Create, Record: e.rec("new", "A", "203.0.113.33", 300, false)},
			{Action: dns.Update, Record: u},
			{Action: dns.Delete, Record: d},
		})
		if err != nil {
			t.Errorf("ApplyBatch: %v", err)
		}
		for _, cr := range res {
			if cr.Err != nil {
				t.Errorf("ApplyBatch %s %s: %v", cr.Change.Action, cr.Change.Record.Name, cr.Err)
			}
		}
		check("ApplyBatch")
	}
	if n := len(e.records()); n != wantCount {
		t.Errorf("backend has %d records at the end, want %d:\n%s", n, wantCount, show(e.records()...))
	}
}
