package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
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

	mu       sync.Mutex // one run at a time
	provKey  string
	provider dns.Provider // kept between runs: its rate limiter must see every call
	// cleanup holds the settings of an earlier configuration whose records
	// are still to be removed (their credentials may be gone from the
	// current settings).
	cleanup *model.Settings
}

// New returns a Reconciler. reg may be nil.
func New(st *store.Store, providers ProviderFactory, log *slog.Logger, reg prometheus.Registerer) *Reconciler {
	return &Reconciler{store: st, providers: providers, log: log, now: time.Now, metrics: newMetrics(reg)}
}

// providerFor returns the provider of s, reusing the last one while its
// configuration is the same.
func (r *Reconciler) providerFor(s model.Settings) (dns.Provider, error) {
	h := sha256.Sum256([]byte(s.DNSProvider + "\x00" + s.DNSZoneID() + "\x00" + s.CloudflareAPIToken + "\x00" + s.InstallationID))
	k := string(h[:])
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
	defer func() {
		rep.DurationMS = r.now().Sub(start).Milliseconds()
		if !dryRun {
			r.metrics.observe(rep, err)
			if err != nil {
				return
			}
			if b, jerr := json.Marshal(rep); jerr == nil {
				if serr := r.store.SaveSyncReport(context.WithoutCancel(ctx), start, b); serr != nil {
					r.log.Error("save the DNS sync report", slog.Any("err", serr))
				}
			}
		}
	}()

	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return rep, err
	}
	current := Target{Provider: st.DNSProvider, ZoneID: st.DNSZoneID()}
	var mine, stale []model.DNSRecord
	for _, row := range rows {
		if st.Managed() && row.Provider == current.Provider && row.ZoneID == current.ZoneID {
			mine = append(mine, row)
		} else {
			stale = append(stale, row)
		}
	}
	if err := r.removeStale(ctx, st, stale, dryRun, &rep); err != nil {
		return rep, err
	}
	if !st.Managed() {
		return rep, nil
	}
	if current.ZoneID == "" {
		return rep, &model.FieldError{Field: "cloudflare_zone_id", Message: "no DNS zone is selected: choose one in Settings → DNS"}
	}
	if st.DNSProvider == model.ProviderCloudflare && st.CloudflareAPIToken == "" {
		return rep, &model.FieldError{Field: "cloudflare_api_token", Message: "no Cloudflare API token is stored: enter one in Settings → DNS"}
	}
	p, err := r.providerFor(st)
	if err != nil {
		return rep, err
	}
	before := calls(p)
	defer func() { rep.APICalls += calls(p) - before }()

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
	return rep, Apply(ctx, p, r.store, current, changes, actual, r.now(), &rep)
}

// planLines reports what a plan would do.
func planLines(c Changes, rep *Report) {
	for _, it := range c.Create {
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActCreate})
	}
	for _, it := range c.Update {
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActUpdate})
	}
	for _, it := range c.Delete {
		rep.add(Line{FQDN: it.Current.Name, Type: it.Current.Type, Content: it.Current.Content, Action: ActDelete})
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
	want, outside = Desired(Consumers(instances, proxies, st, r.now()), st)
	return want, outside, nil
}

// removeStale deletes the records of rows that the current configuration
// does not own (another provider, zone, or wildcard mode), with the
// credentials of the configuration that made them when we still have them.
// A failed delete keeps its row, with the error, for the next run.
func (r *Reconciler) removeStale(ctx context.Context, st model.Settings, stale []model.DNSRecord, dryRun bool, rep *Report) error {
	groups := map[Target][]model.DNSRecord{}
	for _, row := range stale {
		t := Target{Provider: row.Provider, ZoneID: row.ZoneID}
		groups[t] = append(groups[t], row)
	}
	failed := false
	for t, rows := range groups {
		creds := st
		if r.cleanup != nil {
			creds = *r.cleanup
		}
		creds.DNSProvider, creds.WildcardDNS = t.Provider, false
		if t.Provider == model.ProviderCloudflare {
			creds.CloudflareZoneID = t.ZoneID
		}
		if dryRun {
			for _, row := range rows {
				rep.add(Line{FQDN: row.FQDN, Type: row.Type, Content: row.Content, Action: ActDelete})
			}
			continue
		}
		if err := r.removeRows(ctx, creds, t, rows, rep); err != nil {
			failed = true
			r.log.Warn("remove the DNS records of an earlier configuration", slog.String("zone", t.ZoneID), slog.Any("err", err))
		}
	}
	if !failed && !dryRun {
		r.cleanup = nil
	}
	return nil
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
	if creds.CloudflareAPIToken == "" && t.Provider == model.ProviderCloudflare {
		return fail(errors.New("no Cloudflare API token left to delete this record with"))
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
	return Apply(ctx, p, r.store, t, changes, actual, r.now(), rep)
}

// SettingsChanged notes a settings change: when the DNS configuration
// changed, the records the old one owns are removed (with its credentials)
// by the next run.
func (r *Reconciler) SettingsChanged(old, updated model.Settings) (dnsChanged bool) {
	oldKey := fmt.Sprint(old.Managed(), old.DNSProvider, old.DNSZoneID(), old.CloudflareAPIToken)
	newKey := fmt.Sprint(updated.Managed(), updated.DNSProvider, updated.DNSZoneID(), updated.CloudflareAPIToken)
	changed := oldKey != newKey || old.PublicIPv4 != updated.PublicIPv4 || old.PublicIPv6 != updated.PublicIPv6 ||
		old.Domain != updated.Domain || old.DNSTTL != updated.DNSTTL || old.CloudflareProxied != updated.CloudflareProxied ||
		old.DNSDeleteGraceSeconds != updated.DNSDeleteGraceSeconds
	if oldKey != newKey && old.Managed() {
		r.mu.Lock()
		if r.cleanup == nil {
			o := old
			r.cleanup = &o
		}
		r.mu.Unlock()
	}
	return changed
}
