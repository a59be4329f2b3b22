package reconcile

import (
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
	"github.com/dockerwatcher/docker-watcher/internal/dns/providers"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
	"github.com/dockerwatcher/docker-watcher/internal/store/storetest"
)

// world is a store, a Cloudflare emulator with one zone, and a reconciler
// in managed mode on it.
type world struct {
	t    *testing.T
	st   *store.Store
	emu  *cfemu.Server
	zone cfemu.Zone
	r    *Reconciler
	url  string
	// sched is the reconciler's scheduler, subscribed to bus as the app
	// wires it; not running until a test runs it.
	sched *Scheduler
	bus   *events.Bus
}

// hook publishes a change of consumers, as an API handler does.
func (w *world) hook() {
	w.bus.Publish(events.Event{Kind: events.ConsumersChanged, Subject: model.KindProxy})
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldDebounce(t, 20*time.Millisecond)
}

// newWorldDebounce is newWorld with the scheduler's debounce.
func newWorldDebounce(t *testing.T, debounce time.Duration) *world {
	t.Helper()
	emu := cftest.Start(t, cfemu.Options{})
	zone := emu.AddZone("example.com")
	emu.AddToken("tok", cfemu.TokenOptions{CanEdit: true})
	st := storetest.New(t)
	w := &world{t: t, st: st, emu: emu.Server, zone: zone, url: emu.URL}
	w.bus = &events.Bus{}
	w.r, w.sched = Wire(st, providers.Factory(providers.Options{CloudflareAPIURL: w.url}), quietLog, nil, debounce, w.bus)
	w.settings(func(s *model.Settings) {
		s.Domain, s.PublicIPv4, s.WildcardDNS, s.DNSProvider = "example.com", "203.0.113.10", false, model.ProviderCloudflare
		s.CloudflareAPIToken, s.CloudflareZoneID, s.CloudflareZoneName = "tok", zone.ID, zone.Name
	})
	return w
}

func (w *world) settings(change func(*model.Settings)) {
	w.t.Helper()
	_, _, err := w.st.UpdateSettings(w.t.Context(), func(s model.Settings) (model.Settings, error) {
		change(&s)
		return s, s.Normalize()
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) proxy(domain string) model.Proxy {
	w.t.Helper()
	p := model.Proxy{Domain: domain, ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
	if err := w.st.CreateProxy(w.t.Context(), &p); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) sync() Report {
	w.t.Helper()
	rep, err := w.r.Sync(w.t.Context(), false)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

func (w *world) marker() string {
	st, _ := w.st.Settings(w.t.Context())
	return dns.OwnerMarker(st.InstallationID)
}

// records returns the emulator's records by name.
func (w *world) records() map[string]cfemu.Record {
	out := map[string]cfemu.Record{}
	for _, r := range w.emu.Records(w.zone.ID) {
		out[r.Type+" "+r.Name] = r
	}
	return out
}

func (w *world) writes() int {
	n := 0
	for k, c := range w.emu.Calls() {
		if k[:4] != "GET " {
			n += c
		}
	}
	return n
}

func TestSyncFollowsProxies(t *testing.T) {
	w := newWorld(t)
	// Records made by hand: one at a consumer's name, others elsewhere.
	foreign, _ := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "A", Name: "taken.example.com", Content: "192.0.2.77", Comment: "mine"})
	mail, _ := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "MX", Name: "example.com", Content: "mail.example.com", Priority: 10})
	www, _ := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "A", Name: "www.example.com", Content: "192.0.2.1"})
	other, _ := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "A", Name: "other.example.com", Content: "192.0.2.2", Comment: dns.OwnerMarker("another-installation")})
	handmade := []cfemu.Record{foreign, mail, www, other}
	unchanged := func(when string) {
		t.Helper()
		got := w.records()
		for _, h := range handmade {
			g, ok := got[h.Type+" "+h.Name]
			if !ok || g.ID != h.ID || g.Content != h.Content || g.Comment != h.Comment || !g.ModifiedOn.Equal(h.ModifiedOn) {
				t.Fatalf("%s: hand-made %s %s changed: %+v", when, h.Type, h.Name, g)
			}
		}
	}

	a, b := w.proxy("a.example.com"), w.proxy("b.example.com")
	w.proxy("c.example.com")
	w.proxy("taken.example.com")
	w.proxy("elsewhere.org")
	rep := w.sync()
	if rep.Created != 3 || rep.Conflicts != 1 || rep.Errors != 0 {
		t.Fatalf("first sync %+v", rep)
	}
	got := w.records()
	for _, n := range []string{"a", "b", "c"} {
		r, ok := got["A "+n+".example.com"]
		if !ok || r.Content != "203.0.113.10" || r.Comment != w.marker() {
			t.Fatalf("record of %s: %+v", n, r)
		}
	}
	unchanged("after the first sync")

	// A second sync right after makes no write, and lists once.
	w.emu.ResetCalls()
	rep = w.sync()
	if w.writes() != 0 || w.emu.TotalCalls() != 1 || rep.AlreadySynced != 3 || rep.APICalls != 1 {
		t.Fatalf("second sync: %d writes, %d calls, report %+v", w.writes(), w.emu.TotalCalls(), rep)
	}

	// Deleting a proxy deletes its record; changing one's address updates.
	if err := w.st.DeleteProxy(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	w.settings(func(s *model.Settings) { s.PublicIPv4 = "203.0.113.20" })
	rep = w.sync()
	if rep.Deleted != 1 || rep.Updated != 2 {
		t.Fatalf("after delete and address change: %+v", rep)
	}
	got = w.records()
	if _, ok := got["A a.example.com"]; ok {
		t.Fatal("record of the deleted proxy is still there")
	}
	if got["A b.example.com"].Content != "203.0.113.20" {
		t.Fatalf("b not updated: %+v", got["A b.example.com"])
	}
	unchanged("after deletes and updates")
	_ = b

	// Switching to wildcard removes exactly the owned records.
	w.settings(func(s *model.Settings) { s.WildcardDNS = true })
	rep = w.sync()
	if rep.Deleted != 2 || rep.Mode != "wildcard" {
		t.Fatalf("switch to wildcard: %+v", rep)
	}
	got = w.records()
	if len(got) != len(handmade) {
		t.Fatalf("after the switch %d records remain, want the %d hand-made ones: %v", len(got), len(handmade), got)
	}
	unchanged("after the switch to wildcard")
	rows, _ := w.st.DNSRecords(t.Context())
	if len(rows) != 0 {
		t.Fatalf("rows left: %+v", rows)
	}
}
