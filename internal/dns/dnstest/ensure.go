package dnstest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// testEnsureCreates: a new record is created once, with our marker, and the
// returned record is the one the backend holds.
func (s *suite) testEnsureCreates(t *testing.T) {
	tests := []struct {
		name string
		r    func(e *env) dns.Record
	}{
		{"A with TTL", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) }},
		{"A automatic TTL", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, false) }},
		{"A default TTL 0", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 0, false) }},
		{"A proxied", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, true) }},
		{"A proxied asking TTL", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, true) }},
		{"AAAA", func(e *env) dns.Record { return e.rec("app", "AAAA", "2001:db8::10", 120, false) }},
		{"apex", func(e *env) dns.Record { return e.rec("@", "A", "203.0.113.10", 300, false) }},
		{"deep name", func(e *env) dns.Record { return e.rec("a.b.c", "A", "203.0.113.10", 300, false) }},
		{"mixed case and trailing dot", func(e *env) dns.Record {
			r := e.rec("App", "A", "203.0.113.10", 300, false)
			r.Name = strings.ToUpper(r.Name) + "."
			return r
		}},
		{"owner already our marker", func(e *env) dns.Record {
			r := e.rec("app", "A", "203.0.113.10", 300, false)
			r.Owner = e.marker
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { s.ensureCreates(t, tt.r) })
	}
}

// ensureCreates ensures one record on an empty zone: the backend then
// holds that one record, with our marker, as EnsureRecord returned it.
func (s *suite) ensureCreates(t *testing.T, rec func(e *env) dns.Record) {
	t.Helper()
	e := s.env(t)
	r := rec(e)
	got := e.ensure(r)
	recs := e.records()
	if len(recs) != 1 {
		t.Fatalf("backend has %d records after one EnsureRecord, want 1:\n%s", len(recs), show(recs...))
	}
	if recs[0].ID != got.ID {
		t.Errorf("EnsureRecord returned ID %q, the backend's record has %q", got.ID, recs[0].ID)
	}
	if recs[0].Name != normName(r.Name) {
		t.Errorf("backend record is named %q, want %q", recs[0].Name, normName(r.Name))
	}
	if !dns.SameData(recs[0], e.ourData(r)) {
		t.Errorf("backend has %s, want %s", show(recs[0]), show(e.ourData(r)))
	}
}

// ensureTwice ensures first then second, which must be the same record as
// far as the contract goes: one record, same ID, left as it was, no write.
func (s *suite) ensureTwice(t *testing.T, first, second func(e *env) dns.Record) {
	t.Helper()
	e := s.env(t)
	r1, r2 := first(e), second(e)
	got1 := e.ensure(r1)
	before := e.records()
	var got2 dns.Record
	e.noWrites("a second EnsureRecord of a record already as desired", func() {
		got2 = e.ensure(r2)
	})
	if got2.ID != got1.ID {
		t.Errorf("second EnsureRecord returned ID %q, the first %q", got2.ID, got1.ID)
	}
	after := e.records()
	if len(after) != 1 {
		t.Fatalf("backend has %d records after ensuring one twice, want 1:\n%s", len(after), show(after...))
	}
	if !sameSet(after, before) {
		t.Errorf("second EnsureRecord changed the record:\nbefore: %s\nafter:  %s", show(before...), show(after...))
	}
}

// testEnsureTwice: ensure is idempotent, also when the second call spells
// the same record differently.
func (s *suite) testEnsureTwice(t *testing.T) {
	base := func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) }
	tests := []struct {
		name          string
		first, second func(e *env) dns.Record
	}{
		{"identical", base, base},
		{"identical AAAA", func(e *env) dns.Record { return e.rec("app", "AAAA", "2001:db8::10", 300, false) },
			func(e *env) dns.Record { return e.rec("app", "AAAA", "2001:db8::10", 300, false) }},
		{"name case and trailing dot", base, func(e *env) dns.Record {
			r := base(e)
			r.Name = strings.ToUpper(r.Name) + "."
			return r
		}},
		{"type in lower case", base, func(e *env) dns.Record {
			r := base(e)
			r.Type = "a"
			return r
		}},
		{"owner empty then our marker", base, func(e *env) dns.Record {
			r := base(e)
			r.Owner = e.marker
			return r
		}},
		{"proxied, TTL asked then automatic", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, true) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, true) }},
		{"proxied, TTL automatic then asked", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, true) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 3600, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { s.ensureTwice(t, tt.first, tt.second) })
	}
}

// testEnsureTTLDefault: TTL 0 (provider default) and 1 (automatic) are the
// same record, so alternating them never flaps.
func (s *suite) testEnsureTTLDefault(t *testing.T) {
	for _, ttls := range [][2]int{{0, 1}, {1, 0}} {
		t.Run(fmt.Sprintf("TTL %d then %d", ttls[0], ttls[1]), func(t *testing.T) {
			s.ensureTwice(t,
				func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", ttls[0], false) },
				func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", ttls[1], false) })
		})
	}
}

// testEnsureUpdatesInPlace: a changed record keeps its ID and is the only
// one of its name and type.
func (s *suite) testEnsureUpdatesInPlace(t *testing.T) {
	tests := []struct {
		name          string
		first, second func(e *env) dns.Record
	}{
		{"content", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.20", 300, false) }},
		{"TTL", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 3600, false) }},
		{"TTL to automatic", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, false) }},
		{"proxied on", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, false) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, true) }},
		{"proxied off with TTL", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 1, true) },
			func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) }},
		{"AAAA content", func(e *env) dns.Record { return e.rec("app", "AAAA", "2001:db8::10", 300, false) },
			func(e *env) dns.Record { return e.rec("app", "AAAA", "2001:db8::20", 300, false) }},
		{"content, name spelt differently", func(e *env) dns.Record { return e.rec("app", "A", "203.0.113.10", 300, false) },
			func(e *env) dns.Record {
				r := e.rec("app", "A", "203.0.113.20", 300, false)
				r.Name = strings.ToUpper(r.Name) + "."
				return r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			r1, r2 := tt.first(e), tt.second(e)
			got1 := e.ensure(r1)
			got2 := e.ensure(r2)
			if got2.ID != got1.ID {
				t.Errorf("updating EnsureRecord returned ID %q, the record had %q: not updated in place", got2.ID, got1.ID)
			}
			recs := e.records()
			if len(recs) != 1 {
				t.Fatalf("backend has %d records, want 1:\n%s", len(recs), show(recs...))
			}
			if recs[0].ID != got1.ID {
				t.Errorf("backend record has ID %q, want the original %q", recs[0].ID, got1.ID)
			}
			if !dns.SameData(recs[0], e.ourData(r2)) {
				t.Errorf("backend has %s, want %s", show(recs[0]), show(e.ourData(r2)))
			}
		})
	}
}

// foreignOwners are the owners of records the suite makes by hand that are
// not ours: none, another installation's marker, a person's comment, and
// near misses of our own marker.
func foreignOwners() []struct{ name, owner string } {
	return []struct{ name, owner string }{
		{"no marker", ""},
		{"other installation", OtherMarker},
		{"hand-written comment", "set by hand, do not touch"},
		{"our marker with a suffix", Marker + " (edited)"},
		{"marker prefix without installation", strings.TrimSpace(dns.OwnerMarker(""))},
	}
}

// testEnsureConflict: a foreign record of the same name and type is a
// conflict, left exactly as it is, with no record added beside it.
func (s *suite) testEnsureConflict(t *testing.T) {
	for _, fo := range foreignOwners() {
		for _, typ := range []string{"A", "AAAA"} {
			for _, sameContent := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/same content %v", fo.name, typ, sameContent)
				t.Run(name, func(t *testing.T) {
					e := s.env(t)
					foreignIP, ourIP := "198.51.100.7", "203.0.113.10"
					if typ == "AAAA" {
						foreignIP, ourIP = "2001:db8:f::7", "2001:db8::10"
					}
					if sameContent {
						ourIP = foreignIP
					}
					f := e.rec("app", typ, foreignIP, 300, false)
					f.Owner = fo.owner
					foreign := e.add(f)
					before := e.records()

					want := e.rec("app", typ, ourIP, 300, false)
					var err error
					e.noWrites("EnsureRecord on a foreign record", func() {
						_, err = e.p.EnsureRecord(t.Context(), want)
					})
					if !dns.IsConflict(err) {
						t.Errorf("EnsureRecord(%s) beside foreign %s: err = %v, want a *dns.ConflictError", show(want), show(foreign), err)
					} else {
						var ce *dns.ConflictError
						errors.As(err, &ce)
						if normName(ce.Name) != foreign.Name || !strings.EqualFold(ce.Type, typ) || ce.Owner != fo.owner {
							t.Errorf("ConflictError = %+v, want Name %q, Type %q, Owner %q", *ce, foreign.Name, typ, fo.owner)
						}
					}
					e.expectBackend("after a conflicting EnsureRecord", before)
				})
			}
		}
	}
}

// testEnsureOursBesideForeign: a foreign record made by hand next to ours
// (same name and type) is never changed; EnsureRecord either reports the
// conflict and leaves ours as it was, or updates ours alone.
func (s *suite) testEnsureOursBesideForeign(t *testing.T) {
	for _, fo := range foreignOwners()[:2] {
		for _, newContent := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/new content %v", fo.name, newContent), func(t *testing.T) {
				e := s.env(t)
				r1 := e.rec("app", "A", "203.0.113.10", 300, false)
				ours := e.ensure(r1)
				f := e.rec("app", "A", "198.51.100.7", 300, false)
				f.Owner = fo.owner
				foreign := e.add(f)
				oursBefore, _ := byID(e.records(), ours.ID)

				r2 := r1
				if newContent {
					r2.Content = "203.0.113.20"
				}
				got, err := e.p.EnsureRecord(t.Context(), r2)
				e.expectUnchanged("EnsureRecord beside a foreign record", foreign)
				switch {
				case dns.IsConflict(err):
					e.expectUnchanged("EnsureRecord that reported a conflict", oursBefore)
				case err != nil:
					t.Errorf("EnsureRecord(%s): %v, want success or a *dns.ConflictError", show(r2), err)
				default:
					e.checkReturned(r2, got)
					e.expectOnlyOurs("after EnsureRecord beside a foreign record", r2)
				}
				if n := len(e.records()); n != 2 {
					t.Errorf("backend has %d records, want 2 (ours and the foreign one)", n)
				}
			})
		}
	}
}

// testEnsureRemovesOurDuplicates: several records of ours of one name and
// type (a crash between create and bookkeeping, a person copying ours)
// become one with the desired data; ours of other types and foreign
// records elsewhere are left alone.
func (s *suite) testEnsureRemovesOurDuplicates(t *testing.T) {
	tests := []struct {
		name     string
		existing []dns.Record // of "app" A, by hand with our marker
		want     dns.Record
	}{
		{"two, want the first",
			[]dns.Record{{Content: "203.0.113.1", TTL: 300}, {Content: "203.0.113.2", TTL: 300}},
			dns.Record{Content: "203.0.113.1", TTL: 300}},
		{"two, want the second",
			[]dns.Record{{Content: "203.0.113.1", TTL: 300}, {Content: "203.0.113.2", TTL: 300}},
			dns.Record{Content: "203.0.113.2", TTL: 300}},
		{"two, want new content",
			[]dns.Record{{Content: "203.0.113.1", TTL: 300}, {Content: "203.0.113.2", TTL: 300}},
			dns.Record{Content: "203.0.113.3", TTL: 300}},
		{"three with different settings",
			[]dns.Record{{Content: "203.0.113.1", TTL: 1, Proxied: true}, {Content: "203.0.113.2", TTL: 3600},
				{Content: "203.0.113.3", TTL: 300}},
			dns.Record{Content: "203.0.113.2", TTL: 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			var dups []dns.Record
			for _, d := range tt.existing {
				d.Name, d.Type, d.Owner = e.name("app"), "A", e.marker
				dups = append(dups, e.add(d))
			}
			otherType := e.rec("app", "AAAA", "2001:db8::1", 300, false)
			otherType.Owner = e.marker
			bystanders := []dns.Record{e.add(otherType)}
			f := e.rec("www", "A", "198.51.100.1", 300, false)
			bystanders = append(bystanders, e.add(f))

			want := tt.want
			want.Name, want.Type = e.name("app"), "A"
			got := e.ensure(want)
			rec := e.expectOnlyOurs("after EnsureRecord over duplicates", want)
			if rec.ID != "" && got.ID != rec.ID {
				t.Errorf("EnsureRecord returned ID %q, the remaining record has %q", got.ID, rec.ID)
			}
			if _, ok := byID(dups, rec.ID); rec.ID != "" && !ok {
				t.Logf("note: the duplicates were replaced by a new record rather than one of them updated")
			}
			e.expectUnchanged("EnsureRecord over duplicates", bystanders...)
			if n := len(e.records()); n != 1+len(bystanders) {
				t.Errorf("backend has %d records, want %d", n, 1+len(bystanders))
			}
		})
	}
}

// testEnsureConcurrent: the provider is safe for concurrent use. Different
// names ensured at once all exist once; the same record ensured at once
// never yields a conflict, and one more ensure leaves exactly one.
func (s *suite) testEnsureConcurrent(t *testing.T) {
	const n = 8
	t.Run("different names", func(t *testing.T) {
		e := s.env(t)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = e.p.EnsureRecord(t.Context(), e.rec(fmt.Sprintf("app%d", i), "A", fmt.Sprintf("203.0.113.%d", i+1), 300, false))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("EnsureRecord app%d: %v", i, err)
			}
		}
		for i := range n {
			e.expectOnlyOurs("after concurrent EnsureRecord", e.rec(fmt.Sprintf("app%d", i), "A", fmt.Sprintf("203.0.113.%d", i+1), 300, false))
		}
		if got := len(e.records()); got != n {
			t.Errorf("backend has %d records, want %d", got, n)
		}
	})
	t.Run("same record", func(t *testing.T) {
		e := s.env(t)
		want := e.rec("app", "A", "203.0.113.10", 300, false)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = e.p.EnsureRecord(t.Context(), want) })
		}
		wg.Wait()
		noSelfConflict(t, "one record", errs)
		e.ensure(want)
		e.expectOnlyOurs("after concurrent EnsureRecord of one record and one more", want)
		if got := len(e.records()); got != 1 {
			t.Errorf("backend has %d records, want 1:\n%s", got, show(e.records()...))
		}
	})
}

// noSelfConflict fails on a conflict among the errors of concurrent
// ensures of our own records (of what); other errors are logged.
func noSelfConflict(t *testing.T, what string, errs []error) {
	t.Helper()
	for _, err := range errs {
		if dns.IsConflict(err) {
			t.Errorf("concurrent EnsureRecord of %s reported a conflict with ourselves: %v", what, err)
		} else if err != nil {
			t.Logf("concurrent EnsureRecord: %v", err)
		}
	}
}
