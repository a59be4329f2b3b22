// Package dnstest is the conformance suite every DNS provider of Docker
// Watcher must pass: Run drives a provider through the contract of
// dns.Provider (and dns.Batcher when it has one) and checks, after every
// call, what its backend really holds — above all that a record that is not
// ours is never changed nor deleted.
//
// A provider's package runs it from a test against its own backend (an
// emulator, never the real service), reaching that backend through a
// Harness to seed records "by hand" and to read them back.
package dnstest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// Harness reaches the provider's backend directly, as a person editing the
// zone by hand would.
type Harness interface {
	// AddRaw creates a record directly at the backend, with whatever owner
	// marker it carries (also ours, e.g. to make a duplicate), and returns
	// it with its ID.
	AddRaw(t testing.TB, r dns.Record) dns.Record
	// Records returns the backend's current records, normalised: Name lower
	// case without trailing dot, Owner the marker or comment as stored.
	Records(t testing.TB) []dns.Record
}

// WriteCounter is an optional Harness ability: the number of write calls
// (anything but a read) the backend has received so far. When the harness
// has it, the suite also checks that calls which must change nothing — an
// ensure of a record already as desired, a conflict, a refused delete, a
// list — send no write at all.
type WriteCounter interface {
	Writes(t testing.TB) int
}

// Editor is an optional Harness ability: change a record at the backend
// by hand, as a person saving it in the provider's dashboard does. r.ID
// names the record, its other fields are the new data (Owner the new
// marker or comment); Edit returns the record as the backend now lists it.
// With it the suite checks that ownership is judged by what the backend
// holds now, not by what the provider saw or wrote earlier.
type Editor interface {
	Edit(t testing.TB, r dns.Record) dns.Record
}

// Factory returns a fresh provider on an empty zone (the one given to Run)
// whose ownership marker is marker, and a harness on the same backend.
type Factory func(t *testing.T, marker string) (dns.Provider, Harness)

// Marker is the ownership marker the suite gives its providers.
var Marker = dns.OwnerMarker("dnstest")

// OtherMarker is the marker of another installation sharing the zone.
var OtherMarker = dns.OwnerMarker("other-install")

// madeUpID looks like a provider ID (32 hex digits, as Cloudflare's) but
// names no record.
const madeUpID = "0123456789abcdef0123456789abcdef"

// Run runs the conformance subtests against the providers f makes on zone.
func Run(t *testing.T, zone string, f Factory) {
	t.Helper()
	zone = normName(zone)
	if zone == "" || f == nil {
		t.Fatal("dnstest.Run needs a zone and a factory")
	}
	s := &suite{zone: zone, factory: f}
	// The optional abilities decide which subtests exist: a provider
	// without a batch has no batch subtests (none is skipped).
	p, h := f(t, Marker)
	_, s.batcher = p.(dns.Batcher)
	_, s.editor = h.(Editor)
	if !s.batcher {
		t.Log("the provider does not implement dns.Batcher: the batch subtests are not run")
	}
	if !s.editor {
		t.Log("the harness does not implement dnstest.Editor: HandEdited is not run")
	}
	t.Run("EnsureCreates", s.testEnsureCreates)
	t.Run("EnsureTwice", s.testEnsureTwice)
	t.Run("EnsureTTLDefault", s.testEnsureTTLDefault)
	t.Run("EnsureUpdatesInPlace", s.testEnsureUpdatesInPlace)
	t.Run("EnsureConflict", s.testEnsureConflict)
	t.Run("EnsureOursBesideForeign", s.testEnsureOursBesideForeign)
	t.Run("EnsureRemovesOurDuplicates", s.testEnsureRemovesOurDuplicates)
	t.Run("EnsureConcurrent", s.testEnsureConcurrent)
	t.Run("DeleteAbsent", s.testDeleteAbsent)
	t.Run("DeleteOurs", s.testDeleteOurs)
	t.Run("DeleteRefusesForeign", s.testDeleteRefusesForeign)
	t.Run("List", s.testList)
	t.Run("OtherRecordsSurvive", s.testOtherRecordsSurvive)
	if s.editor {
		t.Run("HandEdited", s.testHandEdited)
	}
	if s.batcher {
		t.Run("Batch", s.testBatch)
	}
	t.Run("TXT", s.testTXT)
	t.Run("Property", s.testProperty)
}

type suite struct {
	zone    string
	factory Factory
	batcher bool // the factory's providers implement dns.Batcher
	editor  bool // the factory's harnesses implement Editor
}

// env is one fresh provider and its backend.
type env struct {
	t      *testing.T
	p      dns.Provider
	h      Harness
	zone   string
	marker string
}

func (s *suite) env(t *testing.T) *env {
	t.Helper()
	p, h := s.factory(t, Marker)
	if p == nil || h == nil {
		t.Fatal("factory returned a nil provider or harness")
	}
	e := &env{t: t, p: p, h: h, zone: s.zone, marker: Marker}
	if recs := h.Records(t); len(recs) != 0 {
		t.Fatalf("factory's zone is not empty:\n%s", show(recs...))
	}
	return e
}

// name makes a label absolute in the zone; "@" is the apex.
func (e *env) name(label string) string {
	if label == "@" || label == "" {
		return e.zone
	}
	return label + "." + e.zone
}

// rec is a record of the zone without ID or owner.
func (e *env) rec(label, typ, content string, ttl int, proxied bool) dns.Record {
	return dns.Record{Name: e.name(label), Type: typ, Content: content, TTL: ttl, Proxied: proxied}
}

// ourData is r as the backend should hold it once ensured: our marker on it.
func (e *env) ourData(r dns.Record) dns.Record {
	r.ID = ""
	r.Owner = e.marker
	return r
}

// ensure calls EnsureRecord, which must succeed and return our record.
func (e *env) ensure(r dns.Record) dns.Record {
	e.t.Helper()
	got, err := e.p.EnsureRecord(e.t.Context(), r)
	if err != nil {
		e.t.Fatalf("EnsureRecord(%s): %v", show(r), err)
	}
	e.checkReturned(r, got)
	return got
}

// checkReturned checks what EnsureRecord returned for r.
func (e *env) checkReturned(r, got dns.Record) {
	e.t.Helper()
	if got.ID == "" {
		e.t.Errorf("EnsureRecord(%s) returned a record without ID: %s", show(r), show(got))
	}
	if got.Owner != e.marker {
		e.t.Errorf("EnsureRecord(%s) returned Owner %q, want our marker %q", show(r), got.Owner, e.marker)
	}
	if !dns.SameData(got, e.ourData(r)) {
		e.t.Errorf("EnsureRecord(%s) returned %s, want the same data with our marker", show(r), show(got))
	}
}

// add creates a record by hand and returns it as the backend lists it.
func (e *env) add(r dns.Record) dns.Record {
	e.t.Helper()
	added := e.h.AddRaw(e.t, r)
	if added.ID == "" {
		e.t.Fatalf("Harness.AddRaw(%s) returned no ID", show(r))
	}
	got, ok := byID(e.records(), added.ID)
	if !ok {
		e.t.Fatalf("Harness.AddRaw(%s): record %s is not in the backend", show(r), added.ID)
	}
	return got
}

func (e *env) records() []dns.Record {
	e.t.Helper()
	return e.h.Records(e.t)
}

// writes is the backend's write counter, if the harness has one.
func (e *env) writes() (int, bool) {
	e.t.Helper()
	wc, ok := e.h.(WriteCounter)
	if !ok {
		return 0, false
	}
	return wc.Writes(e.t), true
}

// noWrites runs fn and fails if it sent a write call to the backend.
func (e *env) noWrites(what string, fn func()) {
	e.t.Helper()
	before, ok := e.writes()
	fn()
	if !ok {
		return
	}
	if after, _ := e.writes(); after != before {
		e.t.Errorf("%s sent %d write call(s) to the backend, want none", what, after-before)
	}
}

// expectUnchanged fails unless every record of want is still in the
// backend exactly as it was (same ID, same fields).
func (e *env) expectUnchanged(what string, want ...dns.Record) {
	e.t.Helper()
	recs := e.records()
	for _, w := range want {
		got, ok := byID(recs, w.ID)
		switch {
		case !ok:
			e.t.Errorf("%s: record %s is gone from the backend\nbackend:\n%s", what, show(w), show(recs...))
		case got != w:
			e.t.Errorf("%s: record %s was changed to %s", what, show(w), show(got))
		}
	}
}

// expectBackend fails unless the backend holds exactly the records of
// want (compared field for field, in any order).
func (e *env) expectBackend(what string, want []dns.Record) {
	e.t.Helper()
	got := e.records()
	if !sameSet(got, want) {
		e.t.Errorf("%s: backend changed\nbefore:\n%s\nafter:\n%s", what, show(want...), show(got...))
	}
}

// expectOnlyOurs fails unless the backend has exactly one record of ours
// of r's name and type, with r's data; it returns that record.
func (e *env) expectOnlyOurs(what string, r dns.Record) dns.Record {
	e.t.Helper()
	recs := e.records()
	ours := ownedBy(at(recs, r.Name, r.Type), e.marker)
	if len(ours) != 1 {
		e.t.Errorf("%s: backend has %d records of ours for %s %s, want 1\nbackend:\n%s",
			what, len(ours), r.Type, normName(r.Name), show(recs...))
		return dns.Record{}
	}
	if !dns.SameData(ours[0], e.ourData(r)) {
		e.t.Errorf("%s: backend has %s, want %s", what, show(ours[0]), show(e.ourData(r)))
	}
	return ours[0]
}

// Record helpers.

func normName(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}

// key identifies a name and type.
func key(r dns.Record) string {
	return normName(r.Name) + " " + strings.ToUpper(r.Type)
}

func byID(recs []dns.Record, id string) (dns.Record, bool) {
	for _, r := range recs {
		if r.ID == id {
			return r, true
		}
	}
	return dns.Record{}, false
}

// at returns the records of a name and type.
func at(recs []dns.Record, name, typ string) []dns.Record {
	k := key(dns.Record{Name: name, Type: typ})
	var out []dns.Record
	for _, r := range recs {
		if key(r) == k {
			out = append(out, r)
		}
	}
	return out
}

func ownedBy(recs []dns.Record, marker string) []dns.Record {
	var out []dns.Record
	for _, r := range recs {
		if r.Owner == marker {
			out = append(out, r)
		}
	}
	return out
}

func without(recs []dns.Record, id string) []dns.Record {
	return slices.DeleteFunc(slices.Clone(recs), func(r dns.Record) bool { return r.ID == id })
}

func sameSet(a, b []dns.Record) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		o, ok := byID(b, r.ID)
		if !ok || o != r {
			return false
		}
	}
	return true
}

// show formats records one a line for failure messages.
func show(recs ...dns.Record) string {
	if len(recs) == 0 {
		return "  (none)"
	}
	lines := make([]string, len(recs))
	for i, r := range recs {
		lines[i] = fmt.Sprintf("  %s %s %s ttl=%d proxied=%v owner=%q id=%q",
			r.Type, r.Name, r.Content, r.TTL, r.Proxied, r.Owner, r.ID)
	}
	if len(lines) == 1 {
		return strings.TrimSpace(lines[0])
	}
	return strings.Join(lines, "\n")
}
