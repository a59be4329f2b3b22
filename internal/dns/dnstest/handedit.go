package dnstest

import (
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// testHandEdited: a record the provider created, then taken over by a
// person (its marker replaced or removed in the dashboard), is no longer
// ours: ensure, delete and batch changes of it are refused and it is left
// as the person saved it, whatever the provider saw or wrote before. A
// record of ours whose content was edited by hand is put back in place.
func (s *suite) testHandEdited(t *testing.T) {
	ops := []struct {
		name     string
		batch    bool
		conflict bool // the error must be a *dns.ConflictError
		op       func(e *env, stale dns.Record) error
	}{
		{"EnsureRecord", false, true, func(e *env, stale dns.Record) error {
			r := stale
			r.ID, r.Owner, r.Content = "", "", "203.0.113.99"
			_, err := e.p.EnsureRecord(e.t.Context(), r)
			return err
		}},
		{"EnsureRecord same data", false, true, func(e *env, stale dns.Record) error {
			r := stale
			r.ID, r.Owner = "", ""
			_, err := e.p.EnsureRecord(e.t.Context(), r)
			return err
		}},
		{"DeleteRecord by ID as once returned", false, false, func(e *env, stale dns.Record) error {
			return e.p.DeleteRecord(e.t.Context(), stale)
		}},
		{"DeleteRecord by name and type", false, false, func(e *env, stale dns.Record) error {
			return e.p.DeleteRecord(e.t.Context(), dns.Record{Name: stale.Name, Type: stale.Type, Owner: e.marker})
		}},
		{"batch update by ID as once returned", true, false, func(e *env, stale dns.Record) error {
			r := stale
			r.Content = "203.0.113.99"
			res, err := e.applyBatch([]dns.Change{{Action: dns.Update, Record: r}})
			if err != nil {
				return err
			}
			return res[0].Err
		}},
		{"batch delete by ID as once returned", true, false, func(e *env, stale dns.Record) error {
			res, err := e.applyBatch([]dns.Change{{Action: dns.Delete, Record: stale}})
			if err != nil {
				return err
			}
			return res[0].Err
		}},
	}
	takeovers := []struct{ name, owner string }{
		{"marker replaced", "mine now, hands off"},
		{"marker removed", ""},
		{"other installation's marker", OtherMarker},
	}
	listings := []struct {
		name          string
		before, after bool // ListRecords before and after the hand edit
	}{
		{"no listing", false, false},
		{"listed before the edit", true, false},
		{"listed after the edit", false, true},
	}
	for _, op := range ops {
		for _, to := range takeovers {
			for _, l := range listings {
				if op.batch && !s.batcher {
					continue // a provider without a batch has no batch edits to test
				}
				t.Run(op.name+"/"+to.name+", "+l.name, func(t *testing.T) {
					e := s.env(t)
					ours := e.ensure(e.rec("app", "A", "203.0.113.10", 300, false))
					list := func() {
						t.Helper()
						if _, err := e.p.ListRecords(t.Context()); err != nil {
							t.Fatalf("ListRecords: %v", err)
						}
					}
					if l.before {
						list()
					}
					edit := ours
					edit.Owner = to.owner
					taken := e.h.(Editor).Edit(t, edit)
					if taken.Owner != to.owner {
						t.Fatalf("Edit left owner %q, want %q", taken.Owner, to.owner)
					}
					if l.after {
						list()
					}
					before := e.records()
					var err error
					e.noWrites(op.name+" of a record taken over by hand", func() { err = op.op(e, ours) })
					switch {
					case err == nil:
						t.Errorf("%s of our record after a person took it over (%s) returned no error", op.name, to.name)
					case op.conflict && !dns.IsConflict(err):
						t.Errorf("%s: err = %v, want a *dns.ConflictError", op.name, err)
					}
					e.expectBackend(op.name+" of a record taken over by hand", before)
				})
			}
		}
	}
	t.Run("content edited, marker kept", func(t *testing.T) {
		e := s.env(t)
		want := e.rec("app", "A", "203.0.113.10", 300, false)
		ours := e.ensure(want)
		edit := ours
		edit.Content = "198.51.100.50"
		e.h.(Editor).Edit(t, edit)
		got := e.ensure(want)
		if got.ID != ours.ID {
			t.Errorf("EnsureRecord replaced record %s by %s instead of putting it back in place", ours.ID, got.ID)
		}
		e.expectOnlyOurs("EnsureRecord after a hand edit of the content", want)
	})
}
