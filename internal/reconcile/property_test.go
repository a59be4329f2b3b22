package reconcile

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/dnstest"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// The property: whatever the provider holds, the table says and the
// consumers want, and whatever faults hit a first sync,
//
//	(a) no record that the reconciler does not own (a record without our
//	    marker, or one that no row tracks, at the time of the call) is
//	    ever updated or deleted, checked at every provider call;
//	(b) once the faults stop, one sync converges: each wanted name and
//	    type in the zone has exactly one record, ours, with the wanted
//	    data, unless a foreign record holds it (then it is reported as a
//	    conflict); no record of ours is left that is not wanted; the table
//	    equals the provider for the owned records;
//	(c) a second sync makes no write, and only the listing call.
//
// DW_PROP_SEED=<n> reruns one case (printed on failure) against both
// backends; DW_PROP_CASES and DW_PROP_CF_CASES change the number of cases.

const (
	propZone       = "example.com"
	propOtherZone  = "example.org"
	propZoneID     = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	propOtherID    = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	propToken      = "prop-token"
	otherInstallID = "0123456789abcdef"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func TestPropertyNeverTouchesForeignAndConverges(t *testing.T) {
	base := uint64(time.Now().UnixNano())
	// Each case is a few syncs against SQLite, whose pure-Go code the race
	// detector slows down about five times: under -race the fake runs a
	// quarter of the cases, to keep the package well under a minute.
	fakeCases := 2000
	if raceEnabled() {
		fakeCases = 500
	}
	fakeCases, cfCases := envInt("DW_PROP_CASES", fakeCases), envInt("DW_PROP_CF_CASES", 50)
	var only *uint64
	if v := os.Getenv("DW_PROP_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DW_PROP_SEED: %v", err)
		}
		only, fakeCases, cfCases = &n, 1, 1
	}
	t.Logf("base seed %d (rerun one case with DW_PROP_SEED=<seed>)", base)
	seedOf := func(i int) uint64 {
		if only != nil {
			return *only
		}
		return base + uint64(i)
	}
	t.Run("fake", func(t *testing.T) {
		t.Parallel()
		runPropCases(t, fakeCases, 2, seedOf, newFakeBackend)
	})
	t.Run("cloudflare", func(t *testing.T) {
		t.Parallel()
		runPropCases(t, cfCases, 1, seedOf, newCFBackend)
	})
}

// runPropCases runs n cases on workers goroutines, each with a store of
// its own, and stops at the first failure.
func runPropCases(t *testing.T, n, workers int, seedOf func(int) uint64, backend func(*propEnv, *propCase) propBackend) {
	var stats propStats
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		env := newPropEnv(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				seed := seedOf(i)
				if err := env.run(seed, backend, &stats); err != nil {
					if !failed.Swap(true) {
						t.Errorf("case %d, seed %d (rerun with DW_PROP_SEED=%d): %v", i, seed, seed, err)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d cases in %s; faulty syncs that failed or had errors: %d; the converging syncs created %d, updated %d, deleted %d records and reported %d conflicts",
		min(int(next.Load()), n), time.Since(start).Round(time.Millisecond), stats.faultyFailed.Load(),
		stats.created.Load(), stats.updated.Load(), stats.deleted.Load(), stats.conflicts.Load())
}

// propStats shows that the cases exercise what they should.
type propStats struct {
	faultyFailed, created, updated, deleted, conflicts atomic.Int64
}

// propEnv is one store that cases share: each case empties it first.
type propEnv struct {
	t      *testing.T
	st     *store.Store
	raw    *sql.DB // to backdate status_changed_at, which no store call sets
	appID  int64
	marker string
}

func newPropEnv(t *testing.T) *propEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.FileName)+
		"?_pragma=busy_timeout(10000)&_txlock=immediate&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	app := model.App{Name: "app", Image: "registry.local/app", TagPattern: "latest", ContainerPort: 8080, Env: map[string]string{}}
	if err := st.CreateApp(t.Context(), &app); err != nil {
		t.Fatal(err)
	}
	s, err := st.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &propEnv{t: t, st: st, raw: raw, appID: app.ID, marker: dns.OwnerMarker(s.InstallationID)}
}

// A case.

type propInstance struct {
	sub, status string
	route       int64
	ago         time.Duration // since the status changed
}

type propSeed struct {
	zone int        // 0: the current zone, 1: the zone of an earlier configuration
	rec  dns.Record // as stored at the provider (Owner is the comment)
	ours bool       // carries our marker and a row tracks its id (or adopts it)
	mx   bool
	// createdAgo backdates the record's creation; 0: a day before.
	createdAgo time.Duration
}

type propRow struct {
	zone                 int
	fqdn, typ            string
	content, state, kind string
	consumerID           int64
	idRef                int // index into seeds; -1: no id; -2: an id that is gone
	// pendingAgo > 0: a create was sent that long ago and never answered
	// (the row has no id; crash recovery may adopt a record created since).
	pendingAgo time.Duration
}

type propCase struct {
	seed         uint64
	v4, v6       string
	ttl, grace   int
	proxied      bool
	proxies      []string
	instances    []propInstance
	seeds        []propSeed
	rows         []propRow
	faultySyncs  int
	pFail, pLost float64
	pPartial     float64
	plain        bool          // fake: hide the batch paths
	advance      time.Duration // clock moves before the converging sync
	dropProxy    int           // index of a proxy deleted before it, or -1
	addProxy     string        // a proxy added before it, or ""
	maxRetries   int           // cloudflare
	batchSize    int
	pageSize     int
	// zoneMismatch: during the faulty syncs the stored zone name is not
	// the name of the zone id (as an old database may have it); every
	// sync must then refuse to write into the zone.
	zoneMismatch bool
}

var (
	propLabels = []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"}
	propAs     = []string{"203.0.113.10", "203.0.113.20", "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}
	propAAAAs  = []string{"2001:db8::10", "2001:db8::20", "2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"}
	propTTLs   = []int{1, 60, 300, 3600}
	propAgos   = []time.Duration{1, 30, 90, 200, 400, 700, 1300}
	propGraces = []int{0, 60, 600}
	propStates = []string{model.RecordPending, model.RecordSynced, model.RecordError, model.RecordDeleting}
	propStatus = []string{model.StatusRunning, model.StatusStopped, model.StatusFailed, model.StatusDeploying}
)

func pickOne[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func normName(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// markOurs sets which seeds are ours by the ownership rule: a row of
// their zone, name and type tracks their id, or the row awaits its id and
// they are the oldest record with our marker created since it was sent.
func markOurs(c *propCase, marker string) {
	for _, row := range c.rows {
		if row.idRef >= 0 && c.seeds[row.idRef].rec.Owner == marker {
			c.seeds[row.idRef].ours = true
		}
		if row.pendingAgo == 0 {
			continue
		}
		best := -1
		for i, sd := range c.seeds {
			if sd.zone != row.zone || normName(sd.rec.Name) != row.fqdn || sd.rec.Type != row.typ || sd.rec.Owner != marker {
				continue
			}
			if ago := seedAge(sd); ago <= row.pendingAgo+adoptSkew && (best < 0 || ago > seedAge(c.seeds[best])) {
				best = i
			}
		}
		if best >= 0 {
			c.seeds[best].ours = true
		}
	}
}

func seedAge(s propSeed) time.Duration {
	if s.createdAgo == 0 {
		return 24 * time.Hour
	}
	return s.createdAgo
}

func genCase(seed uint64, marker string) *propCase {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &propCase{seed: seed, dropProxy: -1}
	c.v4 = pickOne(r, propAs[:2])
	c.v6 = pickOne(r, []string{"", propAAAAs[0], propAAAAs[1]})
	c.ttl, c.grace, c.proxied = pickOne(r, propTTLs), pickOne(r, propGraces), r.IntN(3) == 0

	pool := []string{propZone}
	for _, l := range propLabels {
		pool = append(pool, l+"."+propZone)
	}
	perm := r.Perm(len(pool))
	for _, i := range perm[:r.IntN(6)] {
		c.proxies = append(c.proxies, pool[i])
	}
	outside := []string{"svc.example.net", "shop.example.org", "x.other.io"}
	for _, i := range r.Perm(len(outside))[:r.IntN(3)] {
		c.proxies = append(c.proxies, outside[i])
	}
	for _, i := range r.Perm(len(propLabels))[:r.IntN(6)] {
		in := propInstance{sub: propLabels[i], status: pickOne(r, propStatus), ago: pickOne(r, propAgos) * time.Second}
		if r.IntN(10) < 7 {
			in.route = int64(1 + r.IntN(50))
		}
		c.instances = append(c.instances, in)
	}

	used := map[string]bool{} // zone, name, type, content: no two identical records
	otherMarker := dns.OwnerMarker(otherInstallID)
	contents := func(typ string) []string {
		if typ == "AAAA" {
			return propAAAAs
		}
		return propAs
	}
	addSeed := func(zone int, rec dns.Record, ours bool, createdAgo time.Duration) int {
		if rec.Content == "" {
			rec.Content = pickOne(r, contents(rec.Type))
		}
		k := fmt.Sprint(zone, normName(rec.Name), rec.Type, strings.ToLower(rec.Content))
		if used[k] {
			return -1
		}
		used[k] = true
		if rec.TTL == 0 {
			rec.TTL = pickOne(r, propTTLs)
		}
		c.seeds = append(c.seeds, propSeed{zone: zone, rec: rec, ours: ours, mx: rec.Type == "MX", createdAgo: createdAgo})
		return len(c.seeds) - 1
	}
	foreignOwner := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return otherMarker
	}
	rowKeys := map[string]bool{}
	addRows := func(zone int, names []string, p int) {
		for _, name := range names {
			for _, typ := range []string{"A", "AAAA"} {
				if r.IntN(100) >= p {
					continue
				}
				row := propRow{zone: zone, fqdn: name, typ: typ, content: pickOne(r, contents(typ)), state: pickOne(r, propStates), idRef: -1}
				if r.IntN(2) == 0 {
					row.kind, row.consumerID = pickOne(r, []string{model.KindProxy, model.KindInstance}), int64(1+r.IntN(50))
				}
				rowKeys[fmt.Sprint(zone, name, typ)] = true
				ref := func(i int) {
					switch {
					case i >= 0 && r.IntN(10) < 7:
						row.idRef = i
					case r.IntN(2) == 0:
						row.idRef = -2
					}
				}
				switch r.IntN(6) {
				case 0: // the record is gone
					ref(-1)
				case 5: // a create was sent and its answer never came
					row.state, row.idRef = model.RecordPending, -1
					row.pendingAgo = pickOne(r, []time.Duration{30 * time.Second, 10 * time.Minute, 2 * time.Hour})
					switch r.IntN(3) {
					case 0: // it was created since: ours, to adopt
						addSeed(zone, dns.Record{Name: name, Type: typ, Owner: marker}, false, row.pendingAgo/2)
					case 1: // a copy of our marker made before the create: not ours
						addSeed(zone, dns.Record{Name: name, Type: typ, Owner: marker}, false, row.pendingAgo+3*adoptSkew)
					}
				case 1, 2: // ours, if the row tracks its id
					i := addSeed(zone, dns.Record{Name: name, Type: typ, Proxied: r.IntN(3) == 0, Owner: marker}, false, 0)
					ref(i)
				case 3: // ours, and a hand-made copy of it with our exact marker beside it
					i := addSeed(zone, dns.Record{Name: name, Type: typ, Owner: marker}, false, 0)
					addSeed(zone, dns.Record{Name: name, Type: typ, Owner: marker}, false, 0)
					ref(i)
				case 4: // someone took it over: the comment is not ours any more
					i := addSeed(zone, dns.Record{Name: name, Type: typ, Owner: foreignOwner()}, false, 0)
					ref(i)
				}
				if r.IntN(5) == 0 { // and a foreign record beside it
					addSeed(zone, dns.Record{Name: name, Type: typ, Owner: foreignOwner()}, false, 0)
				}
				c.rows = append(c.rows, row)
			}
		}
	}
	addRows(0, pool, 15)
	if r.IntN(5) == 0 { // rows of an earlier configuration's zone
		addRows(1, []string{"old1." + propOtherZone, "old2." + propOtherZone}, 50)
		addSeed(1, dns.Record{Name: "www." + propOtherZone, Type: "A", Owner: ""}, false, 0)
	}
	// Foreign records: none, another installation's, and copies of our
	// exact marker, tracked name or not (a row tracks ids, not names), of
	// either address type: a name held by one is held for both.
	names := append(slices.Clone(pool), "www."+propZone, "mail."+propZone)
	for range r.IntN(8) {
		name, typ := pickOne(r, names), pickOne(r, []string{"A", "A", "AAAA", "TXT", "MX"})
		owner := pickOne(r, []string{"", otherMarker, marker})
		rec := dns.Record{Name: name, Type: typ, Owner: owner}
		switch typ {
		case "TXT":
			rec.Content = pickOne(r, []string{"v=spf1 -all", "hello"})
		case "MX":
			rec.Content = "mail." + propZone
		}
		if r.IntN(4) == 0 { // as a hand-made record may be written
			rec.Name = strings.ToUpper(rec.Name[:1]) + rec.Name[1:] + "."
		}
		addSeed(0, rec, false, 0)
	}
	if r.IntN(3) == 0 {
		addSeed(0, dns.Record{Name: "alias." + propZone, Type: "CNAME", Content: "target.example.net", Owner: foreignOwner()}, false, 0)
	}
	// A CNAME at a consumer's name, where nothing else is (DNS allows
	// nothing beside a CNAME): our address records there are conflicts.
	if r.IntN(3) == 0 {
		taken := map[string]bool{}
		for _, sd := range c.seeds {
			taken[normName(sd.rec.Name)] = true
		}
		for _, row := range c.rows {
			taken[row.fqdn] = true
		}
		for _, i := range r.Perm(len(pool)) {
			if !taken[pool[i]] {
				addSeed(0, dns.Record{Name: pool[i], Type: "CNAME", Content: "elsewhere.example.net", Owner: foreignOwner()}, false, 0)
				break
			}
		}
	}
	markOurs(c, marker)
	c.zoneMismatch = r.IntN(6) == 0

	c.faultySyncs = 1 + r.IntN(2)
	c.pFail = pickOne(r, []float64{0, 0.1, 0.3, 0.6})
	c.pLost = pickOne(r, []float64{0, 0.1, 0.3, 0.6})
	c.pPartial = pickOne(r, []float64{0, 0.2})
	c.plain = r.IntN(4) == 0
	c.advance = pickOne(r, []time.Duration{0, 0, 45 * time.Second, 700 * time.Second})
	if len(c.proxies) > 0 && r.IntN(4) == 0 {
		c.dropProxy = r.IntN(len(c.proxies))
	}
	if r.IntN(4) == 0 {
		name := pickOne(r, pool)
		if !slices.Contains(c.proxies, name) {
			c.addProxy = name
		}
	}
	c.maxRetries = pickOne(r, []int{-1, 1, 3})
	c.batchSize = pickOne(r, []int{2, 3, 200})
	c.pageSize = pickOne(r, []int{3, 5000})
	return c
}

// A backend is the provider side of a case.
type propBackend interface {
	seed(zone int, s propSeed) (dns.Record, error)
	records(zone int) []dns.Record // everything the zone holds, as stored
	faults(on bool, r *rand.Rand, c *propCase)
	violations() []string
	writes() int // write calls (or operations) so far, both zones
	writesIn(zone int) int
	listCalls() int64 // the calls a listing of the current zone takes
	factory() ProviderFactory
	describe() string // the writes made, for failure messages
	close()
}

func zoneIDOf(zone int) string {
	if zone == 1 {
		return propOtherID
	}
	return propZoneID
}

// owns is the ownership rule the writes are checked against: a record is
// the reconciler's when it carries our marker, a row of its zone, name
// and type tracks its id right now (or awaits its id, and the record was
// created since the create was sent), and it is not one the case seeded
// as foreign.
func (e *propEnv) owns(ctx context.Context, foreign map[string]bool, zone int, target dns.Record) error {
	if foreign[target.ID] {
		return fmt.Errorf("record %s was seeded as not ours", target.ID)
	}
	if target.Owner != e.marker {
		return fmt.Errorf("record %s carries %q, not our marker", target.ID, target.Owner)
	}
	rows, err := e.st.DNSRecords(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.ZoneID != zoneIDOf(zone) || row.FQDN != normName(target.Name) || row.Type != strings.ToUpper(target.Type) {
			continue
		}
		if row.ProviderRecordID == target.ID {
			return nil
		}
		if row.AwaitsID() && !target.CreatedOn.Before(row.PendingSince.Add(-adoptSkew)) {
			return nil
		}
	}
	return fmt.Errorf("no row tracks %s %s by its id %s", target.Type, target.Name, target.ID)
}

// run runs one case; an error describes the first property it breaks.
func (e *propEnv) run(seed uint64, newBackend func(*propEnv, *propCase) propBackend, stats *propStats) (err error) {
	ctx := e.t.Context()
	c := genCase(seed, e.marker)
	be := newBackend(e, c)
	defer be.close()
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w\ncase: %+v\nwrites:\n%s", err, *c, be.describe())
		}
	}()

	// The store.
	if err := e.reset(ctx); err != nil {
		return err
	}
	if _, _, err := e.st.UpdateSettings(ctx, func(s model.Settings) (model.Settings, error) {
		s.Domain, s.PublicIPv4, s.PublicIPv6 = propZone, c.v4, c.v6
		s.WildcardDNS, s.DNSProvider = false, model.ProviderCloudflare
		s.CloudflareAPIToken, s.CloudflareZoneID, s.CloudflareZoneName = propToken, propZoneID, propZone
		s.DNSTTL, s.CloudflareProxied, s.DNSDeleteGraceSeconds = c.ttl, c.proxied, c.grace
		return s, s.Normalize()
	}); err != nil {
		return err
	}
	clock := time.Now().UTC().Truncate(time.Millisecond)
	proxyIDs := make([]int64, len(c.proxies))
	for i, d := range c.proxies {
		p := model.Proxy{Domain: d, ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
		if err := e.st.CreateProxy(ctx, &p); err != nil {
			return err
		}
		proxyIDs[i] = p.ID
	}
	instIDs := make([]int64, len(c.instances))
	for i, in := range c.instances {
		m := model.Instance{AppID: e.appID, Tag: "v1", Subdomain: in.sub, Status: in.status, ProxyRouteID: in.route}
		if err := e.st.CreateInstance(ctx, &m); err != nil {
			return err
		}
		if _, err := e.raw.ExecContext(ctx, "UPDATE instances SET status_changed_at = ? WHERE id = ?", clock.Add(-in.ago), m.ID); err != nil {
			return err
		}
		instIDs[i] = m.ID
	}

	// The provider.
	seeded := make([]dns.Record, len(c.seeds))
	foreign := map[string]bool{}
	for i, s := range c.seeds {
		s.rec.CreatedOn = clock.Add(-seedAge(s))
		rec, err := be.seed(s.zone, s)
		if err != nil {
			return fmt.Errorf("seed %+v: %v", s, err)
		}
		seeded[i] = rec
		if !s.ours {
			foreign[rec.ID] = true
		}
	}
	var rows []model.DNSRecord
	for _, pr := range c.rows {
		row := model.DNSRecord{Provider: model.ProviderCloudflare, ZoneID: zoneIDOf(pr.zone), FQDN: pr.fqdn, Type: pr.typ,
			Content: pr.content, ConsumerKind: pr.kind, ConsumerID: pr.consumerID, State: pr.state}
		switch {
		case pr.idRef >= 0:
			row.ProviderRecordID = seeded[pr.idRef].ID
		case pr.idRef == -2:
			row.ProviderRecordID = "00000000000000000000000000000000"
		}
		if pr.state == model.RecordError {
			row.LastError = "an earlier failure"
		}
		if pr.state == model.RecordSynced {
			row.LastSyncedAt = &clock
		}
		if pr.pendingAgo > 0 {
			since := clock.Add(-pr.pendingAgo)
			row.PendingSince = &since
		}
		rows = append(rows, row)
	}
	if err := e.st.PutDNSRecords(ctx, rows, nil); err != nil {
		return err
	}

	rec := New(e.st, be.factory(), quietLog, nil)
	rec.now = func() time.Time { return clock }

	setZoneName := func(name string) error {
		_, _, err := e.st.UpdateSettings(ctx, func(s model.Settings) (model.Settings, error) {
			s.CloudflareZoneName = name
			return s, nil
		})
		return err
	}
	if c.zoneMismatch { // the zone id is example.com's; the settings call it example.net
		if err := setZoneName("example.net"); err != nil {
			return err
		}
	}

	// Faulty syncs: anything may fail, nothing foreign may be touched.
	fr := rand.New(rand.NewPCG(seed, 0xfa17))
	be.faults(true, fr, c)
	for k := range c.faultySyncs {
		before := be.writesIn(0)
		rep, err := rec.Sync(ctx, false) // errors are expected here
		if err != nil || rep.Errors > 0 {
			stats.faultyFailed.Add(1)
		}
		if v := be.violations(); len(v) > 0 {
			return fmt.Errorf("(a) faulty sync %d touched records that are not ours:\n%s", k+1, strings.Join(v, "\n"))
		}
		if c.zoneMismatch {
			var fe *model.FieldError
			if !errors.As(err, &fe) && !dns.IsTransient(err) {
				return fmt.Errorf("(a) faulty sync %d with a zone name that is not the zone id's: %v, want a field error", k+1, err)
			}
			if w := be.writesIn(0) - before; w != 0 {
				return fmt.Errorf("(a) faulty sync %d wrote %d times into a zone whose name the settings got wrong", k+1, w)
			}
		}
	}
	be.faults(false, nil, nil)
	if c.zoneMismatch {
		if err := setZoneName(propZone); err != nil {
			return err
		}
	}

	// The world moves on a little.
	clock = clock.Add(c.advance)
	if c.dropProxy >= 0 {
		if err := e.st.DeleteProxy(ctx, proxyIDs[c.dropProxy]); err != nil {
			return err
		}
	}
	if c.addProxy != "" {
		p := model.Proxy{Domain: c.addProxy, ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 8000}
		if err := e.st.CreateProxy(ctx, &p); err != nil {
			return err
		}
	}

	// One sync converges.
	rep, err := rec.Sync(ctx, false)
	if err != nil {
		return fmt.Errorf("(b) converging sync: %v", err)
	}
	if v := be.violations(); len(v) > 0 {
		return fmt.Errorf("(a) converging sync touched records that are not ours:\n%s", strings.Join(v, "\n"))
	}
	stats.created.Add(int64(rep.Created))
	stats.updated.Add(int64(rep.Updated))
	stats.deleted.Add(int64(rep.Deleted))
	stats.conflicts.Add(int64(rep.Conflicts))
	if err := e.converged(ctx, c, be, seeded, foreign, clock, rep); err != nil {
		return fmt.Errorf("(b) after one sync without faults: %v\nreport: %s", err, reportLines(rep))
	}

	// A second sync makes no write.
	before := be.writes()
	rep2, err := rec.Sync(ctx, false)
	if err != nil {
		return fmt.Errorf("(c) second sync: %v", err)
	}
	if w := be.writes() - before; w != 0 || rep2.Created+rep2.Updated+rep2.Deleted+rep2.Errors != 0 || rep2.APICalls != be.listCalls() {
		return fmt.Errorf("(c) second sync: %d writes, %d API calls, report %s", w, rep2.APICalls, reportLines(rep2))
	}
	if v := be.violations(); len(v) > 0 {
		return fmt.Errorf("(a) second sync touched records that are not ours:\n%s", strings.Join(v, "\n"))
	}
	return nil
}

func reportLines(rep Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "created %d updated %d deleted %d in_sync %d conflicts %d errors %d calls %d",
		rep.Created, rep.Updated, rep.Deleted, rep.AlreadySynced, rep.Conflicts, rep.Errors, rep.APICalls)
	for _, l := range rep.Records {
		fmt.Fprintf(&b, "\n  %s %s %s %s %s", l.Action, l.Type, l.FQDN, l.Content, l.Error)
	}
	return b.String()
}

// reset empties the tables a case fills, through the store.
func (e *propEnv) reset(ctx context.Context) error {
	ps, err := e.st.Proxies(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := e.st.DeleteProxy(ctx, p.ID); err != nil {
			return err
		}
	}
	is, err := e.st.Instances(ctx)
	if err != nil {
		return err
	}
	for _, i := range is {
		if err := e.st.DeleteInstance(ctx, i.ID); err != nil {
			return err
		}
	}
	rows, err := e.st.DNSRecords(ctx)
	if err != nil {
		return err
	}
	return e.st.PutDNSRecords(ctx, nil, rows)
}

// wanted is the oracle: the records the consumers of the case need in the
// zone (first consumer of a name wins: instances by subdomain, then
// proxies by domain), and the names outside the zone.
type wantRec struct {
	rec  dns.Record
	kind string
	id   int64
}

func (e *propEnv) wanted(ctx context.Context, c *propCase, now time.Time) (map[string]wantRec, map[string]bool, error) {
	want, outside := map[string]wantRec{}, map[string]bool{}
	add := func(name, kind string, id int64) {
		for _, t := range []struct{ typ, content string }{{"A", c.v4}, {"AAAA", c.v6}} {
			if t.content == "" {
				continue
			}
			k := key(name, t.typ)
			if _, ok := want[k]; ok || outside[k] {
				continue
			}
			if name != propZone && !strings.HasSuffix(name, "."+propZone) {
				outside[k] = true
				continue
			}
			ttl := c.ttl
			if c.proxied {
				ttl = 1
			}
			want[k] = wantRec{rec: dns.Record{Name: name, Type: t.typ, Content: t.content, TTL: ttl, Proxied: c.proxied, Owner: e.marker}, kind: kind, id: id}
		}
	}
	ins, err := e.st.Instances(ctx)
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].Subdomain < ins[j].Subdomain })
	for _, in := range ins {
		if in.ProxyRouteID == 0 {
			continue
		}
		if in.Status != model.StatusRunning && !now.Before(in.StatusChangedAt.Add(time.Duration(c.grace)*time.Second)) {
			continue
		}
		add(in.Subdomain+"."+propZone, model.KindInstance, in.ID)
	}
	ps, err := e.st.Proxies(ctx)
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Domain < ps[j].Domain })
	for _, p := range ps {
		add(p.Domain, model.KindProxy, p.ID)
	}
	return want, outside, nil
}

// converged checks (b).
func (e *propEnv) converged(ctx context.Context, c *propCase, be propBackend, seeded []dns.Record, foreign map[string]bool, now time.Time, rep Report) error {
	if rep.Errors != 0 {
		return fmt.Errorf("%d errors", rep.Errors)
	}
	want, outside, err := e.wanted(ctx, c, now)
	if err != nil {
		return err
	}
	rows, err := e.st.DNSRecords(ctx)
	if err != nil {
		return err
	}
	rowAt := map[string]model.DNSRecord{}
	for _, row := range rows {
		if row.ZoneID != propZoneID {
			return fmt.Errorf("a row of an earlier zone is left: %+v", row)
		}
		rowAt[key(row.FQDN, row.Type)] = row
	}
	lines := map[string]Line{}
	for _, l := range rep.Records {
		lines[key(l.FQDN, l.Type)+" "+string(l.Action)] = l
	}

	// Foreign records are all there, unchanged.
	for zone := range 2 {
		have := map[string]dns.Record{}
		for _, r := range be.records(zone) {
			have[r.ID] = r
		}
		for i, s := range c.seeds {
			if s.zone == zone && foreign[seeded[i].ID] {
				if got, ok := have[seeded[i].ID]; !ok || got != seeded[i] {
					return fmt.Errorf("foreign record %+v changed: %+v (present %v)", seeded[i], got, ok)
				}
			}
		}
	}
	// Nothing of ours is left in the earlier zone.
	for _, r := range be.records(1) {
		if !foreign[r.ID] {
			return fmt.Errorf("a record of ours is left in the earlier zone: %+v", r)
		}
	}

	// The current zone: ours and foreign by key.
	oursAt, foreignAt := map[string][]dns.Record{}, map[string][]dns.Record{}
	for _, r := range be.records(0) {
		k := key(normName(r.Name), strings.ToUpper(r.Type))
		if foreign[r.ID] {
			foreignAt[k] = append(foreignAt[k], r)
		} else {
			oursAt[k] = append(oursAt[k], r)
		}
	}
	for k, w := range want {
		// A name is held by any foreign A, AAAA or CNAME there, for both
		// address types: then it is a conflict, and nothing of ours (no
		// record, no row) stays at it.
		var held []dns.Record
		for _, typ := range []string{"A", "AAAA", "CNAME"} {
			held = append(held, foreignAt[key(w.rec.Name, typ)]...)
		}
		if len(held) > 0 {
			if _, ok := lines[k+" "+string(ActConflict)]; !ok {
				return fmt.Errorf("%s is held by %+v but no conflict is reported", k, held)
			}
			if len(oursAt[k]) > 0 {
				return fmt.Errorf("%s: records of ours %+v are left at a name someone else holds %+v", k, oursAt[k], held)
			}
			if row, tracked := rowAt[k]; tracked {
				return fmt.Errorf("%s: a row is kept for a name that a foreign record holds: %+v", k, row)
			}
			continue
		}
		got := oursAt[k]
		if len(got) != 1 {
			return fmt.Errorf("%s: want one record of ours, the provider has %+v", k, got)
		}
		if !dns.SameData(got[0], w.rec) {
			return fmt.Errorf("%s: the provider has %+v, want %+v", k, got[0], w.rec)
		}
		row, ok := rowAt[k]
		switch {
		case !ok:
			return fmt.Errorf("%s: no row tracks %+v", k, got[0])
		case row.State != model.RecordSynced || row.ProviderRecordID != got[0].ID || row.Content != got[0].Content || row.LastError != "":
			return fmt.Errorf("%s: row %+v does not match the record %+v", k, row, got[0])
		case row.ConsumerKind != w.kind || row.ConsumerID != w.id:
			return fmt.Errorf("%s: row %+v is not of consumer %s %d", k, row, w.kind, w.id)
		}
	}
	for k, rs := range oursAt {
		if _, ok := want[k]; !ok {
			return fmt.Errorf("%s is not wanted but records of ours are left: %+v", k, rs)
		}
	}
	for k, row := range rowAt {
		if _, ok := want[k]; !ok {
			return fmt.Errorf("%s is not wanted but its row is left: %+v", k, row)
		}
	}
	for k := range outside {
		if _, ok := lines[k+" "+string(ActOutsideZone)]; !ok {
			return fmt.Errorf("%s is outside the zone but not reported so", k)
		}
	}
	return nil
}

// The fake backend.

type fakeBackend struct {
	fakes    [2]*dnstest.Fake
	plain    bool
	seedHook func(id string, ours bool)
}

func newFakeBackend(e *propEnv, c *propCase) propBackend {
	b := &fakeBackend{plain: c.plain}
	foreign := map[string]bool{}
	var mu sync.Mutex // foreign is filled by seed, read by the checks
	for zone, name := range []string{propZone, propOtherZone} {
		f := dnstest.NewFake(name, e.marker, c.seed+uint64(zone))
		f.CheckWrite = func(method string, action dns.Action, target dns.Record) error {
			mu.Lock()
			defer mu.Unlock()
			return e.owns(e.t.Context(), foreign, zone, target)
		}
		b.fakes[zone] = f
	}
	b.seedHook = func(id string, ours bool) {
		mu.Lock()
		defer mu.Unlock()
		if !ours {
			foreign[id] = true
		}
	}
	return b
}

func (b *fakeBackend) seed(zone int, s propSeed) (dns.Record, error) {
	rec, err := b.fakes[zone].Seed(s.rec)
	if err == nil {
		b.seedHook(rec.ID, s.ours)
	}
	return rec, err
}

func (b *fakeBackend) records(zone int) []dns.Record { return b.fakes[zone].Records() }

func (b *fakeBackend) faults(on bool, r *rand.Rand, c *propCase) {
	for _, f := range b.fakes {
		if !on {
			f.SetFault(nil)
			continue
		}
		f.SetFault(func(call int64, method string) dnstest.Fault {
			x := r.Float64()
			switch {
			case x < c.pFail:
				return dnstest.FaultFail
			case x < c.pFail+c.pLost:
				return dnstest.FaultLost
			case x < c.pFail+c.pLost+c.pPartial:
				return dnstest.FaultPartial
			}
			return dnstest.FaultNone
		})
	}
}

func (b *fakeBackend) violations() []string {
	return append(b.fakes[0].Violations(), b.fakes[1].Violations()...)
}

func (b *fakeBackend) writes() int { return len(b.fakes[0].Ops()) + len(b.fakes[1].Ops()) }

func (b *fakeBackend) writesIn(zone int) int { return len(b.fakes[zone].Ops()) }

func (b *fakeBackend) factory() ProviderFactory {
	return func(s model.Settings) (dns.Provider, error) {
		var f *dnstest.Fake
		switch s.DNS().ZoneID {
		case propZoneID:
			f = b.fakes[0]
		case propOtherID:
			f = b.fakes[1]
		default:
			return nil, fmt.Errorf("no zone %q", s.DNS().ZoneID)
		}
		if dns.OwnerMarker(s.InstallationID) != f.Marker() {
			return nil, fmt.Errorf("marker %q, want %q", dns.OwnerMarker(s.InstallationID), f.Marker())
		}
		if b.plain {
			return dnstest.Plain{F: f}, nil
		}
		return f, nil
	}
}

func (b *fakeBackend) listCalls() int64 { return 1 }

func (b *fakeBackend) describe() string {
	var s strings.Builder
	for zone, f := range b.fakes {
		for _, op := range f.Ops() {
			fmt.Fprintf(&s, "  zone %d: %s\n", zone, op)
		}
	}
	return s.String()
}

func (b *fakeBackend) close() {}

// The Cloudflare backend: the real provider on the emulator, behind a
// handler that injects faults and checks every write before the emulator
// sees it.

type cfBackend struct {
	env     *propEnv
	emu     *cfemu.Server
	ts      *httptest.Server
	zones   [2]cfemu.Zone
	opts    *propCase
	mu      sync.Mutex
	foreign map[string]bool
	viol    []string
	log     []string
	rng     *rand.Rand // faults; nil: none
	nWrite  int
	nZone   [2]int // writes by zone
}

func newCFBackend(e *propEnv, c *propCase) propBackend {
	b := &cfBackend{env: e, opts: c, foreign: map[string]bool{}}
	b.emu = cfemu.New(cfemu.Options{RateLimit: -1})
	b.emu.AddToken(propToken, cfemu.TokenOptions{CanEdit: true})
	b.zones[0], b.zones[1] = b.emu.AddZone(propZone), b.emu.AddZone(propOtherZone)
	b.ts = httptest.NewServer(b.handler(b.emu))
	return b
}

func (b *cfBackend) close() { b.ts.Close() }

func (b *cfBackend) zoneIndex(id string) int {
	if id == b.zones[1].ID {
		return 1
	}
	return 0
}

func emuRecord(r cfemu.Record) dns.Record {
	return dns.Record{ID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied, Owner: r.Comment,
		CreatedOn: r.CreatedOn}
}

func (b *cfBackend) seed(zone int, s propSeed) (dns.Record, error) {
	in := cfemu.Record{Type: s.rec.Type, Name: s.rec.Name, Content: s.rec.Content, TTL: s.rec.TTL, Proxied: s.rec.Proxied, Comment: s.rec.Owner,
		CreatedOn: s.rec.CreatedOn}
	if s.mx {
		in.Priority = 10
	}
	rec, err := b.emu.AddRecord(b.zones[zone].ID, in)
	if err != nil {
		return dns.Record{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !s.ours {
		b.foreign[rec.ID] = true
	}
	return emuRecord(rec), nil
}

func (b *cfBackend) records(zone int) []dns.Record {
	var out []dns.Record
	for _, r := range b.emu.Records(b.zones[zone].ID) {
		out = append(out, emuRecord(r))
	}
	return out
}

func (b *cfBackend) faults(on bool, r *rand.Rand, c *propCase) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if on {
		b.rng = r
	} else {
		b.rng = nil
	}
}

func (b *cfBackend) violations() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.viol)
}

func (b *cfBackend) writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nWrite
}

func (b *cfBackend) writesIn(zone int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nZone[zone]
}

func (b *cfBackend) listCalls() int64 {
	n := len(b.emu.Records(b.zones[0].ID))
	return int64(max(1, (n+b.opts.pageSize-1)/b.opts.pageSize))
}

func (b *cfBackend) describe() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return "  " + strings.Join(b.log, "\n  ")
}

func (b *cfBackend) factory() ProviderFactory {
	return func(s model.Settings) (dns.Provider, error) {
		zone := b.zones[0]
		if s.DNS().ZoneID == propOtherID {
			zone = b.zones[1]
		}
		return cloudflare.New(cloudflare.Options{
			Token: s.CloudflareAPIToken, ZoneID: zone.ID, ZoneName: zone.Name,
			Marker: dns.OwnerMarker(s.InstallationID), BaseURL: b.ts.URL + "/client/v4/", HTTPClient: b.ts.Client(),
			RateLimit: -1, RetryBackoff: time.Millisecond, MaxRetries: b.opts.maxRetries,
			BatchSize: b.opts.batchSize, PageSize: b.opts.pageSize,
		})
	}
}

// targets are the ids a write request changes or deletes.
func writeTargets(r *http.Request, body []byte) []string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// client v4 zones {zone} dns_records [{id}|batch]
	if len(parts) == 6 && parts[5] == "batch" {
		var req struct {
			Deletes []struct{ ID string } `json:"deletes"`
			Patches []struct{ ID string } `json:"patches"`
			Puts    []struct{ ID string } `json:"puts"`
		}
		_ = json.Unmarshal(body, &req)
		var ids []string
		for _, l := range [][]struct{ ID string }{req.Deletes, req.Patches, req.Puts} {
			for _, x := range l {
				ids = append(ids, x.ID)
			}
		}
		return ids
	}
	if len(parts) == 6 && r.Method != http.MethodPost {
		return []string{parts[5]}
	}
	return nil
}

func (b *cfBackend) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		write := r.Method != http.MethodGet
		zone := 0
		if len(parts) >= 4 {
			zone = b.zoneIndex(parts[3])
		}
		b.mu.Lock()
		fault := "none"
		if b.rng != nil {
			x := b.rng.Float64()
			switch {
			case x < b.opts.pFail/2:
				fault = "503" // refused before the emulator sees it
			case x < b.opts.pFail:
				fault = "drop" // the connection drops before the request arrives
			case x < b.opts.pFail+b.opts.pLost:
				fault = "lost" // applied, then the connection drops
			}
		}
		if write {
			b.nWrite++
			b.nZone[zone]++
			b.log = append(b.log, fmt.Sprintf("zone %d %s %s %s fault=%s", zone, r.Method, r.URL.Path, body, fault))
			current := map[string]dns.Record{}
			for _, rec := range b.records(zone) {
				current[rec.ID] = rec
			}
			for _, id := range writeTargets(r, body) {
				if target, ok := current[id]; ok {
					if err := b.env.owns(r.Context(), b.foreign, zone, target); err != nil {
						b.viol = append(b.viol, fmt.Sprintf("%s %s touches %+v: %v", r.Method, r.URL.Path, target, err))
					}
				}
			}
		}
		b.mu.Unlock()
		switch fault {
		case "503":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"success":false,"errors":[{"code":10013,"message":"Service Unavailable"}],"messages":[],"result":null}`))
		case "drop":
			hangUp(w)
		case "lost":
			next.ServeHTTP(httptest.NewRecorder(), r)
			hangUp(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// TestFailedDeleteKeepsTheRow: a name that is no longer wanted has our
// record (its row tracks the id) and, beside it, a hand-made copy that
// carries our exact marker. The copy is never ours: no sync deletes it.
// When the delete of ours fails, the row must stay (state error, its id
// kept): without it the record would no longer be ours, and no later sync
// would ever delete it. Through the one-call-per-change path (fake) and
// through Cloudflare batches.
func TestFailedDeleteKeepsTheRow(t *testing.T) {
	const name = "gone.example.com"
	setup := func(t *testing.T, e *propEnv, zoneID string) {
		if _, _, err := e.st.UpdateSettings(t.Context(), func(s model.Settings) (model.Settings, error) {
			s.Domain, s.PublicIPv4, s.WildcardDNS, s.DNSProvider = propZone, "203.0.113.10", false, model.ProviderCloudflare
			s.CloudflareAPIToken, s.CloudflareZoneID, s.CloudflareZoneName = propToken, zoneID, propZone
			return s, s.Normalize()
		}); err != nil {
			t.Fatal(err)
		}
	}
	row := func(zoneID, id string) model.DNSRecord {
		return model.DNSRecord{Provider: model.ProviderCloudflare, ZoneID: zoneID, FQDN: name, Type: "A", Content: "203.0.113.10",
			ProviderRecordID: id, ConsumerKind: model.KindProxy, ConsumerID: 7, State: model.RecordSynced}
	}
	check := func(t *testing.T, e *propEnv, r *Reconciler, ours, copied string, left func() map[string]bool) {
		t.Helper()
		if _, err := r.Sync(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		rows, _ := e.st.DNSRecords(t.Context())
		if l := left(); !l[ours] || !l[copied] {
			t.Fatalf("after a failed delete, records %v are left; want ours %s and the copy %s", l, ours, copied)
		}
		if len(rows) != 1 || rows[0].ProviderRecordID != ours || rows[0].State != model.RecordError {
			t.Errorf("after the delete of %s failed, rows %+v; want its row kept with the error", ours, rows)
		}
		if _, err := r.Sync(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		rows, _ = e.st.DNSRecords(t.Context())
		if l := left(); l[ours] || !l[copied] || len(l) != 1 || len(rows) != 0 {
			t.Errorf("a sync without faults leaves records %v and rows %+v; want only the copy %s", l, rows, copied)
		}
	}

	t.Run("fake", func(t *testing.T) {
		e := newPropEnv(t)
		setup(t, e, propZoneID)
		f := dnstest.NewFake(propZone, e.marker, 1)
		first, _ := f.Seed(dns.Record{Name: name, Type: "A", Content: "203.0.113.10", Owner: e.marker})
		copied, _ := f.Seed(dns.Record{Name: name, Type: "A", Content: "192.0.2.1", Owner: e.marker})
		if err := e.st.PutDNSRecords(t.Context(), []model.DNSRecord{row(propZoneID, first.ID)}, nil); err != nil {
			t.Fatal(err)
		}
		// Calls: 1 zone, 2 list, 3 delete (fails).
		f.SetFault(func(call int64, _ string) dnstest.Fault {
			if call == 3 {
				return dnstest.FaultFail
			}
			return dnstest.FaultNone
		})
		f.CheckWrite = func(_ string, _ dns.Action, target dns.Record) error {
			if target.ID == copied.ID {
				return errors.New("the hand-made copy is not ours")
			}
			return nil
		}
		rec := New(e.st, func(model.Settings) (dns.Provider, error) { return dnstest.Plain{F: f}, nil }, quietLog, nil)
		check(t, e, rec, first.ID, copied.ID, func() map[string]bool {
			out := map[string]bool{}
			for _, r := range f.Records() {
				if r.Name == name {
					out[r.ID] = true
				}
			}
			return out
		})
		if v := f.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})

	t.Run("cloudflare", func(t *testing.T) {
		e := newPropEnv(t)
		emu := cfemu.New(cfemu.Options{RateLimit: -1})
		zone := emu.AddZone(propZone)
		emu.AddToken(propToken, cfemu.TokenOptions{CanEdit: true})
		setup(t, e, zone.ID)
		first, _ := emu.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: name, Content: "203.0.113.10", Comment: e.marker})
		copied, _ := emu.AddRecord(zone.ID, cfemu.Record{Type: "A", Name: name, Content: "192.0.2.1", Comment: e.marker})
		if err := e.st.PutDNSRecords(t.Context(), []model.DNSRecord{row(zone.ID, first.ID)}, nil); err != nil {
			t.Fatal(err)
		}
		// Calls: 1 zone, 2 list, 3 batch (the delete; 503).
		var calls atomic.Int64
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 3 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"success":false,"errors":[{"code":10013,"message":"Service Unavailable"}],"messages":[],"result":null}`))
				return
			}
			emu.ServeHTTP(w, r)
		}))
		defer ts.Close()
		rec := New(e.st, func(s model.Settings) (dns.Provider, error) {
			return cloudflare.New(cloudflare.Options{
				Token: s.CloudflareAPIToken, ZoneID: s.CloudflareZoneID, ZoneName: s.CloudflareZoneName,
				Marker: dns.OwnerMarker(s.InstallationID), BaseURL: ts.URL + "/client/v4/", HTTPClient: ts.Client(),
				RateLimit: -1, MaxRetries: -1, BatchSize: 1,
			})
		}, quietLog, nil)
		check(t, e, rec, first.ID, copied.ID, func() map[string]bool {
			out := map[string]bool{}
			for _, r := range emu.Records(zone.ID) {
				if r.Name == name {
					out[r.ID] = true
				}
			}
			return out
		})
	})
}

// TestForeignCNAMEHoldsTheName: a CNAME that is not ours holds its name
// for every other type too (DNS allows nothing beside a CNAME, and
// Cloudflare refuses an A or AAAA there with code 81054). A consumer of
// that name is a conflict, reported and left alone, like a foreign A
// record: not an error retried by every sync, each with a write call.
func TestForeignCNAMEHoldsTheName(t *testing.T) {
	w := newWorld(t)
	cname, err := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "CNAME", Name: "alias.example.com", Content: "target.example.net"})
	if err != nil {
		t.Fatal(err)
	}
	w.proxy("alias.example.com")
	w.proxy("ok.example.com")
	rep := w.sync()
	if !hasLine(rep, "alias.example.com", ActConflict) || rep.Errors != 0 {
		t.Errorf("first sync: want a conflict on alias.example.com and no error: %s", reportLines(rep))
	}
	w.emu.ResetCalls()
	rep = w.sync()
	if w.writes() != 0 || rep.Errors != 0 {
		t.Errorf("second sync: %d write calls; %s", w.writes(), reportLines(rep))
	}
	checkZone(t, w.st, w.emu, w.zone, w.marker(), map[string]string{"ok.example.com": "203.0.113.10"}, []cfemu.Record{cname})
}
