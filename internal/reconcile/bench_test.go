package reconcile

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store/storetest"
)

// BenchmarkSync syncs standalone proxies against the Cloudflare emulator
// with 20ms of latency a call, and reports the API calls and milliseconds
// of a first sync (every record created), a sync with nothing to do, and
// a sync after 100 proxies were deleted. Budgets: the no-op sync is one
// call (the listing), the 100 deletes two (listing and one batch).
//
// The Free plan allows 200 operations a batch (the provider's default
// BatchSize); the paid plans 3,500, so a first sync of 3,500 consumers on
// one is one batch.
func BenchmarkSync(b *testing.B) {
	for _, c := range []struct {
		plan      string
		consumers int
		batch     int
	}{
		{"free", 500, 200},
		{"free", 1000, 200},
		{"free", 3500, 200},
		{"pro", 3500, 3500},
	} {
		b.Run(fmt.Sprintf("plan=%s/consumers=%d", c.plan, c.consumers), func(b *testing.B) {
			benchSync(b, c.plan, c.consumers, c.batch)
		})
	}
}

func benchSync(b *testing.B, plan string, n, batchSize int) {
	const latency = 20 * time.Millisecond
	ctx := b.Context()
	st := storetest.New(b)
	var emu atomic.Pointer[cfemu.Server] // a fresh emulator each iteration
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { emu.Load().ServeHTTP(w, r) }))
	b.Cleanup(ts.Close)
	settings := func(change func(*model.Settings)) {
		if _, _, err := st.UpdateSettings(ctx, func(s model.Settings) (model.Settings, error) {
			change(&s)
			return s, s.Normalize()
		}); err != nil {
			b.Fatal(err)
		}
	}
	settings(func(s *model.Settings) {
		s.Domain, s.PublicIPv4, s.WildcardDNS, s.DNSProvider = "example.com", "203.0.113.10", false, model.ProviderCloudflare
		s.CloudflareAPIToken, s.CloudflareZoneName = "bench-token", "example.com"
	})
	proxies := make([]model.Proxy, n)
	for i := range proxies {
		proxies[i] = model.Proxy{Domain: fmt.Sprintf("p%d.example.com", i), ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
		if err := st.CreateProxy(ctx, &proxies[i]); err != nil {
			b.Fatal(err)
		}
	}
	factory := func(s model.Settings) (dns.Provider, error) {
		return cloudflare.New(cloudflare.Options{
			Token: s.CloudflareAPIToken, ZoneID: s.CloudflareZoneID, ZoneName: s.CloudflareZoneName,
			Marker: dns.OwnerMarker(s.InstallationID), BaseURL: ts.URL + "/client/v4/", HTTPClient: ts.Client(),
			RateLimit: -1, BatchSize: batchSize,
		})
	}

	type phase struct {
		calls int64
		dur   time.Duration
	}
	var first, noop, change phase
	measure := func(r *Reconciler, p *phase) Report {
		b.Helper()
		start := time.Now()
		rep, err := r.Sync(ctx, false)
		p.dur += time.Since(start)
		if err != nil || rep.Errors != 0 {
			b.Fatalf("sync: %v %+v", err, rep.Records[:min(len(rep.Records), 5)])
		}
		p.calls += rep.APICalls
		return rep
	}
	for b.Loop() {
		b.StopTimer()
		e := cfemu.New(cfemu.Options{RateLimit: -1, Plan: plan})
		zone := e.AddZone("example.com")
		e.AddToken("bench-token", cfemu.TokenOptions{CanEdit: true})
		e.SetLatency(latency)
		emu.Store(e)
		settings(func(s *model.Settings) { s.CloudflareZoneID = zone.ID })
		rows, err := st.DNSRecords(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.PutDNSRecords(ctx, nil, rows); err != nil { // an earlier iteration's
			b.Fatal(err)
		}
		for i := range proxies[:100] { // deleted by the earlier iteration
			if _, err := st.Proxy(ctx, proxies[i].ID); err != nil {
				if err := st.CreateProxy(ctx, &proxies[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		r := New(st, factory, quietLog, nil)
		b.StartTimer()

		c0 := first.calls
		if rep := measure(r, &first); rep.Created != n {
			b.Fatalf("first sync created %d records, want %d", rep.Created, n)
		}
		if got := len(e.Records(zone.ID)); got != n {
			b.Fatalf("%d records at the emulator after the first sync, want %d", got, n)
		}
		// The zone read (once per configuration), the listing, the batches.
		if c := first.calls - c0; c != int64(2+(n+batchSize-1)/batchSize) {
			b.Fatalf("first sync of %d consumers: %d calls, want %d", n, c, 2+(n+batchSize-1)/batchSize)
		}

		c0 = noop.calls
		if rep := measure(r, &noop); rep.AlreadySynced != n {
			b.Fatalf("no-op sync: %d in sync, want %d", rep.AlreadySynced, n)
		}
		if c := noop.calls - c0; c != 1 {
			b.Fatalf("no-op sync: %d API calls, want 1", c)
		}

		b.StopTimer()
		for _, p := range proxies[:100] {
			if err := st.DeleteProxy(ctx, p.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		c0 = change.calls
		if rep := measure(r, &change); rep.Deleted != 100 {
			b.Fatalf("100 proxies deleted: the sync deleted %d records", rep.Deleted)
		}
		if c := change.calls - c0; c != 2 {
			b.Fatalf("sync of 100 changes: %d API calls, want 2", c)
		}
		if got := len(e.Records(zone.ID)); got != n-100 {
			b.Fatalf("%d records at the emulator after 100 deletes, want %d", got, n-100)
		}
	}
	per := func(p phase, name string) {
		b.ReportMetric(float64(p.calls)/float64(b.N), name+"-calls/op")
		b.ReportMetric(float64(p.dur.Milliseconds())/float64(b.N), name+"-ms/op")
	}
	per(first, "first")
	per(noop, "noop")
	per(change, "100changes")
}
