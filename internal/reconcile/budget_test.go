package reconcile

import (
	"fmt"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// TestSyncBudget is BenchmarkSync's API budget as a plain test, on fewer
// consumers and smaller batches, without latency: the first sync of a
// configuration reads the zone, lists, and writes in batches; a sync with
// nothing to do is one listing; a few changes are a listing and one batch.
func TestSyncBudget(t *testing.T) {
	tests := []struct {
		consumers, batch int
		churn            int // proxies removed, and as many added
	}{
		{30, 10, 5},   // 10 changes: one batch
		{24, 10, 10},  // 20 changes: two batches
		{45, 200, 15}, // the Free plan's batch
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("consumers=%d/batch=%d/churn=%d", tt.consumers, tt.batch, tt.churn), func(t *testing.T) {
			w := newWorld(t)
			w.r = New(w.st, func(s model.Settings) (dns.Provider, error) {
				return cloudflare.New(cloudflare.Options{
					Token: s.CloudflareAPIToken, ZoneID: s.CloudflareZoneID, ZoneName: s.CloudflareZoneName,
					Marker: dns.OwnerMarker(s.InstallationID), BaseURL: w.url, RateLimit: -1, BatchSize: tt.batch,
				})
			}, quietLog, nil)
			proxies := make([]model.Proxy, tt.consumers)
			for i := range proxies {
				proxies[i] = w.proxy(fmt.Sprintf("p%d.example.com", i))
			}
			n := tt.consumers
			batches := func(ops int) int { return (ops + tt.batch - 1) / tt.batch }
			phases := []struct {
				name                      string
				change                    func()
				created, updated, deleted int
				calls                     int
			}{
				// the zone read (once per configuration), the listing, the batches
				{"first sync", nil, n, 0, 0, 2 + batches(n)},
				{"no-op sync", nil, 0, 0, 0, 1},
				{"churn", func() {
					for _, p := range proxies[:tt.churn] {
						if err := w.st.DeleteProxy(t.Context(), p.ID); err != nil {
							t.Fatal(err)
						}
					}
					for i := range tt.churn {
						w.proxy(fmt.Sprintf("new%d.example.com", i))
					}
				}, tt.churn, 0, tt.churn, 1 + batches(2*tt.churn)},
				{"no-op after the churn", nil, 0, 0, 0, 1},
				{"a new address for every record", func() {
					w.settings(func(s *model.Settings) { s.PublicIPv4 = "203.0.113.20" })
				}, 0, n, 0, 1 + batches(n)},
				{"a new token: the zone is read again", func() {
					w.emu.AddToken("tok2", cfemu.TokenOptions{CanEdit: true})
					w.settings(func(s *model.Settings) { s.CloudflareAPIToken = "tok2" })
				}, 0, 0, 0, 2},
			}
			for _, ph := range phases {
				if ph.change != nil {
					ph.change()
				}
				w.emu.ResetCalls()
				rep := w.sync()
				if rep.Errors != 0 || rep.Conflicts != 0 {
					t.Fatalf("%s: %d errors, %d conflicts: %v", ph.name, rep.Errors, rep.Conflicts, rep.Records[:min(len(rep.Records), 5)])
				}
				if rep.Created != ph.created || rep.Updated != ph.updated || rep.Deleted != ph.deleted || rep.AlreadySynced != n-ph.created-ph.updated {
					t.Fatalf("%s: created %d, updated %d, deleted %d, in sync %d; want %d, %d, %d, %d", ph.name,
						rep.Created, rep.Updated, rep.Deleted, rep.AlreadySynced, ph.created, ph.updated, ph.deleted, n-ph.created-ph.updated)
				}
				if rep.APICalls != int64(ph.calls) || w.emu.TotalCalls() != ph.calls {
					t.Errorf("%s: %d API calls (the emulator saw %d), want %d", ph.name, rep.APICalls, w.emu.TotalCalls(), ph.calls)
				}
				if got := len(w.emu.Records(w.zone.ID)); got != n {
					t.Fatalf("%s: %d records at the emulator, want %d", ph.name, got, n)
				}
			}
		})
	}
}
