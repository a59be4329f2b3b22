package dnstest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// propertySteps is the length of one random sequence.
const propertySteps = 200

// propertySeeds are the sequences run by default; DNSTEST_SEED runs one
// other (a failure message names its seed).
var propertySeeds = []uint64{1, 2, 3}

// testProperty runs random sequences of EnsureRecord, DeleteRecord and
// (for a Batcher) ApplyBatch for a handful of names, interleaved with
// records added by hand, and after every step checks that no foreign
// record changed and that the backend holds what the provider was last
// told: for every name and type last ensured, exactly one record of ours
// with that data; for every one last deleted, none.
func (s *suite) testProperty(t *testing.T) {
	seeds := propertySeeds
	if v := os.Getenv("DNSTEST_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DNSTEST_SEED=%q: %v", v, err)
		}
		seeds = []uint64{seed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			m := newModel(s.env(t), seed)
			for m.step = 1; m.step <= propertySteps; m.step++ {
				m.next()
				m.check()
				if t.Failed() {
					t.Fatalf("property broken at step %d of seed %d (rerun with DNSTEST_SEED=%d); last steps:\n%s",
						m.step, seed, seed, m.history())
				}
			}
			t.Logf("%d steps: %v; %d foreign records", propertySteps, m.counts, len(m.foreign))
		})
	}
}

// state is what the model knows of our record of one name and type.
type state int

const (
	absent  state = iota // we have no record there
	present              // we have exactly want there
	unknown              // a call failed half-way; no more than one of ours
)

type slot struct {
	state state
	want  dns.Record // when present: the data, and the ID last returned
}

type model struct {
	e       *env
	rng     *rand.Rand
	step    int
	keys    []dns.Record // the names and types the provider is told about
	slots   map[string]*slot
	foreign map[string]dns.Record // by ID, as added by hand
	stale   []string              // IDs of records of ours that are gone
	log     []string
	counts  map[string]int // what the steps did, for the log
	nextIP  int
}

func newModel(e *env, seed uint64) *model {
	m := &model{
		e:       e,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		slots:   map[string]*slot{},
		foreign: map[string]dns.Record{},
		counts:  map[string]int{},
	}
	for i := range 6 {
		for _, typ := range []string{"A", "AAAA"} {
			k := dns.Record{Name: e.name(fmt.Sprintf("p%d", i)), Type: typ}
			m.keys = append(m.keys, k)
			m.slots[key(k)] = &slot{}
		}
	}
	return m
}

func (m *model) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf("%3d: ", m.step)+fmt.Sprintf(format, args...))
}

func (m *model) history() string {
	return strings.Join(m.log[max(0, len(m.log)-12):], "\n")
}

func (m *model) pick() dns.Record { return m.keys[m.rng.IntN(len(m.keys))] }

// ourContent draws from a few addresses so that ensures often repeat.
func (m *model) ourContent(typ string) string {
	n := 1 + m.rng.IntN(4)
	if typ == "AAAA" {
		return fmt.Sprintf("2001:db8::%x", n)
	}
	return fmt.Sprintf("203.0.113.%d", n)
}

// foreignContent never repeats and never meets ours.
func (m *model) foreignContent(typ string) string {
	m.nextIP++
	if typ == "AAAA" {
		return fmt.Sprintf("2001:db8:f::%x", m.nextIP)
	}
	return fmt.Sprintf("198.51.100.%d", m.nextIP%250+1)
}

func (m *model) desired(k dns.Record) dns.Record {
	r := k
	r.Content = m.ourContent(k.Type)
	r.TTL = []int{0, 1, 120, 300}[m.rng.IntN(4)]
	r.Proxied = m.rng.IntN(5) == 0
	if m.rng.IntN(6) == 0 {
		r.Name = strings.ToUpper(r.Name) + "."
	}
	return r
}

func (m *model) foreignAt(k dns.Record) bool {
	for _, f := range m.foreign {
		if key(f) == key(k) {
			return true
		}
	}
	return false
}

func (m *model) next() {
	_, batcher := m.e.p.(dns.Batcher)
	switch n := m.rng.IntN(100); {
	case n < 40:
		m.ensure()
	case n < 62:
		m.delete()
	case n < 70:
		m.deleteForeign()
	case n < 78:
		m.addForeign()
	case n < 90 && batcher:
		m.batch()
	default:
		m.ensure()
	}
}

func (m *model) ensure() {
	t := m.e.t
	k := m.pick()
	sl := m.slots[key(k)]
	r := m.desired(k)
	got, err := m.e.p.EnsureRecord(t.Context(), r)
	m.logf("EnsureRecord(%s) = %s, %v", show(r), got.ID, err)
	switch {
	case err == nil:
		m.counts["ensure"]++
		m.e.checkReturned(r, got)
		sl.state, sl.want = present, m.e.ourData(r)
		sl.want.Name, sl.want.ID = normName(r.Name), got.ID
	case dns.IsConflict(err):
		m.counts["ensure conflict"]++
		if !m.foreignAt(k) {
			t.Errorf("EnsureRecord(%s) reported a conflict, but no foreign record has that name and type: %v", show(r), err)
		}
		// A conflict changes nothing: the slot stays as it was.
	default:
		t.Errorf("EnsureRecord(%s): %v", show(r), err)
	}
}

func (m *model) delete() {
	t := m.e.t
	k := m.pick()
	sl := m.slots[key(k)]
	var r dns.Record
	mode := m.rng.IntN(4)
	switch {
	case mode == 0 && sl.state == present:
		r = sl.want // by ID, as returned
	case mode == 1 && len(m.stale) > 0:
		r = dns.Record{ID: m.stale[m.rng.IntN(len(m.stale))], Owner: m.e.marker}
	case mode == 2:
		r = dns.Record{Name: k.Name, Type: k.Type}
	default:
		r = dns.Record{Name: k.Name, Type: k.Type, Owner: m.e.marker}
	}
	err := m.e.p.DeleteRecord(t.Context(), r)
	m.logf("DeleteRecord(%s) = %v", show(r), err)
	m.counts["delete"]++
	switch {
	case r.ID != "" && sl.state == present && r.ID == sl.want.ID:
		if err != nil {
			t.Errorf("DeleteRecord(%s) of our record: %v", show(r), err)
			sl.state = unknown
			return
		}
		m.stale = append(m.stale, r.ID)
		sl.state = absent
	case r.ID != "": // stale
		if err != nil {
			t.Errorf("DeleteRecord(%s) of a record already deleted: %v", show(r), err)
		}
	case err == nil:
		if sl.state == present {
			m.stale = append(m.stale, sl.want.ID)
		}
		sl.state = absent
	case m.foreignAt(k):
		// Refusing because a foreign record has the name is allowed; did
		// it delete ours first? The model no longer knows.
		if sl.state != absent {
			sl.state = unknown
		}
	default:
		t.Errorf("DeleteRecord(%s): %v", show(r), err)
		sl.state = unknown
	}
}

// deleteForeign asks to delete a foreign record, truthfully or claiming it
// is ours; it must be refused.
func (m *model) deleteForeign() {
	if len(m.foreign) == 0 {
		m.addForeign()
		return
	}
	ids := sortedIDs(m.foreign)
	f := m.foreign[ids[m.rng.IntN(len(ids))]]
	r := f
	switch m.rng.IntN(3) {
	case 0:
		r.Owner = m.e.marker
	case 1:
		r = dns.Record{ID: f.ID, Owner: m.e.marker}
	}
	err := m.e.p.DeleteRecord(m.e.t.Context(), r)
	m.logf("DeleteRecord(%s) of foreign = %v", show(r), err)
	m.counts["delete foreign"]++
	if err == nil {
		m.e.t.Errorf("DeleteRecord(%s) of foreign %s returned nil, want an error", show(r), show(f))
	}
}

func (m *model) addForeign() {
	var k dns.Record
	if m.rng.IntN(3) == 0 {
		k = m.pick() // a name and type we manage
	} else {
		k = dns.Record{Name: m.e.name(fmt.Sprintf("q%d", m.rng.IntN(3))), Type: []string{"A", "AAAA"}[m.rng.IntN(2)]}
	}
	r := k
	r.Content, r.TTL = m.foreignContent(k.Type), []int{1, 300}[m.rng.IntN(2)]
	r.Owner = []string{"", OtherMarker, "hand-made"}[m.rng.IntN(3)]
	f := m.e.add(r)
	m.foreign[f.ID] = f
	m.logf("by hand: %s", show(f))
	m.counts["by hand"]++
}

// batch applies a few changes of ours, sometimes with a change to a
// foreign record among them.
func (m *model) batch() {
	t := m.e.t
	var changes []dns.Change
	var slots []*slot // per change, nil for the foreign one
	used := map[string]bool{}
	for range 1 + m.rng.IntN(4) {
		k := m.pick()
		sl := m.slots[key(k)]
		if used[key(k)] || sl.state == unknown {
			continue
		}
		used[key(k)] = true
		switch {
		case sl.state == absent && !m.foreignAt(k):
			changes = append(changes, dns.Change{Action: dns.Create, Record: m.desired(k)})
		case sl.state == present && m.rng.IntN(2) == 0:
			r := m.desired(k)
			r.ID, r.Owner = sl.want.ID, m.e.marker
			changes = append(changes, dns.Change{Action: dns.Update, Record: r})
		case sl.state == present:
			changes = append(changes, dns.Change{Action: dns.Delete, Record: sl.want})
		default:
			continue
		}
		slots = append(slots, sl)
	}
	if len(m.foreign) > 0 && m.rng.IntN(3) == 0 {
		ids := sortedIDs(m.foreign)
		f := m.foreign[ids[m.rng.IntN(len(ids))]]
		f.Owner = m.e.marker
		c := dns.Change{Action: dns.Delete, Record: f}
		if m.rng.IntN(2) == 0 {
			f.Content = m.foreignContent(f.Type)
			c = dns.Change{Action: dns.Update, Record: f}
		}
		i := m.rng.IntN(len(changes) + 1)
		changes = slices.Insert(changes, i, c)
		slots = slices.Insert(slots, i, nil)
	}
	if len(changes) == 0 {
		m.ensure()
		return
	}
	res, err := m.e.applyBatch(changes)
	m.logf("ApplyBatch(%d changes) = %v", len(changes), err)
	m.counts["batch"]++
	m.counts["batch change"] += len(changes)
	if m.foreignInBatch(slots) {
		m.counts["batch with foreign"]++
	}
	for i, r := range res {
		c, sl := changes[i], slots[i]
		m.logf("  %s %s = %s, %v", c.Action, show(c.Record), r.Record.ID, r.Err)
		if sl == nil {
			if r.Err == nil {
				t.Errorf("ApplyBatch: the %s of foreign record %s has no error", c.Action, c.Record.ID)
			}
			continue
		}
		switch {
		case r.Err != nil:
			if err == nil && !m.foreignInBatch(slots) {
				t.Errorf("ApplyBatch: %s %s: %v", c.Action, show(c.Record), r.Err)
			}
			sl.state = unknown
		case c.Action == dns.Delete:
			m.stale = append(m.stale, c.Record.ID)
			sl.state = absent
		default:
			sl.state, sl.want = present, m.e.ourData(c.Record)
			sl.want.Name, sl.want.ID = normName(c.Record.Name), r.Record.ID
		}
	}
}

func (m *model) foreignInBatch(slots []*slot) bool {
	return slices.Contains(slots, nil)
}

// check compares the backend with the model.
func (m *model) check() {
	t := m.e.t
	recs := m.e.records()
	for _, f := range m.foreign {
		got, ok := byID(recs, f.ID)
		switch {
		case !ok:
			t.Errorf("foreign record %s is gone", show(f))
		case got != f:
			t.Errorf("foreign record %s was changed to %s", show(f), show(got))
		}
	}
	ours := map[string][]dns.Record{}
	for _, r := range recs {
		if _, isForeign := m.foreign[r.ID]; isForeign {
			continue
		}
		if r.Owner != m.e.marker {
			t.Errorf("backend has %s, neither ours nor added by hand", show(r))
			continue
		}
		if _, managed := m.slots[key(r)]; !managed {
			t.Errorf("backend has a record of ours at a name the provider was never told about: %s", show(r))
			continue
		}
		ours[key(r)] = append(ours[key(r)], r)
	}
	for _, k := range m.keys {
		sl, got := m.slots[key(k)], ours[key(k)]
		switch {
		case len(got) > 1:
			t.Errorf("backend has %d records of ours for %s:\n%s", len(got), key(k), show(got...))
		case sl.state == present && len(got) == 0:
			t.Errorf("backend has no record of ours for %s, want %s", key(k), show(sl.want))
		case sl.state == present && (!dns.SameData(got[0], sl.want) || got[0].ID != sl.want.ID):
			t.Errorf("backend has %s, want %s", show(got[0]), show(sl.want))
		case sl.state == absent && len(got) != 0:
			t.Errorf("backend has %s, which was deleted", show(got...))
		}
	}
}

func sortedIDs(m map[string]dns.Record) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
