package certs

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/certs/pebbletest"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// dnsWorld is the Cloudflare emulator with its DNS responder, the real
// Cloudflare provider on it, and a real store tracking the challenges.
type dnsWorld struct {
	emu      *cftest.Emulator
	zone     cfemu.Zone
	dnsAddr  string
	provider dns.Provider
	store    *store.Store
	marker   string
}

func newDNSWorld(t *testing.T) *dnsWorld {
	t.Helper()
	w := &dnsWorld{emu: cftest.Start(t, cfemu.Options{}), marker: dns.OwnerMarker("certs-test")}
	w.zone = w.emu.AddZone("example.com")
	ds, err := w.emu.ListenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	w.dnsAddr = ds.Addr()
	if w.provider, err = cloudflare.New(cloudflare.Options{Token: cftest.Token, ZoneID: w.zone.ID, ZoneName: w.zone.Name,
		Marker: w.marker, BaseURL: w.emu.URL}); err != nil {
		t.Fatal(err)
	}
	if w.store, err = store.Open(t.Context(), t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.store.Close() })
	return w
}

func (w *dnsWorld) access(context.Context) (dns.Provider, model.DNSTarget, error) {
	return w.provider, model.DNSTarget{Provider: model.ProviderCloudflare, ZoneID: w.zone.ID}, nil
}

// txt lists the zone's TXT records.
func (w *dnsWorld) txt() []cfemu.Record {
	var out []cfemu.Record
	for _, r := range w.emu.Records(w.zone.ID) {
		if r.Type == "TXT" {
			out = append(out, r)
		}
	}
	return out
}

// With DNS managed, "*.example.com" and "example.com" are obtained
// through DNS-01: the TXT records pebble checks are the ones the provider
// wrote through the Cloudflare API, tracked in the store while they live;
// afterwards they are gone, while foreign TXT records at the same name
// survive untouched. A name one label below is served by the wildcard.
func TestDNS01Wildcard(t *testing.T) {
	w := newDNSWorld(t)
	foreign, err := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "TXT", Name: "_acme-challenge.example.com", Content: "someone-elses-challenge", Comment: "my other ACME client"})
	if err != nil {
		t.Fatal(err)
	}
	copied, err := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "TXT", Name: "_acme-challenge.example.com", Content: "copied marker", Comment: w.marker})
	if err != nil {
		t.Fatal(err)
	}
	before := w.txt()

	cs := newChallengeServer(t)
	p := pebbletest.Start(t, pebbletest.Options{DNSServer: w.dnsAddr, HTTPPort: cs.port(t)})
	checked := &rowFirst{Provider: w.provider, store: w.store}
	w.provider = checked
	m := newManager(t, t.TempDir(), p, cs, func(o *Options) {
		o.DNS, o.Challenges, o.Resolvers = w.access, w.store, []string{w.dnsAddr}
	})
	if err := m.Apply(t.Context(), Config{DirectoryURL: p.DirectoryURL(), Plan: Plan{DNS01: []string{"*.example.com", "example.com"}}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"*.example.com", "example.com"} {
		if s := waitState(t, m, n, StateValid, 2*time.Minute); s.Challenge != "dns-01" {
			t.Fatalf("%s: %+v", n, s)
		}
	}
	front := tlsFront(t, m)
	roots := p.IssuerRoots(t)
	for _, c := range []struct{ name, san string }{{"web-v1.example.com", "*.example.com"}, {"example.com", "example.com"}} {
		leaf, err := handshake(front, c.name, roots)
		if err != nil || !slices.Contains(leaf.DNSNames, c.san) {
			t.Fatalf("%s: %v %v", c.name, err, leaf)
		}
	}
	if _, err := handshake(front, "a.b.example.com", roots); err == nil {
		t.Fatal("a name two labels down was served")
	}
	if cs.count("example.com") != 0 {
		t.Fatal("an HTTP-01 request for a DNS-01 name")
	}

	// The challenge records are gone (clean-up is asynchronous to the
	// issuance), and so are their rows; the foreign ones are as they were.
	deadline := time.Now().Add(30 * time.Second)
	for !reflect.DeepEqual(w.txt(), before) {
		if time.Now().After(deadline) {
			t.Fatalf("TXT records after the issuance:\n%+v\nbefore:\n%+v", w.txt(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rows, err := w.store.Challenges(t.Context()); err != nil || len(rows) != 0 {
		t.Fatalf("tracked challenges left: %v %+v", err, rows)
	}
	if n, bad := checked.creates.Load(), checked.untracked.Load(); n < 2 || bad != 0 {
		t.Fatalf("%d challenge records created, %d of them before their row", n, bad)
	}
	for _, r := range w.txt() {
		if (r.ID == foreign.ID && r.Content != foreign.Content) || (r.ID == copied.ID && r.Content != copied.Content) {
			t.Fatalf("a foreign record changed: %+v", r)
		}
	}
}

// rowFirst is the provider, checking that every TXT record it is asked
// to create is tracked in the store already (crash safety).
type rowFirst struct {
	dns.Provider
	store              *store.Store
	creates, untracked atomic.Int64
}

func (p *rowFirst) EnsureRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	if r.Type == "TXT" {
		p.creates.Add(1)
		rows, err := p.store.Challenges(ctx)
		if err != nil || !slices.ContainsFunc(rows, func(c model.ACMEChallenge) bool { return c.FQDN == r.Name && c.Content == r.Content }) {
			p.untracked.Add(1)
		}
	}
	return p.Provider.EnsureRecord(ctx, r)
}

// A challenge record that a crash left (tracked, at the provider) is
// deleted at the next start; an untracked record with our marker, and a
// foreign one, are not.
func TestSweepRemovesOnlyTrackedChallenges(t *testing.T) {
	w := newDNSWorld(t)
	ctx := t.Context()
	cd := &challengeDNS{open: w.access, track: w.store, now: time.Now}
	rec, err := cd.AppendRecords(ctx, "example.com.", nil)
	if err != nil || len(rec) != 0 {
		t.Fatalf("nothing to append: %v %v", rec, err)
	}
	left, err := w.provider.EnsureRecord(ctx, dns.Record{Name: "_acme-challenge.example.com", Type: "TXT", Content: "left-by-a-crash"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.AddChallenge(ctx, model.ACMEChallenge{Provider: model.ProviderCloudflare, ZoneID: w.zone.ID,
		FQDN: "_acme-challenge.example.com", Content: "left-by-a-crash", CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	untracked, err := w.provider.EnsureRecord(ctx, dns.Record{Name: "_acme-challenge.example.com", Type: "TXT", Content: "ours-but-untracked"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "TXT", Name: "_acme-challenge.example.com", Content: "left-by-a-crash", Comment: "hand-made"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cd.Sweep(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range w.txt() {
		ids = append(ids, r.ID)
	}
	if slices.Contains(ids, left.ID) || !slices.Contains(ids, untracked.ID) || !slices.Contains(ids, foreign.ID) {
		t.Fatalf("after the sweep: %v (left %s, untracked %s, foreign %s)", ids, left.ID, untracked.ID, foreign.ID)
	}
	if rows, _ := w.store.Challenges(ctx); len(rows) != 0 {
		t.Fatalf("rows after the sweep: %+v", rows)
	}
}
