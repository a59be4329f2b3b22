package dnstest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// Fault is what the fake provider does to one call.
type Fault int

const (
	FaultNone    Fault = iota
	FaultFail          // the call fails before anything is applied
	FaultLost          // the call is applied, then fails: the answer was lost
	FaultPartial       // (batch) some changes are refused, the others applied
)

func (f Fault) String() string {
	return [...]string{"none", "fail", "lost", "partial"}[f]
}

// Op is one mutation the fake applied.
type Op struct {
	Call   int64
	Method string // ensure, delete, batch
	Action dns.Action
	Before dns.Record // zero for creates
	After  dns.Record // zero for deletes
}

func (o Op) String() string {
	return fmt.Sprintf("call %d %s/%s before=%+v after=%+v", o.Call, o.Method, o.Action, o.Before, o.After)
}

// ErrInjected is the error of a call the fake was told to fail.
var ErrInjected = &dns.Error{Provider: "fake", Op: "injected", Message: "injected fault", Transient: true}

// Fake is an in-memory DNS zone for the tests of a provider's callers (the
// reconciler). It implements dns.Provider, dns.Batcher, dns.ListedBatcher,
// dns.ZoneReader and dns.CallCounter and applies every
// change faithfully (like Cloudflare it refuses a second record of the
// same name, type and content, and an update or delete of an unknown id;
// EnsureRecord and DeleteRecord treat a TXT record as one value among many
// at its name, as dns.Provider says), but it does NOT protect records that
// are not ours: the point is to see what the reconciler asks for. Every
// mutation is logged, and CheckWrite is asked about every update and
// delete of an existing record before it is applied; what it objects to is
// kept in violations, as is a create of a type not in Types.
type Fake struct {
	mu       sync.Mutex
	zone     string // zone name, to catch writes outside it
	idPrefix string
	marker   string
	records  []dns.Record // in creation order, as stored (foreign names may be unnormalised)
	nextID   int
	calls    int64
	ops      []Op
	rng      *rand.Rand

	// fault decides what happens to a call (numbered from 1); nil: nothing.
	fault func(call int64, method string) Fault
	// CheckWrite is called, with the lock held, before an existing record
	// is updated or deleted; an error is a violation.
	CheckWrite func(method string, action dns.Action, target dns.Record) error
	// Types are the record types a create may have; nil means A and AAAA,
	// what the reconciler writes. Set it before the first call.
	Types      []string
	violations []string
}

// NewFake returns an empty zone whose creates carry marker; seed drives
// which changes of a partial batch fault fail.
func NewFake(zone, marker string, seed uint64) *Fake {
	return &Fake{zone: zone, idPrefix: zone + "-", marker: marker, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

var (
	_ dns.Provider      = (*Fake)(nil)
	_ dns.Batcher       = (*Fake)(nil)
	_ dns.ListedBatcher = (*Fake)(nil)
	_ dns.CallCounter   = (*Fake)(nil)
	_ dns.ZoneReader    = (*Fake)(nil)
)

// Zone names the fake's zone, as a provider reads it by id.
func (f *Fake) Zone(ctx context.Context) (dns.Zone, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return dns.Zone{}, err
	}
	if _, fault := f.begin("zone"); fault != FaultNone {
		return dns.Zone{}, ErrInjected
	}
	return dns.Zone{ID: f.idPrefix, Name: f.zone, Status: "active"}, nil
}

// seed stores a record as if made before the test (by hand or by an
// earlier run) and returns it with its id. Like Cloudflare's dashboard it
// refuses an identical record.
func (f *Fake) Seed(r dns.Record) (dns.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.identical(r, "") {
		return dns.Record{}, errors.New("identical record exists")
	}
	f.nextID++
	r.ID = fmt.Sprintf("%srec%05d", f.idPrefix, f.nextID)
	if r.Proxied || r.TTL == 0 {
		r.TTL = 1
	}
	if r.CreatedOn.IsZero() {
		r.CreatedOn = time.Now().UTC()
	}
	f.records = append(f.records, r)
	return r, nil
}

// snapshot returns a copy of the records.
func (f *Fake) Records() []dns.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.records)
}

func (f *Fake) Ops() []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}

func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.violations)
}

// setFault replaces the fault plan.
func (f *Fake) SetFault(fn func(call int64, method string) Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fn
}

// Marker is the ownership marker the fake writes on the records it creates.
func (f *Fake) Marker() string { return f.marker }

// Calls is the number of calls made so far.
func (f *Fake) Calls() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// begin counts a call and returns its fault; the lock is held.
func (f *Fake) begin(method string) (int64, Fault) {
	f.calls++
	if f.fault == nil {
		return f.calls, FaultNone
	}
	return f.calls, f.fault(f.calls, method)
}

func (f *Fake) identical(r dns.Record, exceptID string) bool {
	for _, o := range f.records {
		if o.ID != exceptID && normName(o.Name) == normName(r.Name) && strings.EqualFold(o.Type, r.Type) && sameContent(o, r) {
			return true
		}
	}
	return false
}

// sameContent compares contents as DNS does: a TXT value exactly, a name
// or an address in any case.
func sameContent(a, b dns.Record) bool {
	if strings.EqualFold(a.Type, "TXT") {
		return a.Content == b.Content
	}
	return strings.EqualFold(a.Content, b.Content)
}

func (f *Fake) index(id string) int {
	if id == "" {
		return -1
	}
	return slices.IndexFunc(f.records, func(r dns.Record) bool { return r.ID == id })
}

func (f *Fake) violate(format string, args ...any) {
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
}

// existing finds the record an update or delete is for, and asks
// CheckWrite about it; the lock is held.
func (f *Fake) existing(call int64, method string, c dns.Change) (int, dns.Record, error) {
	i := f.index(c.Record.ID)
	if i < 0 {
		return -1, dns.Record{}, fmt.Errorf("%s %s %s: record %q not found", c.Action, c.Record.Type, c.Record.Name, c.Record.ID)
	}
	old := f.records[i]
	if f.CheckWrite != nil {
		if err := f.CheckWrite(method, c.Action, old); err != nil {
			f.violate("call %d: %s %ss %+v: %v", call, method, c.Action, old, err)
		}
	}
	return i, old, nil
}

// apply runs one change on the zone; the lock is held.
func (f *Fake) apply(call int64, method string, c dns.Change) (dns.Record, error) {
	r := c.Record.Normalize()
	switch c.Action {
	case dns.Create:
		if !dnsname.InZone(r.Name, f.zone) {
			f.violate("call %d: %s creates %s %s outside the zone %s", call, method, r.Type, r.Name, f.zone)
		}
		types := f.Types
		if types == nil {
			types = []string{"A", "AAAA"}
		}
		if !slices.Contains(types, r.Type) {
			f.violate("call %d: %s creates a %s record", call, method, r.Type)
		}
		if f.identical(r, "") {
			return dns.Record{}, fmt.Errorf("create %s %s: an identical record already exists", r.Type, r.Name)
		}
		f.nextID++
		r.ID, r.Owner, r.CreatedOn = fmt.Sprintf("%srec%05d", f.idPrefix, f.nextID), f.marker, time.Now().UTC()
		f.records = append(f.records, r)
		f.ops = append(f.ops, Op{Call: call, Method: method, Action: dns.Create, After: r})
		return r, nil
	case dns.Update:
		i, old, err := f.existing(call, method, c)
		if err != nil {
			return dns.Record{}, err
		}
		if normName(old.Name) != r.Name || !strings.EqualFold(old.Type, r.Type) {
			f.violate("call %d: %s renames %+v to %s %s", call, method, old, r.Type, r.Name)
		}
		if f.identical(r, r.ID) {
			return dns.Record{}, fmt.Errorf("update %s %s: an identical record already exists", r.Type, r.Name)
		}
		r.Owner, r.CreatedOn = f.marker, old.CreatedOn // a PUT writes our comment
		f.records[i] = r
		f.ops = append(f.ops, Op{Call: call, Method: method, Action: dns.Update, Before: old, After: r})
		return r, nil
	case dns.Delete:
		i, old, err := f.existing(call, method, c)
		if err != nil {
			return dns.Record{}, err
		}
		f.records = slices.Delete(f.records, i, i+1)
		f.ops = append(f.ops, Op{Call: call, Method: method, Action: dns.Delete, Before: old})
		return dns.Record{}, nil
	}
	return dns.Record{}, fmt.Errorf("unknown action %q", c.Action)
}

func (f *Fake) ListRecords(ctx context.Context) ([]dns.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, fault := f.begin("list"); fault != FaultNone {
		return nil, ErrInjected
	}
	if len(f.records) == 0 {
		return nil, nil // like the Cloudflare provider on an empty zone
	}
	return slices.Clone(f.records), nil
}

func (f *Fake) ApplyBatch(ctx context.Context, changes []dns.Change) ([]dns.ChangeResult, error) {
	return f.batch(ctx, "batch", changes)
}

func (f *Fake) ApplyBatchListed(ctx context.Context, changes []dns.Change, _ []dns.Record) ([]dns.ChangeResult, error) {
	return f.batch(ctx, "batch-listed", changes)
}

// batch applies the changes in the order deletes, updates, creates (as
// Cloudflare does), each on its own: a change that fails does not undo
// the others. A failed call applies nothing; a lost one applies all.
func (f *Fake) batch(ctx context.Context, method string, changes []dns.Change) ([]dns.ChangeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	call, fault := f.begin(method)
	if fault == FaultFail {
		return nil, ErrInjected
	}
	results := make([]dns.ChangeResult, len(changes))
	order := map[dns.Action]int{dns.Delete: 0, dns.Update: 1, dns.Create: 2}
	idx := make([]int, len(changes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return order[changes[a].Action] - order[changes[b].Action] })
	for _, i := range idx {
		results[i].Change = changes[i]
		if fault == FaultPartial && f.rng.IntN(2) == 0 {
			results[i].Err = ErrInjected
			continue
		}
		results[i].Record, results[i].Err = f.apply(call, method, changes[i])
	}
	if fault == FaultLost {
		return nil, ErrInjected
	}
	return results, nil
}

// EnsureRecord creates r, or brings our record of that name and type in
// line (deleting our duplicates); a record that is not ours is a conflict.
func (f *Fake) EnsureRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return dns.Record{}, err
	}
	call, fault := f.begin("ensure")
	if fault == FaultFail || fault == FaultPartial {
		return dns.Record{}, ErrInjected
	}
	r = r.Normalize()
	r.Owner = f.marker
	if r.ID != "" { // the caller's own record: that one and no other
		got, err := f.apply(call, "ensure", dns.Change{Action: dns.Update, Record: r})
		if err == nil && fault == FaultLost {
			return dns.Record{}, ErrInjected
		}
		return got, err
	}
	ours, foreign := f.ensureCandidates(r)
	if len(foreign) > 0 {
		return dns.Record{}, &dns.ConflictError{Name: r.Name, Type: r.Type, Owner: foreign[0].Owner}
	}
	var got dns.Record
	var err error
	if len(ours) == 0 {
		got, err = f.apply(call, "ensure", dns.Change{Action: dns.Create, Record: r})
	} else {
		keep := dns.Keep(ours, r)
		for i, o := range ours {
			if i != keep {
				if _, err := f.apply(call, "ensure", dns.Change{Action: dns.Delete, Record: o}); err != nil {
					return dns.Record{}, err
				}
			}
		}
		got = ours[keep].Normalize()
		if !dns.SameData(got, r) {
			r.ID = ours[keep].ID
			got, err = f.apply(call, "ensure", dns.Change{Action: dns.Update, Record: r})
		}
	}
	if err == nil && fault == FaultLost {
		return dns.Record{}, ErrInjected
	}
	return got, err
}

// ensureCandidates are our records an ensure of r (normalised, without
// ID) settles, and the foreign ones that make it a conflict: for an address,
// every record of the name and type; for TXT, those of its value, and a
// foreign one only when none of ours has the value.
func (f *Fake) ensureCandidates(r dns.Record) (ours, foreign []dns.Record) {
	if r.Type == "TXT" {
		ours, foreign = dns.SameTXT(f.records, r, f.marker)
		if len(ours) > 0 {
			foreign = nil
		}
		return ours, foreign
	}
	for _, e := range f.records {
		if normName(e.Name) != r.Name || !strings.EqualFold(e.Type, r.Type) {
			continue
		}
		if !dns.IsOurs(e, f.marker) {
			return ours, []dns.Record{e}
		}
		ours = append(ours, e)
	}
	return ours, nil
}

// DeleteRecord deletes by id (absent is not an error), else every record
// of that name and type that carries our marker (for TXT: of that name and
// value; without a value it is an error).
func (f *Fake) DeleteRecord(ctx context.Context, r dns.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	call, fault := f.begin("delete")
	if fault == FaultFail || fault == FaultPartial {
		return ErrInjected
	}
	if r.ID != "" {
		if f.index(r.ID) >= 0 {
			if _, err := f.apply(call, "delete", dns.Change{Action: dns.Delete, Record: r}); err != nil {
				return err
			}
		}
	} else {
		r = r.Normalize()
		var ours []dns.Record
		switch {
		case r.Type == "TXT" && r.Content == "":
			return fmt.Errorf("delete TXT %s: a TXT record is named by its value too", r.Name)
		case r.Type == "TXT":
			ours, _ = dns.SameTXT(f.records, r, f.marker)
		default:
			for _, e := range f.records {
				if normName(e.Name) == r.Name && strings.EqualFold(e.Type, r.Type) && dns.IsOurs(e, f.marker) {
					ours = append(ours, e)
				}
			}
		}
		for _, e := range ours {
			if _, err := f.apply(call, "delete", dns.Change{Action: dns.Delete, Record: e}); err != nil {
				return err
			}
		}
	}
	if fault == FaultLost {
		return ErrInjected
	}
	return nil
}

// Plain hides the fake's batch paths: the reconciler then goes
// one EnsureRecord or DeleteRecord per change.
type Plain struct{ F *Fake }

func (p Plain) EnsureRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	return p.F.EnsureRecord(ctx, r)
}
func (p Plain) DeleteRecord(ctx context.Context, r dns.Record) error {
	return p.F.DeleteRecord(ctx, r)
}
func (p Plain) ListRecords(ctx context.Context) ([]dns.Record, error) {
	return p.F.ListRecords(ctx)
}
func (p Plain) Calls() int64                               { return p.F.Calls() }
func (p Plain) Zone(ctx context.Context) (dns.Zone, error) { return p.F.Zone(ctx) }
