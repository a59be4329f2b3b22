package reconcile

import (
	"context"
	"encoding/json"
	"errors"
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
}

// RecordsView is the records page.
type RecordsView struct {
	Mode     string       `json:"mode"`
	Provider string       `json:"provider"`
	ZoneName string       `json:"zone_name"`
	LastSync *Report      `json:"last_sync"`
	Records  []RecordView `json:"records"`
}

// Filter narrows the records view.
type Filter struct {
	Q     string // part of the FQDN or consumer name
	State string
	Kind  string
}

// Records lists every expected and owned record with its state, from the
// store and the last report: it makes no provider call.
func (r *Reconciler) Records(ctx context.Context, f Filter) (RecordsView, error) {
	st, err := r.store.Settings(ctx)
	if err != nil {
		return RecordsView{}, err
	}
	view := RecordsView{Mode: "wildcard", Provider: st.DNSProvider, ZoneName: st.DNSZoneName(), Records: []RecordView{}}
	if st.Managed() {
		view.Mode = "managed"
	}
	if b, err := r.store.LastSyncReport(ctx); err != nil {
		return view, err
	} else if b != nil {
		var rep Report
		if json.Unmarshal(b, &rep) == nil {
			view.LastSync = &rep
		}
	}
	conflicts := map[string]string{}
	if view.LastSync != nil {
		for _, l := range view.LastSync.Records {
			if l.Action == ActConflict {
				conflicts[key(l.FQDN, l.Type)] = l.Error
			}
		}
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
	rowByKey := map[string]model.DNSRecord{}
	for _, row := range rows {
		if st.Managed() && row.Provider == st.DNSProvider && row.ZoneID == st.DNSZoneID() {
			rowByKey[key(row.FQDN, row.Type)] = row
		}
	}
	seen := map[string]bool{}
	for _, w := range want {
		k := key(w.Record.Name, w.Record.Type)
		v := RecordView{FQDN: w.Record.Name, Type: w.Record.Type, Content: w.Record.Content,
			ConsumerKind: w.Consumer.Kind, ConsumerID: w.Consumer.ID, ConsumerName: w.Consumer.Name}
		row, owned := rowByKey[k]
		switch {
		case !st.Managed():
			v.State = StateWildcard
		case owned:
			v.State, v.LastError, v.LastSyncedAt, v.Owned = row.State, row.LastError, row.LastSyncedAt, true
			if row.State == model.RecordSynced && !w.Consumer.GraceUntil.IsZero() {
				v.State = StateGrace
			}
		case conflicts[k] != "":
			v.State, v.LastError = StateConflict, conflicts[k]
		default:
			v.State = model.RecordPending
		}
		seen[k] = owned
		view.Records = append(view.Records, v)
	}
	for _, w := range outside {
		view.Records = append(view.Records, RecordView{FQDN: w.Record.Name, Type: w.Record.Type, Content: w.Record.Content,
			State: StateOutsideZone, ConsumerKind: w.Consumer.Kind, ConsumerID: w.Consumer.ID, ConsumerName: w.Consumer.Name})
	}
	for _, row := range rows {
		k := key(row.FQDN, row.Type)
		if _, ok := seen[k]; ok && rowByKey[k].ID == row.ID {
			continue
		}
		v := RecordView{FQDN: row.FQDN, Type: row.Type, Content: row.Content, State: StateOrphan,
			ConsumerKind: row.ConsumerKind, ConsumerID: row.ConsumerID, LastError: row.LastError,
			LastSyncedAt: row.LastSyncedAt, Owned: true}
		if row.State == model.RecordError || row.State == model.RecordDeleting {
			v.State = row.State
		}
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

// nextGraceEnd is when the earliest grace period of a stopped instance
// ends, or zero.
func (r *Reconciler) nextGraceEnd(ctx context.Context) time.Time {
	st, err := r.store.Settings(ctx)
	if err != nil || !st.Managed() {
		return time.Time{}
	}
	instances, err := r.store.Instances(ctx)
	if err != nil {
		return time.Time{}
	}
	var next time.Time
	for _, c := range Consumers(instances, nil, st, r.now()) {
		if !c.GraceUntil.IsZero() && (next.IsZero() || c.GraceUntil.Before(next)) {
			next = c.GraceUntil
		}
	}
	return next
}

// ErrNotTracked: no owned record has that name.
var ErrNotTracked = errors.New("no record of that name is owned by Docker Watcher")

// DeleteName deletes the owned records (every type) of one name at the
// provider and from the table. A failure keeps the row with the error.
func (r *Reconciler) DeleteName(ctx context.Context, fqdn string) ([]Line, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return nil, err
	}
	groups := map[Target][]model.DNSRecord{}
	for _, row := range rows {
		if row.FQDN == fqdn {
			t := Target{Provider: row.Provider, ZoneID: row.ZoneID}
			groups[t] = append(groups[t], row)
		}
	}
	if len(groups) == 0 {
		return nil, ErrNotTracked
	}
	var rep Report
	var firstErr error
	for t, rows := range groups {
		creds := st
		creds.DNSProvider, creds.WildcardDNS = t.Provider, false
		if t.Provider == model.ProviderCloudflare {
			creds.CloudflareZoneID = t.ZoneID
		}
		if err := r.removeRows(ctx, creds, t, rows, &rep); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, l := range rep.Records {
		if l.Error != "" && firstErr == nil {
			firstErr = &dns.Error{Provider: st.DNSProvider, Op: "delete " + l.Type + " " + l.FQDN, Message: l.Error}
		}
	}
	return rep.Records, firstErr
}
