package dnstest

import (
	"fmt"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// testBatch runs the dns.Batcher subtests (Run adds it only for
// providers with a batch).
func (s *suite) testBatch(t *testing.T) {
	t.Run("Applies", s.testBatchApplies)
	t.Run("Empty", s.testBatchEmpty)
	t.Run("Large", s.testBatchLarge)
	t.Run("NeverChangesForeign", s.testBatchNeverChangesForeign)
	t.Run("ReportsTruthfully", s.testBatchReportsTruthfully)
}

func (e *env) batcher() dns.Batcher {
	e.t.Helper()
	b, ok := e.p.(dns.Batcher)
	if !ok {
		e.t.Fatal("the provider does not implement dns.Batcher, though the first one it made did")
	}
	return b
}

// applyBatch calls ApplyBatch and checks that there is one result per
// change, in order.
func (e *env) applyBatch(changes []dns.Change) ([]dns.ChangeResult, error) {
	e.t.Helper()
	res, err := e.batcher().ApplyBatch(e.t.Context(), changes)
	if len(res) != len(changes) {
		e.t.Fatalf("ApplyBatch of %d changes returned %d results (err %v), want one per change", len(changes), len(res), err)
	}
	for i, r := range res {
		c := changes[i]
		if r.Change.Action != c.Action || r.Change.Record.ID != c.Record.ID || key(r.Change.Record) != key(c.Record) ||
			r.Change.Record.Content != c.Record.Content {
			e.t.Errorf("ApplyBatch result %d is for %s %s, want %s %s: results must follow the changes' order",
				i, r.Change.Action, show(r.Change.Record), c.Action, show(c.Record))
		}
	}
	return res, err
}

// applyAll calls ApplyBatch, which must apply every change.
func (e *env) applyAll(changes []dns.Change) []dns.ChangeResult {
	e.t.Helper()
	res, err := e.applyBatch(changes)
	if err != nil {
		e.t.Errorf("ApplyBatch: %v", err)
	}
	for i, r := range res {
		if r.Err != nil {
			e.t.Errorf("ApplyBatch change %d (%s %s): %v", i, r.Change.Action, show(r.Change.Record), r.Err)
		}
	}
	return res
}

// testBatchApplies: creates, an update and a delete of ours in one batch.
func (s *suite) testBatchApplies(t *testing.T) {
	e := s.env(t)
	e.batcher()
	u := e.ensure(e.rec("app1", "A", "203.0.113.1", 300, false))
	d := e.ensure(e.rec("app2", "A", "203.0.113.2", 300, false))
	bystander := e.add(e.rec("www", "A", "198.51.100.1", 300, false))

	upd := u
	upd.Content, upd.TTL = "203.0.113.99", 600
	changes := []dns.Change{
		{Action: dns.Create, Record: e.rec("new1", "A", "203.0.113.3", 300, false)},
		{Action: dns.Update, Record: upd},
		{Action: dns.Delete, Record: d},
		{Action: dns.Create, Record: e.rec("new2", "AAAA", "2001:db8::3", 1, true)},
	}
	res, err := e.applyBatch(changes)
	if err != nil {
		t.Errorf("ApplyBatch: %v", err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("ApplyBatch change %d (%s %s): %v", i, r.Change.Action, show(r.Change.Record), r.Err)
		}
	}
	for _, i := range []int{0, 3} {
		rec := e.expectOnlyOurs("after a batch create", changes[i].Record)
		if res[i].Record.ID != rec.ID || !dns.SameData(res[i].Record, e.ourData(changes[i].Record)) {
			t.Errorf("batch create result %d is %s, the backend has %s", i, show(res[i].Record), show(rec))
		}
	}
	if rec := e.expectOnlyOurs("after a batch update", upd); rec.ID != "" && rec.ID != u.ID {
		t.Errorf("batch update replaced record %s by %s instead of updating it in place", u.ID, rec.ID)
	}
	if res[1].Record.ID != u.ID || !dns.SameData(res[1].Record, e.ourData(upd)) {
		t.Errorf("batch update result is %s, want %s", show(res[1].Record), show(upd))
	}
	recs := e.records()
	if _, ok := byID(recs, d.ID); ok || len(at(recs, d.Name, d.Type)) != 0 {
		t.Errorf("batch delete left %s in the backend:\n%s", show(d), show(recs...))
	}
	e.expectUnchanged("ApplyBatch", bystander)
	if len(recs) != 4 {
		t.Errorf("backend has %d records after the batch, want 4:\n%s", len(recs), show(recs...))
	}
}

// testBatchEmpty: an empty batch is no work and no call.
func (s *suite) testBatchEmpty(t *testing.T) {
	e := s.env(t)
	b := e.batcher()
	e.ensure(e.rec("app", "A", "203.0.113.1", 300, false))
	before := e.records()
	var res []dns.ChangeResult
	var err error
	e.noWrites("an empty ApplyBatch", func() { res, err = b.ApplyBatch(t.Context(), nil) })
	if err != nil || len(res) != 0 {
		t.Errorf("ApplyBatch(nil) = %d results, %v; want none and nil", len(res), err)
	}
	e.expectBackend("an empty ApplyBatch", before)
}

// testBatchLarge: more changes than a provider takes in one call (250, over
// Cloudflare's 200 on the Free plan) are all applied, creates then deletes.
func (s *suite) testBatchLarge(t *testing.T) {
	const n = 250
	e := s.env(t)
	e.batcher()
	bystander := e.add(e.rec("www", "A", "198.51.100.1", 300, false))
	var changes []dns.Change
	for i := range n {
		changes = append(changes, dns.Change{Action: dns.Create,
			Record: e.rec(fmt.Sprintf("bulk%03d", i), "A", fmt.Sprintf("203.0.113.%d", 1+i%250), 300, false)})
	}
	res, err := e.applyBatch(changes)
	if err != nil {
		t.Fatalf("ApplyBatch of %d creates: %v", n, err)
	}
	var deletes []dns.Change
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("create %d: %v", i, r.Err)
			continue
		}
		deletes = append(deletes, dns.Change{Action: dns.Delete, Record: r.Record})
	}
	recs := e.records()
	if got := len(ownedBy(recs, e.marker)); got != n {
		t.Errorf("backend has %d records of ours after %d creates, want %d", got, n, n)
	}
	if t.Failed() {
		return
	}
	res, err = e.applyBatch(deletes)
	if err != nil {
		t.Fatalf("ApplyBatch of %d deletes: %v", n, err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("delete %d: %v", i, r.Err)
		}
	}
	e.expectBackend("ApplyBatch of creates then deletes", []dns.Record{bystander})
}

// testBatchNeverChangesForeign: a change to a foreign record in a batch
// fails, whether the caller passes the record's true owner or lies that it
// is ours, and the foreign record is left exactly as it was. The changes
// of ours in the same batch are either applied or reported failed.
func (s *suite) testBatchNeverChangesForeign(t *testing.T) {
	kinds := []struct {
		name   string
		change func(e *env, f dns.Record) dns.Change
	}{
		{"update claiming our marker", func(e *env, f dns.Record) dns.Change {
			f.Owner, f.Content = e.marker, "203.0.113.66"
			return dns.Change{Action: dns.Update, Record: f}
		}},
		{"update as listed", func(e *env, f dns.Record) dns.Change {
			f.Content = "203.0.113.66"
			return dns.Change{Action: dns.Update, Record: f}
		}},
		{"update of the marker only, claiming ours", func(e *env, f dns.Record) dns.Change {
			f.Owner = e.marker
			return dns.Change{Action: dns.Update, Record: f}
		}},
		{"delete claiming our marker", func(e *env, f dns.Record) dns.Change {
			f.Owner = e.marker
			return dns.Change{Action: dns.Delete, Record: f}
		}},
		{"delete as listed", func(e *env, f dns.Record) dns.Change {
			return dns.Change{Action: dns.Delete, Record: f}
		}},
		{"delete by bare ID claiming ours", func(e *env, f dns.Record) dns.Change {
			return dns.Change{Action: dns.Delete, Record: dns.Record{ID: f.ID, Owner: e.marker}}
		}},
	}
	for _, fo := range foreignOwners()[:3] {
		for _, k := range kinds {
			for _, pos := range []string{"first", "middle", "last"} {
				t.Run(fmt.Sprintf("%s/%s/%s", fo.name, k.name, pos), func(t *testing.T) {
					e := s.env(t)
					e.batcher()
					f := e.rec("hand", "A", "198.51.100.7", 300, false)
					f.Owner = fo.owner
					foreign := e.add(f)
					u := e.ensure(e.rec("app", "A", "203.0.113.1", 300, false))
					upd := u
					upd.Content = "203.0.113.2"

					ours := []dns.Change{
						{Action: dns.Create, Record: e.rec("new", "A", "203.0.113.3", 300, false)},
						{Action: dns.Update, Record: upd},
					}
					bad := k.change(e, foreign)
					var changes []dns.Change
					badAt := map[string]int{"first": 0, "middle": 1, "last": 2}[pos]
					changes = append(changes, ours[:badAt]...)
					changes = append(changes, bad)
					changes = append(changes, ours[badAt:]...)

					res, err := e.applyBatch(changes)
					if err != nil {
						t.Logf("ApplyBatch returned %v", err)
					}
					e.expectUnchanged("ApplyBatch with a change to a foreign record", foreign)
					if res[badAt].Err == nil {
						t.Errorf("the change to foreign %s (%s) has no error", show(foreign), k.name)
					}
					for i, r := range res {
						if i == badAt || r.Err != nil {
							continue
						}
						if r.Change.Action == dns.Create || r.Change.Action == dns.Update {
							e.expectOnlyOurs(fmt.Sprintf("batch %s reported done", r.Change.Action), r.Change.Record)
						}
					}
					recs := e.records()
					if n := len(at(recs, foreign.Name, foreign.Type)); n != 1 {
						t.Errorf("backend has %d records of %s %s, want only the foreign one:\n%s", n, foreign.Type, foreign.Name, show(recs...))
					}
				})
			}
		}
	}
}

// testBatchReportsTruthfully: a batch holding a change the backend refuses
// (an address that is none) reports that change failed, and every result
// tells the truth: a change reported done is in the backend, a change
// reported failed is not.
func (s *suite) testBatchReportsTruthfully(t *testing.T) {
	kinds := []string{"create", "update"}
	for _, kind := range kinds {
		for pos := range 5 {
			t.Run(fmt.Sprintf("bad %s at %d", kind, pos), func(t *testing.T) {
				e := s.env(t)
				e.batcher()
				u1 := e.ensure(e.rec("upd1", "A", "203.0.113.1", 300, false))
				u2 := e.ensure(e.rec("upd2", "A", "203.0.113.2", 300, false))
				d := e.ensure(e.rec("del", "A", "203.0.113.3", 300, false))
				bystander := e.add(e.rec("www", "A", "198.51.100.1", 300, false))
				before := e.records()

				n1 := u1
				n1.Content = "203.0.113.11"
				changes := []dns.Change{
					{Action: dns.Create, Record: e.rec("new1", "A", "203.0.113.21", 300, false)},
					{Action: dns.Update, Record: n1},
					{Action: dns.Delete, Record: d},
					{Action: dns.Create, Record: e.rec("new2", "AAAA", "2001:db8::22", 300, false)},
				}
				bad := dns.Change{Action: dns.Create, Record: e.rec("bad", "A", "203.0.113.300", 300, false)}
				if kind == "update" {
					b := u2
					b.Content = "not an address"
					bad = dns.Change{Action: dns.Update, Record: b}
				}
				changes = append(changes[:pos:pos], append([]dns.Change{bad}, changes[pos:]...)...)

				res, err := e.applyBatch(changes)
				if err != nil {
					t.Logf("ApplyBatch returned %v", err)
				}
				if res[pos].Err == nil {
					t.Errorf("the %s with a bad address has no error", kind)
				}
				recs := e.records()
				e.expectUnchanged("ApplyBatch with a bad change", bystander)
				for i, r := range res {
					c := changes[i]
					prev, existed := byID(before, c.Record.ID)
					now, exists := byID(recs, c.Record.ID)
					switch {
					case c.Action == dns.Create && r.Err == nil:
						e.expectOnlyOurs("a batch create reported done", c.Record)
					case c.Action == dns.Create:
						if n := len(at(recs, c.Record.Name, c.Record.Type)); n != 0 {
							t.Errorf("batch create of %s reported failed (%v), but the backend has %d such records", show(c.Record), r.Err, n)
						}
					case c.Action == dns.Update && r.Err == nil:
						e.expectOnlyOurs("a batch update reported done", c.Record)
					case c.Action == dns.Update:
						if !exists || now != prev {
							t.Errorf("batch update of %s reported failed (%v), but the backend changed it to %s", show(prev), r.Err, show(now))
						}
					case c.Action == dns.Delete && r.Err == nil:
						if exists {
							t.Errorf("batch delete of %s reported done, but it is still there", show(now))
						}
					case c.Action == dns.Delete:
						if existed && !exists {
							t.Errorf("batch delete of %s reported failed (%v), but it is gone", show(prev), r.Err)
						}
					}
				}
			})
		}
	}
}
