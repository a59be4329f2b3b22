package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// TestCrashAtEveryProviderCall stops a sync that creates, updates and
// deletes records at each of its provider calls in turn, once before the
// call reaches Cloudflare and once right after Cloudflare applied it (the
// answer is lost), and restarts: a new Reconciler syncs once and must
// converge, leaving no record with our marker that the table does not
// track. Two ways to stop:
//
//   - cancel: the sync's context is cancelled (a shutdown); the stopped
//     reconciler still writes what it learnt, and the restart uses the
//     same store;
//   - kill: the restart uses a copy of the database taken at that moment
//     (VACUUM INTO), so nothing written after the call survives, as when
//     the process is killed.
func TestCrashAtEveryProviderCall(t *testing.T) {
	clean := newCrashWorld(t, 0, "")
	clean.run(t)
	n := clean.calls
	// zone + list + ceil((2 deletes + 4 updates + 3 creates) / batch size 2)
	if n != 7 {
		t.Fatalf("a clean run makes %d provider calls, want 7", n)
	}
	clean.restartAndCheck(t, clean.st)

	for _, how := range []string{"cancel", "kill"} {
		for k := 1; k <= n; k++ {
			for _, when := range []string{"before", "after"} {
				t.Run(fmt.Sprintf("%s/call%d/%s", how, k, when), func(t *testing.T) {
					w := newCrashWorld(t, k, when)
					w.run(t)
					if !w.hit {
						t.Fatalf("call %d was never made", k)
					}
					st := w.st
					if how == "kill" {
						var err error
						st, err = store.Open(t.Context(), w.image)
						if err != nil {
							t.Fatal(err)
						}
						t.Cleanup(func() { st.Close() })
						// Killed in the middle of applying, the image holds
						// the rows written before the first write call.
						rows, err := st.DNSRecords(t.Context())
						if err != nil {
							t.Fatal(err)
						}
						states := map[string]int{}
						for _, row := range rows {
							states[row.State]++
						}
						if k >= 3 && (states[model.RecordPending] != 3 || states[model.RecordDeleting] != 2) {
							t.Fatalf("crash image rows by state %v, want 3 pending and 2 deleting", states)
						}
					}
					w.restartAndCheck(t, st)
				})
			}
		}
	}
}

// crashWorld is the scenario: six proxies synced, then two deleted, three
// added and the address changed; the measured sync is stopped at call k.
type crashWorld struct {
	emu     *cfemu.Server
	zone    cfemu.Zone
	url     string // the emulator's API
	client  *http.Client
	st      *store.Store
	raw     *sql.DB
	dir     string
	image   string // the crash image's folder
	marker  string
	foreign []cfemu.Record

	mu       sync.Mutex
	armed    bool
	k        int
	when     string
	calls    int
	hit      bool
	cancel   context.CancelFunc
	wait     time.Duration
	imageErr error
}

const crashToken = "crash-token"

func newCrashWorld(t *testing.T, k int, when string) *crashWorld {
	t.Helper()
	w := &crashWorld{k: k, when: when, dir: t.TempDir(), image: filepath.Join(t.TempDir(), "image")}
	em := cftest.Start(t, cfemu.Options{}, w.handler)
	w.emu, w.url, w.client = em.Server, em.URL, em.Client
	w.zone = w.emu.AddZone("example.com")
	w.emu.AddToken(crashToken, cfemu.TokenOptions{CanEdit: true})
	var err error
	if w.st, err = store.Open(t.Context(), w.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.st.Close() })
	if w.raw, err = sql.Open("sqlite", "file:"+filepath.Join(w.dir, store.FileName)+"?_pragma=busy_timeout(10000)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.raw.Close() })
	ctx := t.Context()
	if _, _, err := w.st.UpdateSettings(ctx, func(s model.Settings) (model.Settings, error) {
		s.Domain, s.PublicIPv4, s.WildcardDNS, s.DNSProvider = "example.com", "203.0.113.10", false, model.ProviderCloudflare
		s.CloudflareAPIToken, s.CloudflareZoneID, s.CloudflareZoneName = crashToken, w.zone.ID, w.zone.Name
		return s, s.Normalize()
	}); err != nil {
		t.Fatal(err)
	}
	s, _ := w.st.Settings(ctx)
	w.marker = dns.OwnerMarker(s.InstallationID)

	// Records that are not ours: hand-made, another installation's, and
	// one with our marker that no row tracks.
	for _, r := range []cfemu.Record{
		{Type: "A", Name: "taken.example.com", Content: "192.0.2.77"},
		{Type: "A", Name: "www.example.com", Content: "192.0.2.1"},
		{Type: "A", Name: "other.example.com", Content: "192.0.2.2", Comment: dns.OwnerMarker(otherInstallID)},
		{Type: "A", Name: "stray.example.com", Content: "192.0.2.3", Comment: w.marker},
	} {
		rec, err := w.emu.AddRecord(w.zone.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		w.foreign = append(w.foreign, rec)
	}

	var ids []int64
	for _, d := range []string{"a", "b", "c", "d", "e", "f", "taken"} {
		p := model.Proxy{Domain: d + ".example.com", ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
		if err := w.st.CreateProxy(ctx, &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	rep, err := w.reconciler(w.st).Sync(ctx, false)
	if err != nil || rep.Created != 6 || rep.Conflicts != 1 || rep.Errors != 0 {
		t.Fatalf("set-up sync: %v %s", err, reportLines(rep))
	}
	// The changes the measured sync makes: 2 deletes, 4 updates, 3 creates.
	for _, id := range ids[:2] {
		if err := w.st.DeleteProxy(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"g", "h", "i"} {
		p := model.Proxy{Domain: d + ".example.com", ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
		if err := w.st.CreateProxy(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := w.st.UpdateSettings(ctx, func(s model.Settings) (model.Settings, error) {
		s.PublicIPv4 = "203.0.113.20"
		return s, s.Normalize()
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// reconciler builds a reconciler on st, as the process does at start.
func (w *crashWorld) reconciler(st *store.Store) *Reconciler {
	return New(st, func(s model.Settings) (dns.Provider, error) {
		return cloudflare.New(cloudflare.Options{
			Token: s.CloudflareAPIToken, ZoneID: s.CloudflareZoneID, ZoneName: s.CloudflareZoneName,
			Marker: dns.OwnerMarker(s.InstallationID), BaseURL: w.url, HTTPClient: w.client,
			RateLimit: -1, RetryBackoff: time.Millisecond, BatchSize: 2,
		})
	}, quietLog, nil)
}

// run makes the measured sync, stopped at call k (never when k is 0).
func (w *crashWorld) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w.mu.Lock()
	w.armed, w.cancel = true, cancel
	w.mu.Unlock()
	rep, err := w.reconciler(w.st).Sync(ctx, false)
	w.mu.Lock()
	w.armed = false
	w.mu.Unlock()
	if w.k == 0 {
		if err != nil || rep.Created != 3 || rep.Updated != 4 || rep.Deleted != 2 || rep.Errors != 0 {
			t.Fatalf("clean run: %v %s", err, reportLines(rep))
		}
		if _, err := os.Stat(w.image); err == nil {
			t.Fatal("a crash image was taken on a clean run")
		}
	}
	if w.imageErr != nil {
		t.Fatalf("crash image: %v", w.imageErr)
	}
}

// handler counts the measured sync's calls and stops it at call k.
func (w *crashWorld) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		stop := false
		if w.armed {
			w.calls++
			stop = w.calls == w.k
			w.hit = w.hit || stop
		}
		w.mu.Unlock()
		if !stop {
			next.ServeHTTP(rw, r)
			return
		}
		if w.when == "after" {
			next.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer never leaves
		} else {
			io.Copy(io.Discard, r.Body) // never reaches the emulator
		}
		// The process dies here: the database is what it is now.
		err := os.MkdirAll(w.image, 0o700)
		if err == nil {
			_, err = w.raw.ExecContext(context.Background(), "VACUUM INTO ?", filepath.Join(w.image, store.FileName))
		}
		w.mu.Lock()
		w.imageErr = err
		w.mu.Unlock()
		w.cancel()
		hangUp(rw) // no answer ever reaches the stopped process
	})
}

// restartAndCheck syncs once with a new reconciler on st and checks that
// it converged, then that a second sync makes no write.
func (w *crashWorld) restartAndCheck(t *testing.T, st *store.Store) {
	t.Helper()
	r := w.reconciler(st)
	rep, err := r.Sync(t.Context(), false)
	if err != nil {
		t.Fatalf("sync after the restart: %v", err)
	}
	want := map[string]string{}
	for _, n := range []string{"c", "d", "e", "f", "g", "h", "i"} {
		want[n+".example.com"] = "203.0.113.20"
	}
	checkZone(t, st, w.emu, w.zone, w.marker, want, w.foreign)
	if !hasLine(rep, "taken.example.com", ActConflict) {
		t.Errorf("the conflict on taken.example.com is not reported: %s", reportLines(rep))
	}
	if rep.Errors != 0 {
		t.Errorf("sync after the restart: %s", reportLines(rep))
	}
	w.emu.ResetCalls()
	rep, err = r.Sync(t.Context(), false)
	if err != nil || writeCalls(w.emu) != 0 || rep.APICalls != 1 || rep.Created+rep.Updated+rep.Deleted+rep.Errors != 0 {
		t.Errorf("second sync after the restart: %v, %d writes, %s", err, writeCalls(w.emu), reportLines(rep))
	}
}

func hasLine(rep Report, fqdn string, a Action) bool {
	for _, l := range rep.Records {
		if l.FQDN == fqdn && l.Action == a {
			return true
		}
	}
	return false
}

func writeCalls(emu *cfemu.Server) int {
	n := 0
	for k, c := range emu.Calls() {
		if !strings.HasPrefix(k, "GET ") {
			n += c
		}
	}
	return n
}

// checkZone checks a converged zone: each wanted name has exactly one A
// record, ours, with the wanted address, tracked by a synced row with its
// id; the foreign records are unchanged; and no other record carries our
// marker unless it is one of the foreign ones (seeded with it, untracked).
func checkZone(t *testing.T, st *store.Store, emu *cfemu.Server, zone cfemu.Zone, marker string, want map[string]string, foreign []cfemu.Record) {
	t.Helper()
	isForeign := map[string]bool{}
	recs := map[string]cfemu.Record{}
	for _, r := range emu.Records(zone.ID) {
		recs[r.ID] = r
	}
	for _, f := range foreign {
		isForeign[f.ID] = true
		g, ok := recs[f.ID]
		if !ok || g.Name != f.Name || g.Content != f.Content || g.Comment != f.Comment || !g.ModifiedOn.Equal(f.ModifiedOn) {
			t.Errorf("foreign record %s %s changed: %+v (present %v)", f.Type, f.Name, g, ok)
		}
	}
	rows, err := st.DNSRecords(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rowAt := map[string]model.DNSRecord{}
	for _, row := range rows {
		rowAt[key(row.FQDN, row.Type)] = row
		if _, ok := want[row.FQDN]; !ok || row.Type != "A" {
			t.Errorf("row of a name that is not wanted: %+v", row)
		}
	}
	ours := map[string][]cfemu.Record{}
	for _, r := range recs {
		if isForeign[r.ID] {
			continue
		}
		ours[key(r.Name, r.Type)] = append(ours[key(r.Name, r.Type)], r)
		if r.Comment != marker {
			t.Errorf("a record that is neither foreign nor ours: %+v", r)
		}
		if _, ok := rowAt[key(r.Name, r.Type)]; !ok {
			t.Errorf("a record with our marker that no row tracks: %s %s %s (id %s)", r.Type, r.Name, r.Content, r.ID)
		}
	}
	for name, content := range want {
		k := key(name, "A")
		got := ours[k]
		if len(got) != 1 || got[0].Content != content {
			t.Errorf("%s: want one record of ours with %s, the provider has %+v", k, content, got)
			continue
		}
		if row := rowAt[k]; row.State != model.RecordSynced || row.ProviderRecordID != got[0].ID || row.Content != content {
			t.Errorf("%s: row %+v does not track %s", k, row, got[0].ID)
		}
	}
	for k, rs := range ours {
		if name, _, _ := strings.Cut(k, " "); want[name] == "" {
			t.Errorf("%s is not wanted but records of ours are left: %+v", k, rs)
		}
	}
}
