package api

import (
	"net/http"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// expiringWithin is how close to its end a certificate counts as expiring
// soon on the dashboard.
const expiringWithin = 14 * 24 * time.Hour

// Reachability of the DNS provider and the state of ACME, as the summary
// says them.
const (
	reachOK      = "ok"
	reachError   = "error"
	reachUnknown = "unknown" // no sync in this mode yet
	reachNone    = "none"    // wildcard mode: no provider is used
	acmeOff      = "off"
	acmePending  = "pending"
)

// summary is GET /api/summary: what the dashboard shows, in one answer,
// from what the server knows already. It never calls the DNS provider or
// the CA: their reachability is what the last sync and the certificate
// manager saw.
type summary struct {
	Domain       string             `json:"domain"`
	Apps         int                `json:"apps"`
	Instances    instanceCounts     `json:"instances"`
	Proxies      int                `json:"proxies"`
	Engine       string             `json:"engine"` // "ok" or "unreachable", as /healthz says
	DNS          dnsSummary         `json:"dns"`
	Certificates certificateSummary `json:"certificates"`
}

type instanceCounts struct {
	Total     int `json:"total"`
	Running   int `json:"running"`
	Deploying int `json:"deploying"`
	Stopped   int `json:"stopped"`
	Failed    int `json:"failed"`
}

type dnsSummary struct {
	Mode     string `json:"mode"` // "wildcard" or "managed"
	Provider string `json:"provider"`
	ZoneName string `json:"zone_name"`
	// Records counts the lines of GET /api/dns/records; States counts them
	// by state (only the states that occur).
	Records  int            `json:"records"`
	States   map[string]int `json:"states"`
	LastSync *syncCounts    `json:"last_sync"` // the last saved report; null before the first
	// Provider is ok, error, unknown or none; LastError (with LastErrorAt)
	// why it is error: the last sync failed, or the provider refused a
	// record in the last report.
	ProviderState string     `json:"provider_state"`
	LastError     string     `json:"last_error"`
	LastErrorAt   *time.Time `json:"last_error_at"`
}

// syncCounts is a sync report without its lines (a dashboard asks after
// every event; a report may have thousands).
type syncCounts struct {
	reconcile.Report
	Records *struct{} `json:"records,omitempty"` // hides the report's lines
}

type certificateSummary struct {
	Enabled bool           `json:"enabled"`
	Total   int            `json:"total"`
	States  map[string]int `json:"states"`
	// ExpiringSoon counts those in state expiring or error, or ending
	// within 14 days; NextExpiry is the earliest end of any.
	ExpiringSoon int        `json:"expiring_soon"`
	NextExpiry   *time.Time `json:"next_expiry"`
	// ACME is ok (every certificate valid), pending (some still to be
	// obtained or being renewed), error (the CA or a challenge failed:
	// LastError) or off (no certificate is planned).
	ACME      string `json:"acme"`
	LastError string `json:"last_error"`
}

// summaryInput is what the summary is made of.
type summaryInput struct {
	settings  model.Settings
	apps      int
	instances []model.Instance
	proxies   int
	engineUp  bool
	records   reconcile.RecordsView
	lastRun   reconcile.RunOutcome
	certsOn   bool
	certs     []certs.Status
	now       time.Time
}

func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	in := summaryInput{now: time.Now(), engineUp: s.deployer != nil && s.deployer.EngineUp()}
	var err error
	if in.settings, err = s.store.Settings(ctx); err != nil {
		return err
	}
	apps, err := s.store.Apps(ctx)
	if err != nil {
		return err
	}
	if in.instances, err = s.store.Instances(ctx); err != nil {
		return err
	}
	proxies, err := s.store.Proxies(ctx)
	if err != nil {
		return err
	}
	in.apps, in.proxies = len(apps), len(proxies)
	if in.records, err = s.reconciler.Records(ctx, reconcile.Filter{}); err != nil {
		return err
	}
	in.lastRun = s.reconciler.LastRun()
	if s.certs != nil {
		in.certsOn, in.certs = s.certs.Enabled(), s.certs.Status()
	}
	return writeJSON(w, http.StatusOK, buildSummary(in))
}

// buildSummary counts and judges; it is pure.
func buildSummary(in summaryInput) summary {
	out := summary{Domain: in.settings.Domain, Apps: in.apps, Proxies: in.proxies, Engine: "unreachable"}
	if in.engineUp {
		out.Engine = "ok"
	}
	for _, i := range in.instances {
		out.Instances.Total++
		switch i.Status {
		case model.StatusRunning:
			out.Instances.Running++
		case model.StatusDeploying:
			out.Instances.Deploying++
		case model.StatusStopped:
			out.Instances.Stopped++
		case model.StatusFailed:
			out.Instances.Failed++
		}
	}
	out.DNS = dnsSummaryOf(in.records, in.lastRun)
	out.Certificates = certificateSummaryOf(in.certsOn, in.certs, in.now)
	return out
}

func dnsSummaryOf(v reconcile.RecordsView, last reconcile.RunOutcome) dnsSummary {
	d := dnsSummary{Mode: v.Mode, Provider: v.Provider, ZoneName: v.ZoneName, Records: len(v.Records), States: map[string]int{}}
	for _, r := range v.Records {
		d.States[r.State]++
	}
	if rep := v.LastSync; rep != nil {
		d.LastSync = &syncCounts{Report: *rep}
	}
	switch {
	case v.Mode != "managed":
		d.ProviderState = reachNone
	case last.Err != "":
		// LastRun is this process's last sync: newer than any saved report.
		at := last.At
		d.ProviderState, d.LastError, d.LastErrorAt = reachError, last.Err, &at
	case v.LastSync == nil || v.LastSync.Mode != "managed":
		d.ProviderState = reachUnknown
	case v.LastSync.Errors > 0:
		at := v.LastSync.StartedAt
		d.ProviderState, d.LastErrorAt = reachError, &at
		for _, l := range v.LastSync.Records {
			if l.Action == reconcile.ActError && l.Error != "" {
				d.LastError = l.Error
				break
			}
		}
	default:
		d.ProviderState = reachOK
	}
	return d
}

func certificateSummaryOf(enabled bool, list []certs.Status, now time.Time) certificateSummary {
	c := certificateSummary{Enabled: enabled, Total: len(list), States: map[string]int{}, ACME: reachOK}
	pending := len(list) == 0
	for _, s := range list {
		c.States[s.State]++
		soon := s.NotAfter != nil && s.NotAfter.Sub(now) < expiringWithin
		switch s.State {
		case certs.StateError, certs.StateExpiring:
			soon = true
			if c.LastError == "" {
				c.LastError = s.LastError
			}
		case certs.StatePending, certs.StateObtaining, certs.StateRenewing:
			pending = true
		}
		if soon {
			c.ExpiringSoon++
		}
		if s.NotAfter != nil && (c.NextExpiry == nil || s.NotAfter.Before(*c.NextExpiry)) {
			na := *s.NotAfter
			c.NextExpiry = &na
		}
	}
	switch {
	case !enabled:
		c.ACME = acmeOff
	case c.States[certs.StateError]+c.States[certs.StateExpiring] > 0:
		c.ACME = reachError
	case pending:
		c.ACME = acmePending
	}
	return c
}
