package dnstest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// ACME DNS-01 values (43 characters of base64url, as certmagic writes
// them) at the challenge label: the challenges of "*.example.com" and of
// "example.com" are two values at one name, present at once.
const (
	challengeLabel = "_acme-challenge"
	txtValue1      = "dGhlLWNoYWxsZW5nZS1vZi10aGUtd2lsZGNhcmQtbmE"
	txtValue2      = "dGhlLWNoYWxsZW5nZS1vZi10aGUtYXBleC1uYW1lLXo"
	txtValue3      = "YS10aGlyZC12YWx1ZS1mb3ItdGhlLWJhdGNoLXRlc3Q"
	// A user's own value at the challenge name: a CNAME delegation's
	// marker, another ACME client's challenge.
	txtTheirs = "delegated to acme-dns; do not touch"
)

// testTXT runs the subtests of TXT records, identified by name AND value:
// values of ours coexist at one name, and TXT records of others at the
// name, of the same value or not, survive every call untouched.
func (s *suite) testTXT(t *testing.T) {
	t.Run("EnsureCreates", s.testTXTEnsureCreates)
	t.Run("EnsureTwice", s.testTXTEnsureTwice)
	t.Run("ValuesCoexist", s.testTXTValuesCoexist)
	t.Run("UpdatesTTLInPlace", s.testTXTUpdatesTTLInPlace)
	t.Run("EnsureByID", s.testTXTEnsureByID)
	t.Run("EnsureConcurrent", s.testTXTEnsureConcurrent)
	t.Run("BesideForeign", s.testTXTBesideForeign)
	t.Run("DeleteByValue", s.testTXTDeleteByValue)
	t.Run("DeleteAbsent", s.testTXTDeleteAbsent)
	t.Run("DeleteRefusesForeign", s.testTXTDeleteRefusesForeign)
	if s.editor {
		t.Run("HandEdited", s.testTXTHandEdited)
	}
	if s.batcher {
		t.Run("Batch", s.testTXTBatch)
	}
}

// txt is a TXT record of ours-to-be at label.
func (e *env) txt(label, value string, ttl int) dns.Record {
	return e.rec(label, "TXT", value, ttl, false)
}

// addTXT adds a TXT record by hand with owner.
func (e *env) addTXT(label, value, owner string) dns.Record {
	e.t.Helper()
	r := e.txt(label, value, 300)
	r.Owner = owner
	return e.add(r)
}

// expectOurTXT fails unless our TXT records at name are exactly one per
// record of want, with its data; it returns them in want's order.
func (e *env) expectOurTXT(what, name string, want ...dns.Record) []dns.Record {
	e.t.Helper()
	recs := e.records()
	ours := ownedBy(at(recs, name, "TXT"), e.marker)
	if len(ours) != len(want) {
		e.t.Errorf("%s: backend has %d TXT records of ours at %s, want %d\nbackend:\n%s", what, len(ours), normName(name), len(want), show(recs...))
	}
	out := make([]dns.Record, len(want))
	for i, w := range want {
		var of []dns.Record
		for _, o := range ours {
			if o.Content == w.Content {
				of = append(of, o)
			}
		}
		switch {
		case len(of) != 1:
			e.t.Errorf("%s: backend has %d TXT records of ours with value %q, want 1\nbackend:\n%s", what, len(of), w.Content, show(recs...))
		case !dns.SameData(of[0], e.ourData(w)):
			e.t.Errorf("%s: backend has %s, want %s", what, show(of[0]), show(e.ourData(w)))
		default:
			out[i] = of[0]
		}
	}
	return out
}

// listed is r as the backend lists it now.
func (e *env) listed(r dns.Record) dns.Record {
	e.t.Helper()
	got, ok := byID(e.records(), r.ID)
	if !ok {
		e.t.Fatalf("record %s is not in the backend", show(r))
	}
	return got
}

// refused calls fn, which must fail without a write and leave the backend
// as it was.
func (e *env) refused(what string, fn func() error) {
	e.t.Helper()
	before := e.records()
	var err error
	e.noWrites(what, func() { err = fn() })
	if err == nil {
		e.t.Errorf("%s returned no error", what)
	}
	e.expectBackend(what, before)
}

// notOurs reports whether err says the record is not ours.
func notOurs(err error) bool { return dns.IsConflict(err) || errors.Is(err, dns.ErrNotOurs) }

// testTXTEnsureCreates: a TXT value is created once, with our marker, and
// reads back as written, whatever its characters or length.
func (s *suite) testTXTEnsureCreates(t *testing.T) {
	tests := []struct{ name, label, value string }{
		{"ACME value", challengeLabel, txtValue1},
		{"value with spaces", "@", "v=spf1 include:_spf.example.net -all"},
		{"value with quotes and backslash", challengeLabel, `say "hi" \o/`},
		{"value over 255 bytes", challengeLabel, strings.Repeat("0123456789", 30)},
		{"deep name", challengeLabel + ".a.b", txtValue1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ensureCreates(t, func(e *env) dns.Record { return e.txt(tt.label, tt.value, 120) })
		})
	}
	t.Run("name spelt differently", func(t *testing.T) {
		s.ensureCreates(t, func(e *env) dns.Record {
			r := e.txt(challengeLabel, txtValue1, 0)
			r.Name, r.Type = strings.ToUpper(r.Name)+".", "txt"
			return r
		})
	})
}

// testTXTEnsureTwice: ensuring a value that is there is no write.
func (s *suite) testTXTEnsureTwice(t *testing.T) {
	base := func(e *env) dns.Record { return e.txt(challengeLabel, txtValue1, 120) }
	long := func(e *env) dns.Record { return e.txt(challengeLabel, strings.Repeat("0123456789", 30), 120) }
	tests := []struct {
		name          string
		first, second func(e *env) dns.Record
	}{
		{"identical", base, base},
		{"value over 255 bytes", long, long},
		{"name case, trailing dot, type case", base, func(e *env) dns.Record {
			r := base(e)
			r.Name, r.Type = strings.ToUpper(r.Name)+".", "txt"
			return r
		}},
		{"owner empty then our marker", base, func(e *env) dns.Record {
			r := base(e)
			r.Owner = e.marker
			return r
		}},
		{"TTL 0 then 1", func(e *env) dns.Record { return e.txt(challengeLabel, txtValue1, 0) },
			func(e *env) dns.Record { return e.txt(challengeLabel, txtValue1, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { s.ensureTwice(t, tt.first, tt.second) })
	}
}

// testTXTValuesCoexist: two values of ours at one name are two records,
// present at once; ensuring either again writes nothing and returns it.
func (s *suite) testTXTValuesCoexist(t *testing.T) {
	e := s.env(t)
	r1, r2 := e.txt(challengeLabel, txtValue1, 120), e.txt(challengeLabel, txtValue2, 120)
	got1 := e.ensure(r1)
	got2 := e.ensure(r2)
	if got1.ID == got2.ID {
		t.Fatalf("two values at one name returned one record %s", got1.ID)
	}
	both := e.expectOurTXT("after ensuring two values at one name", r1.Name, r1, r2)
	if both[0].ID != got1.ID || both[1].ID != got2.ID {
		t.Errorf("backend holds %s and %s, EnsureRecord returned %s and %s", both[0].ID, both[1].ID, got1.ID, got2.ID)
	}
	before := e.records()
	for _, r := range []dns.Record{r1, r2, r1} {
		var got dns.Record
		e.noWrites("EnsureRecord of a value already there", func() { got = e.ensure(r) })
		if want := map[string]string{txtValue1: got1.ID, txtValue2: got2.ID}[r.Content]; got.ID != want {
			t.Errorf("EnsureRecord of %q returned %s, want %s", r.Content, got.ID, want)
		}
	}
	e.expectBackend("EnsureRecord of values already there", before)
}

// testTXTUpdatesTTLInPlace: a value of ours ensured with another TTL keeps
// its record; the other value at the name is left as it was.
func (s *suite) testTXTUpdatesTTLInPlace(t *testing.T) {
	e := s.env(t)
	got1 := e.ensure(e.txt(challengeLabel, txtValue1, 120))
	other := e.listed(e.ensure(e.txt(challengeLabel, txtValue2, 120)))
	r1 := e.txt(challengeLabel, txtValue1, 600)
	if got := e.ensure(r1); got.ID != got1.ID {
		t.Errorf("EnsureRecord with a new TTL returned %s, want the record %s updated in place", got.ID, got1.ID)
	}
	e.expectOurTXT("after a new TTL", r1.Name, r1, e.txt(challengeLabel, txtValue2, 120))
	e.expectUnchanged("EnsureRecord of another value", other)
}

// testTXTEnsureByID: with an ID, EnsureRecord updates that record if it is
// ours, and refuses a foreign one without a write.
func (s *suite) testTXTEnsureByID(t *testing.T) {
	t.Run("ours", func(t *testing.T) {
		e := s.env(t)
		got1 := e.ensure(e.txt(challengeLabel, txtValue1, 120))
		other := e.listed(e.ensure(e.txt(challengeLabel, txtValue2, 120)))
		r := e.txt(challengeLabel, txtValue1, 600)
		r.ID = got1.ID
		if got := e.ensure(r); got.ID != got1.ID {
			t.Errorf("EnsureRecord by ID returned %s, want %s", got.ID, got1.ID)
		}
		e.expectOurTXT("after EnsureRecord by ID", r.Name, r, e.txt(challengeLabel, txtValue2, 120))
		e.expectUnchanged("EnsureRecord by ID of another record", other)
	})
	for _, fo := range foreignOwners() {
		t.Run(fo.name, func(t *testing.T) {
			e := s.env(t)
			e.ensure(e.txt(challengeLabel, txtValue2, 120))
			foreign := e.addTXT(challengeLabel, txtTheirs, fo.owner)
			r := foreign
			r.Owner, r.TTL = e.marker, 600
			e.refused("EnsureRecord by the ID of a foreign TXT record", func() error {
				_, err := e.p.EnsureRecord(t.Context(), r)
				if err != nil && !notOurs(err) {
					t.Errorf("EnsureRecord by a foreign ID: %v, want a *dns.ConflictError or dns.ErrNotOurs", err)
				}
				return err
			})
		})
	}
}

// testTXTEnsureConcurrent: values ensured at once at one name all exist
// once, and no ensure reports a conflict with ourselves.
func (s *suite) testTXTEnsureConcurrent(t *testing.T) {
	e := s.env(t)
	values := []dns.Record{e.txt(challengeLabel, txtValue1, 120), e.txt(challengeLabel, txtValue2, 120)}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.p.EnsureRecord(t.Context(), values[i%2]) })
	}
	wg.Wait()
	noSelfConflict(t, "our values", errs)
	e.ensure(values[0])
	e.ensure(values[1])
	e.expectOurTXT("after concurrent EnsureRecord and one more each", values[0].Name, values...)
}

// testTXTBesideForeign: a TXT record that is not ours at the name — a
// user's own, another installation's — survives every call about our
// values. Only a foreign record of the very value ensured is in the way:
// a conflict, without a write.
func (s *suite) testTXTBesideForeign(t *testing.T) {
	for _, fo := range foreignOwners() {
		for _, sameValue := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/same value %v", fo.name, sameValue), func(t *testing.T) {
				e := s.env(t)
				theirs := txtTheirs
				if sameValue {
					theirs = txtValue1
				}
				foreign := e.addTXT(challengeLabel, theirs, fo.owner)
				untouched := func(step string) {
					t.Helper()
					e.expectUnchanged(step, foreign)
				}
				ctx := t.Context()
				r1, r2 := e.txt(challengeLabel, txtValue1, 120), e.txt(challengeLabel, txtValue2, 120)

				if sameValue {
					var err error
					e.noWrites("EnsureRecord of a value a foreign record holds", func() { _, err = e.p.EnsureRecord(ctx, r1) })
					var ce *dns.ConflictError
					if !errors.As(err, &ce) {
						t.Errorf("EnsureRecord(%s) beside foreign %s: err = %v, want a *dns.ConflictError", show(r1), show(foreign), err)
					} else if normName(ce.Name) != foreign.Name || !strings.EqualFold(ce.Type, "TXT") || ce.Owner != fo.owner {
						t.Errorf("ConflictError = %+v, want Name %q, Type TXT, Owner %q", *ce, foreign.Name, fo.owner)
					}
					untouched("EnsureRecord of the foreign record's value")
				} else {
					e.ensure(r1)
					untouched("EnsureRecord of a value beside a foreign one")
				}
				e.ensure(r2)
				untouched("EnsureRecord of a second value")
				e.ensure(r2)
				untouched("EnsureRecord of a second value again")
				if _, err := e.p.ListRecords(ctx); err != nil {
					t.Errorf("ListRecords: %v", err)
				}
				untouched("ListRecords")
				if err := e.p.DeleteRecord(ctx, dns.Record{Name: r2.Name, Type: "TXT", Content: txtValue2, Owner: e.marker}); err != nil {
					t.Errorf("DeleteRecord of our value: %v", err)
				}
				untouched("DeleteRecord of our value")
				del1 := dns.Record{Name: r1.Name, Type: "TXT", Content: txtValue1}
				if sameValue {
					e.refused("DeleteRecord of the value a foreign record holds", func() error { return e.p.DeleteRecord(ctx, del1) })
				} else if err := e.p.DeleteRecord(ctx, del1); err != nil {
					t.Errorf("DeleteRecord of our value beside a foreign one: %v", err)
				}
				untouched("DeleteRecord by value")
				e.expectOurTXT("at the end", r1.Name)
				if n := len(e.records()); n != 1 {
					t.Errorf("backend has %d records at the end, want only the foreign one:\n%s", n, show(e.records()...))
				}
			})
		}
	}
}

// testTXTDeleteByValue: a delete by value (or by ID) removes our record of
// that value and nothing else: not our other value, not a foreign record of
// the same value or of another, not ours of the value at another name.
func (s *suite) testTXTDeleteByValue(t *testing.T) {
	modes := []struct {
		name string
		del  func(e *env, r dns.Record) dns.Record // r as EnsureRecord returned it
	}{
		{"by value", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: r.Name, Type: "TXT", Content: r.Content}
		}},
		{"by value and our marker", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: r.Name, Type: "TXT", Content: r.Content, Owner: e.marker}
		}},
		{"by value, name and type spelt differently", func(e *env, r dns.Record) dns.Record {
			return dns.Record{Name: strings.ToUpper(r.Name) + ".", Type: "txt", Content: r.Content}
		}},
		{"as returned by EnsureRecord", func(e *env, r dns.Record) dns.Record { return r }},
		{"by ID and owner", func(e *env, r dns.Record) dns.Record { return dns.Record{ID: r.ID, Owner: r.Owner} }},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := s.env(t)
			target := e.ensure(e.txt(challengeLabel, txtValue1, 120))
			e.ensure(e.txt(challengeLabel, txtValue2, 120))
			e.ensure(e.txt(challengeLabel+".www", txtValue1, 120))
			a := e.rec(challengeLabel, "A", "203.0.113.10", 300, false)
			e.ensure(a)
			e.addTXT(challengeLabel, txtValue1, OtherMarker) // the same value, another installation's
			e.addTXT(challengeLabel, txtTheirs, "")
			before := e.records()
			if len(before) != 6 {
				t.Fatalf("set-up: backend has %d records, want the 6 made:\n%s", len(before), show(before...))
			}
			// Ours of the value comes first; the foreign one is no reason to write.
			var got dns.Record
			e.noWrites("EnsureRecord of our value beside a foreign record of it", func() {
				got = e.ensure(e.txt(challengeLabel, txtValue1, 120))
			})
			if got.ID != target.ID {
				t.Errorf("EnsureRecord returned %s, want our record %s", got.ID, target.ID)
			}

			r := m.del(e, target)
			if err := e.p.DeleteRecord(t.Context(), r); err != nil {
				t.Fatalf("DeleteRecord(%s): %v", show(r), err)
			}
			e.expectBackend("DeleteRecord of our TXT value", without(before, target.ID))
		})
	}
}

// testTXTDeleteAbsent: deleting a value that is not ours at the name — no
// record of it, or one of another case, or an ID already gone — is not an
// error and changes nothing.
func (s *suite) testTXTDeleteAbsent(t *testing.T) {
	swapped := strings.Map(func(c rune) rune {
		switch {
		case 'a' <= c && c <= 'z':
			return c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			return c - 'A' + 'a'
		}
		return c
	}, txtValue1)
	tests := []struct {
		name string
		del  func(e *env, gone dns.Record) dns.Record
	}{
		{"another value", func(e *env, _ dns.Record) dns.Record {
			return dns.Record{Name: e.name(challengeLabel), Type: "TXT", Content: txtValue3}
		}},
		{"our value in another case", func(e *env, _ dns.Record) dns.Record {
			return dns.Record{Name: e.name(challengeLabel), Type: "TXT", Content: swapped}
		}},
		{"our value at another name", func(e *env, _ dns.Record) dns.Record {
			return dns.Record{Name: e.name(challengeLabel + ".x"), Type: "TXT", Content: txtValue1}
		}},
		{"ID already deleted", func(e *env, gone dns.Record) dns.Record { return gone }},
		{"value already deleted", func(e *env, gone dns.Record) dns.Record {
			return dns.Record{Name: gone.Name, Type: "TXT", Content: gone.Content}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.env(t)
			e.ensure(e.txt(challengeLabel, txtValue1, 120))
			e.addTXT(challengeLabel, txtTheirs, OtherMarker)
			gone := e.ensure(e.txt(challengeLabel, txtValue2, 120))
			if err := e.p.DeleteRecord(t.Context(), gone); err != nil {
				t.Fatalf("DeleteRecord(%s): %v", show(gone), err)
			}
			before := e.records()
			r := tt.del(e, gone)
			var err error
			e.noWrites("DeleteRecord of an absent TXT value", func() { err = e.p.DeleteRecord(t.Context(), r) })
			if err != nil {
				t.Errorf("DeleteRecord(%s) of an absent value: %v, want nil", show(r), err)
			}
			e.expectBackend("DeleteRecord of an absent TXT value", before)
		})
	}
}

// testTXTDeleteRefusesForeign: a foreign TXT record is never deleted,
// whatever the caller claims; nor does a delete by name without a value
// take every value with it.
func (s *suite) testTXTDeleteRefusesForeign(t *testing.T) {
	modes := []struct {
		name string
		del  func(e *env, f dns.Record) dns.Record
	}{
		{"by ID as listed", func(e *env, f dns.Record) dns.Record { return f }},
		{"by ID claiming our marker", func(e *env, f dns.Record) dns.Record { f.Owner = e.marker; return f }},
		{"by bare ID", func(e *env, f dns.Record) dns.Record { return dns.Record{ID: f.ID} }},
		{"by bare ID claiming our marker", func(e *env, f dns.Record) dns.Record { return dns.Record{ID: f.ID, Owner: e.marker} }},
		{"by value", func(e *env, f dns.Record) dns.Record {
			return dns.Record{Name: f.Name, Type: "TXT", Content: f.Content}
		}},
		{"by value claiming our marker", func(e *env, f dns.Record) dns.Record {
			return dns.Record{Name: f.Name, Type: "TXT", Content: f.Content, Owner: e.marker}
		}},
		{"by name without a value", func(e *env, f dns.Record) dns.Record {
			return dns.Record{Name: f.Name, Type: "TXT", Owner: e.marker}
		}},
	}
	for _, fo := range foreignOwners() {
		for _, m := range modes {
			t.Run(fo.name+"/"+m.name, func(t *testing.T) {
				e := s.env(t)
				e.ensure(e.txt(challengeLabel, txtValue2, 120))
				foreign := e.addTXT(challengeLabel, txtValue1, fo.owner)
				r := m.del(e, foreign)
				e.refused("DeleteRecord of a foreign TXT record", func() error { return e.p.DeleteRecord(t.Context(), r) })
			})
		}
	}
}

// testTXTHandEdited: a TXT record of ours taken over by a person is judged
// by what the backend holds now: refused and left as the person saved it.
// One whose value a person changed (marker kept) is another value of ours:
// ensuring the old value makes a new record and leaves the edited one.
func (s *suite) testTXTHandEdited(t *testing.T) {
	ops := []struct {
		name  string
		batch bool
		op    func(e *env, stale dns.Record) error
	}{
		{"EnsureRecord of the value", false, func(e *env, stale dns.Record) error {
			r := stale
			r.ID, r.Owner = "", ""
			_, err := e.p.EnsureRecord(e.t.Context(), r)
			if err != nil && !dns.IsConflict(err) {
				e.t.Errorf("EnsureRecord: %v, want a *dns.ConflictError", err)
			}
			return err
		}},
		{"EnsureRecord by ID as once returned", false, func(e *env, stale dns.Record) error {
			r := stale
			r.TTL = 600
			_, err := e.p.EnsureRecord(e.t.Context(), r)
			return err
		}},
		{"DeleteRecord by ID as once returned", false, func(e *env, stale dns.Record) error {
			return e.p.DeleteRecord(e.t.Context(), stale)
		}},
		{"DeleteRecord by value", false, func(e *env, stale dns.Record) error {
			return e.p.DeleteRecord(e.t.Context(), dns.Record{Name: stale.Name, Type: "TXT", Content: stale.Content, Owner: e.marker})
		}},
		{"batch update by ID as once returned", true, func(e *env, stale dns.Record) error {
			r := stale
			r.TTL = 600
			return e.batchErr(dns.Change{Action: dns.Update, Record: r})
		}},
		{"batch delete by ID as once returned", true, func(e *env, stale dns.Record) error {
			return e.batchErr(dns.Change{Action: dns.Delete, Record: stale})
		}},
	}
	takeovers := []struct{ name, owner string }{
		{"marker replaced", "mine now, hands off"},
		{"marker removed", ""},
		{"other installation's marker", OtherMarker},
	}
	for _, op := range ops {
		for _, to := range takeovers {
			if op.batch && !s.batcher {
				continue
			}
			t.Run(op.name+"/"+to.name, func(t *testing.T) {
				e := s.env(t)
				ours := e.ensure(e.txt(challengeLabel, txtValue1, 120))
				other := e.listed(e.ensure(e.txt(challengeLabel, txtValue2, 120)))
				if _, err := e.p.ListRecords(t.Context()); err != nil { // seen as ours before the edit
					t.Fatalf("ListRecords: %v", err)
				}
				edit := ours
				edit.Owner = to.owner
				if taken := e.h.(Editor).Edit(t, edit); taken.Owner != to.owner {
					t.Fatalf("Edit left owner %q, want %q", taken.Owner, to.owner)
				}
				e.refused(op.name+" of a TXT record taken over by hand", func() error { return op.op(e, ours) })
				e.expectOurTXT("after the refused call", ours.Name, e.txt(challengeLabel, txtValue2, 120))
				e.expectUnchanged("a call about another value", other)
			})
		}
	}
	t.Run("value edited, marker kept", func(t *testing.T) {
		e := s.env(t)
		r1 := e.txt(challengeLabel, txtValue1, 120)
		ours := e.ensure(r1)
		edit := ours
		edit.Content = txtValue3
		edited := e.h.(Editor).Edit(t, edit)
		got := e.ensure(r1)
		if got.ID == ours.ID {
			t.Errorf("EnsureRecord of %q returned record %s, which now holds %q", r1.Content, got.ID, txtValue3)
		}
		e.expectOurTXT("after ensuring a value edited away", r1.Name, r1, e.txt(challengeLabel, txtValue3, 120))
		e.expectUnchanged("EnsureRecord of another value", edited)
	})
}

// batchErr applies one change and returns its error.
func (e *env) batchErr(c dns.Change) error {
	e.t.Helper()
	res, err := e.applyBatch([]dns.Change{c})
	if err != nil {
		return err
	}
	return res[0].Err
}

// testTXTBatch: creates, updates and deletes of our TXT values in one
// batch, beside foreign TXT records of the same and of other values; a
// change to a foreign TXT record in the batch is refused.
func (s *suite) testTXTBatch(t *testing.T) {
	t.Run("Applies", func(t *testing.T) {
		e := s.env(t)
		u := e.ensure(e.txt(challengeLabel, txtValue1, 120))
		d := e.ensure(e.txt(challengeLabel, txtValue2, 120))
		foreign := []dns.Record{
			e.addTXT(challengeLabel, txtValue2, OtherMarker), // the value we delete
			e.addTXT(challengeLabel, txtValue3, ""),          // the value we create
			e.addTXT(challengeLabel, txtTheirs, "set by hand"),
		}
		upd := u
		upd.TTL = 600
		create := e.txt(challengeLabel+".www", txtValue3, 120)
		res := e.applyAll([]dns.Change{
			{Action: dns.Create, Record: create},
			{Action: dns.Update, Record: upd},
			{Action: dns.Delete, Record: d},
		})
		e.expectUnchanged("ApplyBatch of our TXT values", foreign...)
		if got := e.expectOurTXT("after the batch", u.Name, upd); got[0].ID != "" && got[0].ID != u.ID {
			t.Errorf("batch update replaced record %s by %s", u.ID, got[0].ID)
		}
		if got := e.expectOurTXT("after the batch create", create.Name, create); got[0].ID != res[0].Record.ID {
			t.Errorf("batch create returned %s, the backend has %s", res[0].Record.ID, got[0].ID)
		}
		if n := len(e.records()); n != 5 {
			t.Errorf("backend has %d records, want 5:\n%s", n, show(e.records()...))
		}
	})
	kinds := []struct {
		name   string
		change func(e *env, f dns.Record) dns.Change
	}{
		{"update claiming our marker", func(e *env, f dns.Record) dns.Change {
			f.Owner, f.TTL = e.marker, 600
			return dns.Change{Action: dns.Update, Record: f}
		}},
		{"update as listed", func(e *env, f dns.Record) dns.Change {
			f.Content = txtValue3
			return dns.Change{Action: dns.Update, Record: f}
		}},
		{"delete claiming our marker", func(e *env, f dns.Record) dns.Change {
			f.Owner = e.marker
			return dns.Change{Action: dns.Delete, Record: f}
		}},
		{"delete as listed", func(e *env, f dns.Record) dns.Change { return dns.Change{Action: dns.Delete, Record: f} }},
	}
	for _, fo := range foreignOwners()[:3] {
		for _, k := range kinds {
			t.Run("NeverChangesForeign/"+fo.name+"/"+k.name, func(t *testing.T) {
				e := s.env(t)
				foreign := e.addTXT(challengeLabel, txtValue1, fo.owner)
				ours := e.ensure(e.txt(challengeLabel, txtValue2, 120))
				create := e.txt(challengeLabel, txtValue3, 120)
				changes := []dns.Change{{Action: dns.Create, Record: create}, k.change(e, foreign), {Action: dns.Delete, Record: ours}}
				res, err := e.applyBatch(changes)
				if err != nil {
					t.Logf("ApplyBatch returned %v", err)
				}
				e.expectUnchanged("ApplyBatch with a change to a foreign TXT record", foreign)
				if res[1].Err == nil {
					t.Errorf("the %s of foreign %s has no error", k.name, show(foreign))
				}
				recs := e.records()
				for i, r := range res {
					_, there := byID(recs, r.Record.ID)
					switch {
					case i == 1 || r.Err != nil:
					case r.Change.Action == dns.Create && !there:
						t.Errorf("batch create of %s reported done, but it is not there", show(create))
					case r.Change.Action == dns.Delete && slices.ContainsFunc(recs, func(x dns.Record) bool { return x.ID == ours.ID }):
						t.Errorf("batch delete of %s reported done, but it is still there", show(ours))
					}
				}
			})
		}
	}
}
