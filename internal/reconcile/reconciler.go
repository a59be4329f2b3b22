package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// ProviderFactory builds the DNS provider of some settings.
type ProviderFactory func(model.Settings) (dns.Provider, error)

// Reconciler runs syncs, one at a time.
type Reconciler struct {
	store     *store.Store
	providers ProviderFactory
	log       *slog.Logger
	now       func() time.Time
	metrics   *metrics
	// events, when set, hears of every saved sync (for the UI's live
	// pages); Wire sets it.
	events *events.Bus

	mu       sync.Mutex // one run at a time
	provKey  string
	provider dns.Provider // kept between runs: its rate limiter must see every call
	// zoneOK is the provKey whose zone name was read from the provider
	// and found to match the settings: zone ids do not change name.
	zoneOK string

	last atomic.Pointer[RunOutcome] // read without waiting for a run under way
}

// RunOutcome is how the last sync (not a dry run) of this process ended.
type RunOutcome struct {
	At  time.Time // when it ended; zero before the first
	Err string    // why it failed; "" when it succeeded (its report is saved)
}

// LastRun is how the last sync of this process ended: a failed sync
// saves no report, so this is where its error is kept (in memory only:
// the start-up sync tells again after a restart). It never waits for a
// sync under way.
func (r *Reconciler) LastRun() RunOutcome {
	if o := r.last.Load(); o != nil {
		return *o
	}
	return RunOutcome{}
}

// New returns a Reconciler. reg may be nil.
func New(st *store.Store, providers ProviderFactory, log *slog.Logger, reg prometheus.Registerer) *Reconciler {
	return &Reconciler{store: st, providers: providers, log: log, now: time.Now, metrics: newMetrics(reg)}
}

// providerFor returns the provider of s, reusing the last one while its
// configuration is the same.
func (r *Reconciler) providerFor(s model.Settings) (dns.Provider, error) {
	k := s.DNS().Key()
	if r.provider != nil && r.provKey == k {
		return r.provider, nil
	}
	p, err := r.providers(s)
	if err != nil {
		return nil, err
	}
	r.provider, r.provKey = p, k
	return p, nil
}

func calls(p dns.Provider) int64 {
	if c, ok := p.(dns.CallCounter); ok {
		return c.Calls()
	}
	return 0
}

// Sync reconciles the provider with the consumers and returns the report.
// With dryRun it only lists and plans.
func (r *Reconciler) Sync(ctx context.Context, dryRun bool) (Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sync(ctx, dryRun)
}

func (r *Reconciler) sync(ctx context.Context, dryRun bool) (rep Report, err error) {
	start := r.now()
	st, err := r.store.Settings(ctx)
	if err != nil {
		return rep, err
	}
	rep = Report{Mode: "wildcard", Provider: st.DNSProvider, ZoneName: st.DNSZoneName(), DryRun: dryRun, StartedAt: start.UTC(), Records: []Line{}}
	if st.Managed() {
		rep.Mode = "managed"
	}
	var seen *observation
	defer func() {
		rep.DurationMS = r.now().Sub(start).Milliseconds()
		if !dryRun {
			r.metrics.observe(rep, err)
			switch {
			case err != nil && ctx.Err() != nil:
				return // cancelled (a shutdown, a client gone): says nothing of the provider
			case err != nil:
				// A failed sync saves no report: the dashboard learns of it here.
				r.last.Store(&RunOutcome{At: r.now().UTC(), Err: err.Error()})
			default:
				r.saveReport(context.WithoutCancel(ctx), start, rep, seen)
				r.last.Store(&RunOutcome{At: r.now().UTC()})
			}
			if r.events != nil {
				r.events.Publish(events.Event{Kind: events.DNSSynced, Subject: "dns"})
			}
		}
	}()

	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return rep, err
	}
	current := st.DNS().Target()
	mine, stale := splitRows(st, rows)
	if err := r.removeStale(ctx, st, stale, dryRun, &rep); err != nil {
		return rep, err
	}
	if !st.Managed() {
		return rep, nil
	}
	if err := st.DNS().Ready(); err != nil {
		return rep, err
	}
	p, err := r.providerFor(st)
	if err != nil {
		return rep, err
	}
	before := calls(p)
	defer func() { rep.APICalls += calls(p) - before }()
	if err := r.checkZone(ctx, p, st); err != nil {
		return rep, err
	}

	actual, err := p.ListRecords(ctx)
	if err != nil {
		return rep, err
	}
	want, outside, err := r.desired(ctx, st)
	if err != nil {
		return rep, err
	}
	changes := Plan(want, actual, mine, dns.OwnerMarker(st.InstallationID))
	for _, w := range outside {
		rep.add(Line{FQDN: w.Record.Name, Type: w.Record.Type, Content: w.Record.Content, Action: ActOutsideZone,
			Error: "outside the zone " + st.DNSZoneName() + "; not written"})
	}
	if dryRun {
		planLines(changes, &rep)
		return rep, nil
	}
	after, err := Apply(ctx, p, r.store, current, changes, actual, r.now(), &rep)
	seen = &observation{Target: current, Records: relevant(after, want, mine)}
	return rep, err
}

// splitRows parts the rows into those of the zone the settings manage and
// the stale ones: of an earlier zone or provider, or of managed mode.
func splitRows(st model.Settings, rows []model.DNSRecord) (mine, stale []model.DNSRecord) {
	for _, row := range rows {
		if st.Managed() && row.Target() == st.DNS().Target() {
			mine = append(mine, row)
		} else {
			stale = append(stale, row)
		}
	}
	return mine, stale
}

// checkZone reads the zone's name from the provider by its id, once per
// configuration (a zone id never changes its name): a zone id of another
// zone would write records under names the user never meant.
func (r *Reconciler) checkZone(ctx context.Context, p dns.Provider, st model.Settings) error {
	zr, ok := p.(dns.ZoneReader)
	if !ok || r.zoneOK == r.provKey {
		return nil
	}
	z, err := zr.Zone(ctx)
	if err != nil {
		return err
	}
	if err := st.CheckZone(z.Name); err != nil {
		return err
	}
	r.zoneOK = r.provKey
	return nil
}

// CheckSettings reads, when a settings change chose a zone or credentials,
// the zone's name from the provider by its id and returns updated with that
// name: the client's word for it is never taken. A name the client gave
// that differs, or a domain outside the zone, is a field error. When the
// provider cannot be asked, the change is kept as given: the sync checks
// the zone before it writes. It builds a provider of its own, so it never
// waits behind a running sync.
func (r *Reconciler) CheckSettings(ctx context.Context, old, updated model.Settings, givenName string) (model.Settings, error) {
	if updated.DNSProvider == model.ProviderNone || updated.DNS().ZoneID == "" {
		return updated, nil
	}
	sameZone := old.DNS().Key() == updated.DNS().Key() && old.DNSZoneName() == updated.DNSZoneName()
	if sameZone && old.Domain == updated.Domain {
		return updated, nil
	}
	if updated.DNS().Ready() != nil {
		return updated, nil // nothing to ask the provider with yet; the sync checks before it writes
	}
	p, err := r.providers(updated)
	if err != nil {
		return updated, err
	}
	zr, ok := p.(dns.ZoneReader)
	if !ok {
		return updated, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	z, err := zr.Zone(ctx)
	if err != nil {
		// The provider cannot say now (down, or the token is refused):
		// the settings are saved as given, and every sync reads the zone
		// again before it writes anything, refusing a name that is not
		// the zone's.
		r.log.Info("the DNS zone could not be read to check its name; the next sync checks it", slog.Any("err", err))
		return updated, nil
	}
	return updated.WithZoneName(z.Name, givenName)
}

// observation is what a sync saw at the provider, at the names that
// matter, as its changes left it: the records page classifies with it.
type observation struct {
	Target  model.DNSTarget
	Records []dns.Record
}

// relevant keeps the records at the names of the wanted records and rows.
func relevant(recs []dns.Record, want []Want, rows []model.DNSRecord) []dns.Record {
	names := map[string]bool{}
	for _, w := range want {
		names[w.Record.Name] = true
	}
	for _, row := range rows {
		names[row.FQDN] = true
	}
	out := []dns.Record{}
	for _, rec := range recs {
		if names[rec.Normalize().Name] {
			out = append(out, rec)
		}
	}
	return out
}

func (r *Reconciler) saveReport(ctx context.Context, start time.Time, rep Report, seen *observation) {
	b, err := json.Marshal(rep)
	if err != nil {
		return
	}
	var obs []byte
	if seen != nil {
		obs, _ = json.Marshal(seen)
	}
	if err := r.store.SaveSyncReport(ctx, start, b, obs); err != nil {
		r.log.Error("save the DNS sync report", slog.Any("err", err))
	}
}

// planLines reports what a plan would do.
func planLines(c Changes, rep *Report) {
	for _, s := range planSteps(c) {
		rep.add(Line{FQDN: s.change.Record.Name, Type: s.change.Record.Type, Content: s.change.Record.Content, Action: Action(s.change.Action)})
	}
	for _, it := range c.InSync {
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActInSync})
	}
	for _, it := range c.Conflicts {
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActConflict, Error: it.Reason})
	}
}

// desired reads the consumers and returns the records they need.
func (r *Reconciler) desired(ctx context.Context, st model.Settings) (want, outside []Want, err error) {
	instances, err := r.store.Instances(ctx)
	if err != nil {
		return nil, nil, err
	}
	proxies, err := r.store.Proxies(ctx)
	if err != nil {
		return nil, nil, err
	}
	want, outside = Desired(consumer.List(instances, proxies, st, r.now()), st)
	return want, outside, nil
}

// removeStale deletes the records of rows that the current configuration
// does not own (another provider, zone, or wildcard mode), with the
// credentials kept for that zone when it was left. A failed delete keeps
// its row, with the error, for the next run; the credentials stay until
// the zone's last row is gone.
func (r *Reconciler) removeStale(ctx context.Context, st model.Settings, stale []model.DNSRecord, dryRun bool, rep *Report) error {
	groups := map[Target][]model.DNSRecord{}
	var targets []Target
	for _, row := range stale {
		t := row.Target()
		if groups[t] == nil {
			targets = append(targets, t)
		}
		groups[t] = append(groups[t], row)
	}
	cleanups, err := r.store.DNSCleanups(ctx)
	if err != nil {
		return err
	}
	for _, t := range targets {
		rows := groups[t]
		if dryRun {
			for _, row := range rows {
				rep.add(Line{FQDN: row.FQDN, Type: row.Type, Content: row.Content, Action: ActDelete})
			}
			continue
		}
		msg := ""
		if err := r.removeRows(ctx, cleanupSettings(st, t, cleanups), t, rows, rep); err != nil {
			msg = err.Error()
			r.log.Warn("remove the DNS records of an earlier configuration", slog.String("zone", t.ZoneID), slog.Any("err", err))
		}
		if err := r.store.SetDNSCleanupError(context.WithoutCancel(ctx), t, msg); err != nil {
			return err
		}
	}
	if dryRun {
		return nil
	}
	for _, c := range cleanups {
		if _, err := r.store.DeleteDNSCleanupIfDone(context.WithoutCancel(ctx), c.DNSTarget); err != nil {
			return err
		}
	}
	return nil
}

// cleanupSettings are the settings to remove the records of zone t with:
// the credentials kept when it was left, else (a database from before they
// were kept) the current ones of the same provider.
func cleanupSettings(st model.Settings, t Target, cleanups []model.DNSCleanup) model.Settings {
	for _, c := range cleanups {
		if c.DNSTarget == t {
			return st.ForCleanup(c)
		}
	}
	c := model.DNSCleanup{DNSTarget: t}
	if t.Provider == st.DNSProvider {
		c.Credentials = st.DNS().Credentials
	}
	return st.ForCleanup(c)
}

// removeRows deletes the records of some rows of one provider and zone.
func (r *Reconciler) removeRows(ctx context.Context, creds model.Settings, t Target, rows []model.DNSRecord, rep *Report) error {
	fail := func(err error) error {
		put := make([]model.DNSRecord, len(rows))
		for i, row := range rows {
			row.State, row.LastError = model.RecordError, err.Error()
			put[i] = row
			rep.add(Line{FQDN: row.FQDN, Type: row.Type, Content: row.Content, Action: ActDelete, Error: err.Error()})
		}
		if perr := r.store.PutDNSRecords(context.WithoutCancel(ctx), put, nil); perr != nil {
			return perr
		}
		return err
	}
	if err := creds.DNS().Ready(); err != nil {
		return fail(fmt.Errorf("no credentials are left to delete these records with: %w", err))
	}
	p, err := r.providers(creds)
	if err != nil {
		return fail(err)
	}
	before := calls(p)
	defer func() { rep.APICalls += calls(p) - before }()
	actual, err := p.ListRecords(ctx)
	if err != nil {
		return fail(err)
	}
	// Nothing is wanted in that zone any more: the plan deletes what is
	// ours there and forgets the rest.
	changes := Plan(nil, actual, rows, dns.OwnerMarker(creds.InstallationID))
	first := len(rep.Records)
	if _, err := Apply(ctx, p, r.store, t, changes, actual, r.now(), rep); err != nil {
		return err
	}
	for _, l := range rep.Records[first:] {
		if l.Action == ActError {
			return errors.New(l.Error)
		}
	}
	return nil
}

// SettingsChanged reports whether a settings change concerns DNS records
// (their configuration, names, addresses, TTL or grace period): then a
// sync should run soon. The records of a zone that was left are removed by
// that run, with the credentials the store kept for it.
func SettingsChanged(old, updated model.Settings) (dnsChanged bool) {
	return old.DNS().Key() != updated.DNS().Key() || old.Managed() != updated.Managed() ||
		old.DNSZoneName() != updated.DNSZoneName() || old.PublicIPv4 != updated.PublicIPv4 ||
		old.PublicIPv6 != updated.PublicIPv6 || old.Domain != updated.Domain || old.DNSTTL != updated.DNSTTL ||
		old.DNS().Proxied != updated.DNS().Proxied || old.DNSDeleteGraceSeconds != updated.DNSDeleteGraceSeconds
}
