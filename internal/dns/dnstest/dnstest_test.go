package dnstest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/suitetest"
)

// fake is an in-memory provider and its backend. With no bug set it keeps
// the contract; each bug breaks it in one way the suite must notice.
type fake struct {
	marker string
	bug    string

	mu     sync.Mutex
	recs   []dns.Record // the backend, in creation order
	nextID int
	writes int
	seen   map[string]string // "owner-cache" bug: owners as last seen, trusted
}

func newFake(marker, bug string) *fake {
	return &fake{marker: marker, bug: bug, seen: map[string]string{}}
}

// isOursAt reports whether the record at index i is ours as the fake judges it.
func (f *fake) isOursAt(i int) bool {
	if o, ok := f.seen[f.recs[i].ID]; ok && f.bug == "owner-cache" {
		return o == f.marker
	}
	return f.ours(f.recs[i])
}

func (f *fake) ours(r dns.Record) bool {
	if f.bug == "prefix-owner" {
		return strings.HasPrefix(r.Owner, "managed by docker-watcher")
	}
	return dns.IsOurs(r, f.marker)
}

func (f *fake) store(r dns.Record) dns.Record {
	if f.bug != "raw-ttl" {
		r = r.Normalize()
	} else {
		r.Name, r.Type = normName(r.Name), strings.ToUpper(r.Type)
	}
	return r
}

func (f *fake) create(r dns.Record) dns.Record {
	f.nextID++
	r = f.store(r)
	r.ID = fmt.Sprintf("%032x", f.nextID)
	f.recs = append(f.recs, r)
	f.writes++
	f.seen[r.ID] = r.Owner
	return r
}

func (f *fake) index(id string) int {
	return slices.IndexFunc(f.recs, func(r dns.Record) bool { return r.ID == id })
}

func (f *fake) remove(id string) {
	if i := f.index(id); i >= 0 {
		f.recs = slices.Delete(f.recs, i, i+1)
		f.writes++
	}
}

func (f *fake) update(id string, r dns.Record) dns.Record {
	r = f.store(r)
	r.ID = id
	f.recs[f.index(id)] = r
	f.writes++
	return r
}

func (f *fake) at(name, typ string) (ours, foreign []dns.Record) {
	for _, r := range at(f.recs, name, typ) {
		if f.ours(r) {
			ours = append(ours, r)
		} else {
			foreign = append(foreign, r)
		}
	}
	if f.bug == "name-only" {
		ours = nil
		for _, r := range f.recs {
			if r.Name == normName(name) && f.ours(r) {
				ours = append(ours, r)
			}
		}
	}
	return ours, foreign
}

func (f *fake) EnsureRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	if err := ctx.Err(); err != nil {
		return dns.Record{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := valid(r); err != nil {
		return dns.Record{}, err
	}
	want := r
	want.ID, want.Owner = "", f.marker
	if r.ID != "" {
		return f.updateByID(r.ID, want)
	}
	if isTXT(r) {
		return f.ensureTXT(want)
	}
	ours, foreign := f.at(r.Name, r.Type)
	if len(foreign) > 0 {
		if f.bug != "overwrite-foreign" {
			return dns.Record{}, &dns.ConflictError{Name: normName(r.Name), Type: strings.ToUpper(r.Type), Owner: foreign[0].Owner}
		}
		ours = append(ours, foreign...)
	}
	if len(ours) == 0 {
		return f.create(want), nil
	}
	return f.settle(ours, want), nil
}

// ensureTXT ensures one TXT value: our records of it are settled, a
// foreign one of it is a conflict, other values at the name do not count.
func (f *fake) ensureTXT(want dns.Record) (dns.Record, error) {
	ours, foreign := f.atTXT(want.Name, want.Content)
	switch {
	case len(ours) > 0:
		return f.settle(ours, want), nil
	case len(foreign) > 0 && f.bug == "txt-adopt-foreign":
		return foreign[0], nil
	case len(foreign) > 0:
		return dns.Record{}, &dns.ConflictError{Name: normName(want.Name), Type: "TXT", Owner: foreign[0].Owner}
	}
	return f.create(want), nil
}

// updateByID brings the record of that id in line with want, if it is
// ours and of want's name and type.
func (f *fake) updateByID(id string, want dns.Record) (dns.Record, error) {
	i := f.index(id)
	if i < 0 {
		return dns.Record{}, errors.New("fake: no such record")
	}
	if (!f.isOursAt(i) && f.bug != "ensure-id-trust-caller") || key(f.recs[i]) != key(want) {
		return dns.Record{}, dns.ErrNotOurs
	}
	if dns.SameData(f.recs[i], want) {
		return f.recs[i], nil
	}
	return f.update(id, want), nil
}

// settle keeps one of ours (of one name and type, or one TXT value) with
// want's data and removes the others.
func (f *fake) settle(ours []dns.Record, want dns.Record) dns.Record {
	if f.bug == "no-update-in-place" && !dns.SameData(ours[0], want) {
		f.remove(ours[0].ID)
		return f.create(want)
	}
	keep := ours[0]
	for _, o := range ours {
		if dns.SameData(o, want) {
			keep = o
			break
		}
	}
	if f.bug != "keep-duplicates" {
		for _, o := range ours {
			if o.ID != keep.ID {
				f.remove(o.ID)
			}
		}
	}
	if f.bug == "chatty" || !dns.SameData(keep, want) || (f.bug == "raw-ttl" && keep.TTL != want.TTL) {
		return f.update(keep.ID, want)
	}
	return keep
}

func (f *fake) DeleteRecord(ctx context.Context, r dns.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deleteLocked(r)
}

func (f *fake) deleteLocked(r dns.Record) error {
	if r.ID != "" {
		i := f.index(r.ID)
		if i < 0 {
			if f.bug == "absent-error" {
				return errors.New("fake: no such record")
			}
			return nil
		}
		if f.bug == "trust-caller" {
			if r.Owner != f.marker {
				return dns.ErrNotOurs
			}
		} else if !f.isOursAt(i) {
			return dns.ErrNotOurs
		}
		f.remove(r.ID)
		return nil
	}
	ours, foreign := f.at(r.Name, r.Type)
	if isTXT(r) && f.bug != "txt-delete-all-values" {
		if r.Content == "" {
			return errors.New("fake: a TXT delete without ID needs the value")
		}
		ours, foreign = f.atTXT(r.Name, r.Content)
		if f.bug == "txt-delete-foreign-value" {
			ours = append(ours, foreign...)
		}
	}
	if f.bug == "trust-caller" {
		ours = append(ours, foreign...)
		foreign = nil
	}
	if len(ours) == 0 && len(foreign) > 0 {
		return &dns.ConflictError{Name: normName(r.Name), Type: strings.ToUpper(r.Type), Owner: foreign[0].Owner}
	}
	if len(ours) == 0 && f.bug == "absent-error" {
		return errors.New("fake: no such record")
	}
	for _, o := range ours {
		f.remove(o.ID)
	}
	return nil
}

// atTXT returns the TXT records of one name and value, ours and not.
func (f *fake) atTXT(name, value string) (ours, foreign []dns.Record) {
	for _, r := range at(f.recs, name, "TXT") {
		same := r.Content == value
		switch f.bug {
		case "txt-fold-case":
			same = strings.EqualFold(r.Content, value)
		case "txt-one-value": // as if TXT were an address: one per name
			same = true
		}
		switch {
		case !same:
		case f.ours(r):
			ours = append(ours, r)
		default:
			foreign = append(foreign, r)
		}
	}
	return ours, foreign
}

func isTXT(r dns.Record) bool { return strings.EqualFold(r.Type, "TXT") }

func (f *fake) ListRecords(ctx context.Context) ([]dns.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.recs)
	if f.bug == "list-ours-only" {
		out = slices.DeleteFunc(out, func(r dns.Record) bool { return !f.ours(r) })
	}
	if f.bug == "list-first-page" && len(out) > 100 {
		out = out[:100]
	}
	return out, nil
}

func (f *fake) ApplyBatch(ctx context.Context, changes []dns.Change) ([]dns.ChangeResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := make([]dns.ChangeResult, len(changes))
	if f.bug == "batch-rollback-lies" {
		for i, c := range changes {
			res[i].Change = c
			if c.Action != dns.Delete && valid(c.Record) != nil {
				res[i].Err = valid(c.Record)
				return res, nil // nothing applied, the others reported done
			}
		}
	}
	for i, c := range changes {
		res[i].Change = c
		if c.Action != dns.Delete {
			if err := valid(c.Record); err != nil {
				res[i].Err = err
				continue
			}
		}
		switch c.Action {
		case dns.Create:
			r := c.Record
			r.ID, r.Owner = "", f.marker
			res[i].Record = f.create(r)
		case dns.Update:
			j := f.index(c.Record.ID)
			switch {
			case j < 0:
				res[i].Err = errors.New("fake: no such record")
			case c.Record.Owner != f.marker || (f.bug != "batch-trust-caller" && !f.isOursAt(j)):
				res[i].Err = dns.ErrNotOurs
			default:
				r := c.Record
				r.Owner = f.marker
				res[i].Record = f.update(c.Record.ID, r)
			}
		case dns.Delete:
			j := f.index(c.Record.ID)
			switch {
			case c.Record.ID == "":
				res[i].Err = errors.New("fake: delete without ID")
			case j < 0:
			case c.Record.Owner != f.marker || (f.bug != "batch-trust-caller" && !f.isOursAt(j)):
				res[i].Err = dns.ErrNotOurs
			default:
				f.remove(c.Record.ID)
			}
		default:
			res[i].Err = fmt.Errorf("fake: unknown action %q", c.Action)
		}
	}
	if f.bug == "batch-reorder" && len(res) > 1 {
		slices.Reverse(res)
	}
	return res, nil
}

// valid checks a record's type and address or TXT value, as a backend
// would.
func valid(r dns.Record) error {
	switch {
	case isTXT(r) && (r.Content == "" || r.Proxied):
		return fmt.Errorf("fake: a TXT record needs a value and cannot be proxied")
	case isTXT(r):
		return nil
	case !dns.Writable(strings.ToUpper(r.Type)):
		return fmt.Errorf("fake: type %q is not managed", r.Type)
	}
	a, err := netip.ParseAddr(r.Content)
	if err != nil || (strings.EqualFold(r.Type, "A") != a.Is4()) {
		return fmt.Errorf("fake: %q is not an address of a %s record", r.Content, r.Type)
	}
	return nil
}

// fakeHarness is the fake's backend seen by hand.
type fakeHarness struct{ f *fake }

func (h fakeHarness) AddRaw(t testing.TB, r dns.Record) dns.Record {
	t.Helper()
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	h.f.nextID++
	r.Name, r.Type = normName(r.Name), strings.ToUpper(r.Type)
	r.ID = fmt.Sprintf("%032x", h.f.nextID)
	h.f.recs = append(h.f.recs, r)
	return r
}

func (h fakeHarness) Records(t testing.TB) []dns.Record {
	t.Helper()
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	return slices.Clone(h.f.recs)
}

func (h fakeHarness) Edit(t testing.TB, r dns.Record) dns.Record {
	t.Helper()
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	i := h.f.index(r.ID)
	if i < 0 {
		t.Fatalf("fake: Edit of absent record %s", r.ID)
	}
	r.Name, r.Type = normName(r.Name), strings.ToUpper(r.Type)
	h.f.recs[i] = r
	return r
}

func (h fakeHarness) Writes(t testing.TB) int {
	t.Helper()
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	return h.f.writes
}

// plainProvider hides the fake's ApplyBatch, for a provider without batch.
type plainProvider struct{ dns.Provider }

func factory(bug string, batch bool) Factory {
	return func(t *testing.T, marker string) (dns.Provider, Harness) {
		f := newFake(marker, bug)
		if !batch {
			return plainProvider{f}, fakeHarness{f}
		}
		return f, fakeHarness{f}
	}
}

// TestFake: a provider that keeps the contract passes the suite, with and
// without a batch.
func TestFake(t *testing.T) {
	t.Run("batcher", func(t *testing.T) { Run(t, "example.com", factory("", true)) })
	t.Run("no batch", func(t *testing.T) { Run(t, "Example.COM.", factory("", false)) })
}

// TestSuiteCatchesBugs runs the suite against fakes that each break the
// contract in one way, and checks that the subtests guarding that part of
// the contract fail.
func TestSuiteCatchesBugs(t *testing.T) {
	// In a child process: the suite against the broken fake that DNSTEST_FAKE_BUG
	// names, where it must fail.
	suitetest.CatchesBugs(t, "TestSuiteCatchesBugs", "DNSTEST_FAKE_BUG", []suitetest.Bug{
		{Name: "overwrite-foreign", MustFail: []string{"EnsureConflict", "EnsureOursBesideForeign", "Property"}},
		{Name: "prefix-owner", MustFail: []string{"EnsureConflict", "DeleteRefusesForeign", "Batch/NeverChangesForeign"}},
		{Name: "trust-caller", MustFail: []string{"DeleteRefusesForeign", "OtherRecordsSurvive", "Property"}},
		{Name: "batch-trust-caller", MustFail: []string{"Batch/NeverChangesForeign"}},
		{Name: "batch-reorder", MustFail: []string{"Batch/Applies", "Batch/NeverChangesForeign"}},
		{Name: "no-update-in-place", MustFail: []string{"EnsureUpdatesInPlace"}},
		{Name: "keep-duplicates", MustFail: []string{"EnsureRemovesOurDuplicates"}},
		{Name: "chatty", MustFail: []string{"EnsureTwice", "EnsureTTLDefault"}},
		{Name: "raw-ttl", MustFail: []string{"EnsureTTLDefault"}},
		{Name: "absent-error", MustFail: []string{"DeleteAbsent", "OtherRecordsSurvive"}},
		{Name: "name-only", MustFail: []string{"DeleteOurs", "EnsureRemovesOurDuplicates"}},
		{Name: "list-ours-only", MustFail: []string{"List"}},
		{Name: "list-first-page", MustFail: []string{"List/many_pages"}},
		{Name: "owner-cache", MustFail: []string{"HandEdited"}},
		{Name: "batch-rollback-lies", MustFail: []string{"Batch/ReportsTruthfully"}},
		{Name: "ensure-id-trust-caller", MustFail: []string{"TXT/EnsureByID", "TXT/HandEdited"}},
		// TXT: one value among many at a name.
		{Name: "txt-delete-foreign-value", MustFail: []string{"TXT/BesideForeign", "TXT/DeleteByValue", "TXT/DeleteRefusesForeign", "TXT/HandEdited"}},
		{Name: "txt-one-value", MustFail: []string{"TXT/ValuesCoexist", "TXT/UpdatesTTLInPlace", "TXT/BesideForeign", "TXT/EnsureConcurrent", "TXT/Batch"}},
		{Name: "txt-fold-case", MustFail: []string{"TXT/DeleteAbsent"}},
		{Name: "txt-adopt-foreign", MustFail: []string{"TXT/BesideForeign", "TXT/HandEdited"}},
		{Name: "txt-delete-all-values", MustFail: []string{"TXT/DeleteByValue", "TXT/DeleteAbsent", "TXT/DeleteRefusesForeign"}},
	}, func(bug string) { Run(t, "example.com", factory(bug, true)) })
}
