package reconcile

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// TestConcurrentHooksAndSyncs starts 50 goroutines at once, each doing a
// few of: a sync, a hook (an event on the bus, with the scheduler running),
// creating a proxy (and notifying, as the API does). Every sync must
// succeed; once the scheduler has settled and one more sync ran, there is
// no duplicate record at Cloudflare and every proxy has exactly its own.
func TestConcurrentHooksAndSyncs(t *testing.T) {
	w := newWorld(t)
	hand, err := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "A", Name: "www.example.com", Content: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		w.proxy(fmt.Sprintf("pre%d.example.com", i))
	}

	schedCtx, stopSched := context.WithCancel(t.Context())
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); w.sched.Run(schedCtx) }()
	defer func() { stopSched(); <-schedDone }()

	const goroutines = 50
	start := make(chan struct{})
	errs := make(chan error, goroutines*3)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for step := range 3 {
				switch (g + step) % 3 {
				case 0:
					rep, err := w.r.Sync(t.Context(), false)
					if err == nil && rep.Errors != 0 {
						err = fmt.Errorf("report: %s", reportLines(rep))
					}
					if err != nil {
						errs <- fmt.Errorf("goroutine %d sync: %w", g, err)
					}
				case 1:
					w.hook()
				case 2:
					p := model.Proxy{Domain: fmt.Sprintf("g%d-%d.example.com", g, step), ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
					if err := w.st.CreateProxy(t.Context(), &p); err != nil {
						errs <- fmt.Errorf("goroutine %d create proxy: %w", g, err)
					}
					w.hook()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Settle: no call for 300ms (at most 10s), then stop the scheduler.
	deadline := time.Now().Add(10 * time.Second)
	for last := -1; ; {
		n := w.emu.TotalCalls()
		if n == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduler does not settle")
		}
		last = n
		time.Sleep(300 * time.Millisecond)
	}
	stopSched()
	<-schedDone

	rep := w.sync()
	if rep.Errors != 0 {
		t.Fatalf("final sync: %s", reportLines(rep))
	}
	proxies, err := w.st.Proxies(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(proxies) != 5+goroutines { // each goroutine creates once in its three steps
		t.Fatalf("%d proxies, want %d", len(proxies), 5+goroutines)
	}
	byKey := map[string][]cfemu.Record{}
	for _, r := range w.emu.Records(w.zone.ID) {
		byKey[key(r.Name, r.Type)] = append(byKey[key(r.Name, r.Type)], r)
	}
	for k, rs := range byKey {
		if len(rs) != 1 {
			t.Errorf("%s: %d records: %+v", k, len(rs), rs)
		}
	}
	want := map[string]string{}
	for _, p := range proxies {
		want[p.Domain] = "203.0.113.10"
	}
	checkZone(t, w.st, w.emu, w.zone, w.marker(), want, []cfemu.Record{hand})
	idOf := map[string]int64{}
	for _, p := range proxies {
		idOf[p.Domain] = p.ID
	}
	rows, _ := w.st.DNSRecords(t.Context())
	for _, row := range rows {
		if row.ConsumerKind != model.KindProxy || row.ConsumerID != idOf[row.FQDN] {
			t.Errorf("row %+v is not proxy %d's", row, idOf[row.FQDN])
		}
	}
	if len(byKey) != len(proxies)+1 {
		t.Errorf("%d names at the emulator, want the %d proxies and the hand-made one", len(byKey), len(proxies))
	}

	w.emu.ResetCalls()
	rep = w.sync()
	if w.writes() != 0 || rep.APICalls != 1 || rep.AlreadySynced != len(proxies) {
		t.Errorf("sync after the settle: %d writes, %s", w.writes(), reportLines(rep))
	}
}
