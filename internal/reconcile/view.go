package reconcile

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Record states of the records view, beside the row states.
const (
	StateConflict    = "conflict"
	StateOrphan      = "orphan"
	StateGrace       = "grace"
	StateOutsideZone = "outside_zone"
	StateWildcard    = "wildcard"
	StateEarlierZone = "earlier_zone" // left in the zone of an earlier configuration, to be removed
)

// RecordView is one line of the records page: an expected or an owned
// record, and its state.
type RecordView struct {
	FQDN         string     `json:"fqdn"`
	Type         string     `json:"type"`
	Content      string     `json:"content"`
	State        string     `json:"state"`
	ConsumerKind string     `json:"consumer_kind"`
	ConsumerID   int64      `json:"consumer_id"`
	ConsumerName string     `json:"consumer_name"`
	LastError    string     `json:"last_error"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	Owned        bool       `json:"owned"`
	ZoneName     string     `json:"zone_name,omitempty"` // for records left in an earlier zone
}

// CleanupView is an earlier zone whose records are still to be removed.
type CleanupView struct {
	Provider  string `json:"provider"`
	ZoneID    string `json:"zone_id"`
	ZoneName  string `json:"zone_name"`
	Records   int    `json:"records"`
	LastError string `json:"last_error"`
	// UpdatedAt is when the zone was left or its removal last tried, so a
	// client that saw one value learns of the next try by the change; nil
	// when no credentials were kept for the zone.
	UpdatedAt *time.Time `json:"updated_at"`
}

// RecordsView is the records page.
type RecordsView struct {
	Mode     string        `json:"mode"`
	Provider string        `json:"provider"`
	ZoneName string        `json:"zone_name"`
	LastSync *Report       `json:"last_sync"`
	Records  []RecordView  `json:"records"`
	Cleanups []CleanupView `json:"cleanups"` // earlier zones with records left
}

// Filter narrows the records view.
type Filter struct {
	Q     string // part of the FQDN or consumer name
	State string
	Kind  string
}

// Records lists every expected and owned record with its state, from the
// store and from what the last sync saw: it makes no provider call. The
// states come from Plan, the same decision a sync makes.
func (r *Reconciler) Records(ctx context.Context, f Filter) (RecordsView, error) {
	st, err := r.store.Settings(ctx)
	if err != nil {
		return RecordsView{}, err
	}
	view := RecordsView{Mode: "wildcard", Provider: st.DNSProvider, ZoneName: st.DNSZoneName(),
		Records: []RecordView{}, Cleanups: []CleanupView{}}
	if st.Managed() {
		view.Mode = "managed"
	}
	repJSON, obsJSON, err := r.store.LastSyncReport(ctx)
	if err != nil {
		return view, err
	}
	if repJSON != nil {
		var rep Report
		if json.Unmarshal(repJSON, &rep) == nil {
			view.LastSync = &rep
		}
	}
	var seen observation
	if obsJSON != nil {
		json.Unmarshal(obsJSON, &seen) // an unreadable one is as none: everything looks pending
	}
	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return view, err
	}
	classify := st
	if !st.Managed() {
		classify.DNSProvider = model.ProviderNone // the zone is the domain
	}
	want, outside, err := r.desired(ctx, classify)
	if err != nil {
		return view, err
	}
	current := st.DNS().Target()
	mine, stale := splitRows(st, rows)
	if st.Managed() {
		var actual []dns.Record
		if seen.Target == current {
			actual = seen.Records
		}
		view.Records = append(view.Records, recordViews(Plan(want, actual, mine, dns.OwnerMarker(st.InstallationID)))...)
	} else {
		for _, w := range want {
			view.Records = append(view.Records, wantView(w, StateWildcard))
		}
	}
	for _, w := range outside {
		view.Records = append(view.Records, wantView(w, StateOutsideZone))
	}
	if view.Cleanups, err = r.cleanups(ctx, stale); err != nil {
		return view, err
	}
	zoneNames := map[Target]string{}
	for _, c := range view.Cleanups {
		zoneNames[Target{Provider: c.Provider, ZoneID: c.ZoneID}] = c.ZoneName
	}
	for _, row := range stale {
		v := rowView(row, StateEarlierZone)
		v.ZoneName = zoneNames[row.Target()]
		view.Records = append(view.Records, v)
	}
	view.Records = filter(view.Records, f)
	sort.SliceStable(view.Records, func(i, j int) bool {
		a, b := view.Records[i], view.Records[j]
		if a.FQDN != b.FQDN {
			return a.FQDN < b.FQDN
		}
		return a.Type < b.Type
	})
	return view, nil
}

// recordViews turns a plan into the lines of the records page: what the
// plan would do with a record is its state.
func recordViews(c Changes) []RecordView {
	var out []RecordView
	withRow := func(it Item, state string) RecordView {
		v := wantView(it.Want, state)
		if it.Row != nil {
			v.Owned, v.LastError, v.LastSyncedAt = true, it.Row.LastError, it.Row.LastSyncedAt
			if it.Row.State == model.RecordError && state == model.RecordPending {
				v.State = model.RecordError
			}
		}
		return v
	}
	for _, it := range c.InSync {
		state := model.RecordSynced
		if !it.Want.Consumer.GraceUntil.IsZero() {
			state = StateGrace
		}
		v := withRow(it, state)
		v.LastError = ""
		out = append(out, v)
	}
	for _, it := range append(slices.Clone(c.Create), c.Update...) {
		out = append(out, withRow(it, model.RecordPending))
	}
	for _, it := range c.Conflicts {
		v := withRow(it, StateConflict)
		v.LastError = it.Reason
		out = append(out, v)
	}
	// Rows of records not wanted any more: to be deleted or forgotten.
	for _, it := range append(slices.Clone(c.Delete), c.Forget...) {
		if it.Want.Record.Name == "" {
			state := StateOrphan
			if it.Row.State == model.RecordError || it.Row.State == model.RecordDeleting {
				state = it.Row.State
			}
			out = append(out, rowView(*it.Row, state))
		}
	}
	return out
}

func wantView(w Want, state string) RecordView {
	return RecordView{FQDN: w.Record.Name, Type: w.Record.Type, Content: w.Record.Content, State: state,
		ConsumerKind: w.Consumer.Kind, ConsumerID: w.Consumer.ID, ConsumerName: w.Consumer.Name}
}

func rowView(row model.DNSRecord, state string) RecordView {
	return RecordView{FQDN: row.FQDN, Type: row.Type, Content: row.Content, State: state,
		ConsumerKind: row.ConsumerKind, ConsumerID: row.ConsumerID, LastError: row.LastError,
		LastSyncedAt: row.LastSyncedAt, Owned: true}
}

// Cleanups lists the zones of earlier configurations than st (the
// stored settings, as the caller read them) that still hold records of
// ours: what a settings change left to remove, and how the last try went.
// It makes no provider call.
func (r *Reconciler) Cleanups(ctx context.Context, st model.Settings) ([]CleanupView, error) {
	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return nil, err
	}
	_, stale := splitRows(st, rows)
	return r.cleanups(ctx, stale)
}

func (r *Reconciler) cleanups(ctx context.Context, stale []model.DNSRecord) ([]CleanupView, error) {
	cleanups, err := r.store.DNSCleanups(ctx)
	if err != nil {
		return nil, err
	}
	return cleanupViews(stale, cleanups), nil
}

// cleanupViews lists the earlier zones that still hold rows.
func cleanupViews(stale []model.DNSRecord, cleanups []model.DNSCleanup) []CleanupView {
	out := []CleanupView{}
	index := map[Target]int{}
	for _, row := range stale {
		t := row.Target()
		i, ok := index[t]
		if !ok {
			i = len(out)
			index[t] = i
			out = append(out, CleanupView{Provider: t.Provider, ZoneID: t.ZoneID})
		}
		out[i].Records++
		if out[i].LastError == "" {
			out[i].LastError = row.LastError
		}
	}
	for _, c := range cleanups {
		if i, ok := index[c.DNSTarget]; ok {
			at := c.UpdatedAt.UTC()
			out[i].ZoneName, out[i].UpdatedAt = c.ZoneName, &at
			if c.LastError != "" {
				out[i].LastError = c.LastError
			}
		}
	}
	return out
}

func filter(in []RecordView, f Filter) []RecordView {
	q := strings.ToLower(strings.TrimSpace(f.Q))
	out := in[:0]
	for _, v := range in {
		if q != "" && !strings.Contains(v.FQDN, q) && !strings.Contains(strings.ToLower(v.ConsumerName), q) {
			continue
		}
		if f.State != "" && v.State != f.State {
			continue
		}
		if f.Kind != "" && v.ConsumerKind != f.Kind {
			continue
		}
		out = append(out, v)
	}
	return out
}
