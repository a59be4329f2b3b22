package reconcile

import (
	"errors"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// The pure halves of Apply: the rows written before the provider is
// called, and the rows its answers leave.
func TestRowsBeforeAndAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Hour)
	target := Target{Provider: model.ProviderCloudflare, ZoneID: "z"}
	w := Want{Record: dns.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Owner: mk},
		Consumer: consumer.Consumer{Kind: model.KindProxy, ID: 3}}
	synced := &model.DNSRecord{ID: 9, Provider: target.Provider, ZoneID: "z", FQDN: "a.example.com", Type: "A",
		Content: "192.0.2.9", ProviderRecordID: "r1", State: model.RecordSynced}
	awaiting := &model.DNSRecord{ID: 9, Provider: target.Provider, ZoneID: "z", FQDN: "a.example.com", Type: "A",
		State: model.RecordPending, PendingSince: &earlier, LastError: "timed out"}
	ours := dns.Record{ID: "r1", Name: "a.example.com", Type: "A", Content: "192.0.2.9", TTL: 1, Owner: mk}
	created := dns.Record{ID: "r2", Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Owner: mk}
	lost := &dns.Error{Provider: "cloudflare", Op: "batch", Message: "connection reset", Transient: true}
	refusal := &dns.Error{Provider: "cloudflare", Op: "batch", Status: 400, Code: 81058, Message: "An identical record already exists."}

	type want struct {
		before      string // state of the row written before the call ("" for none)
		beforeSince *time.Time
		after       string // state after; "gone" when removed
		afterID     string
		afterSince  *time.Time
		afterError  bool
	}
	tests := []struct {
		name string
		s    step
		res  dns.ChangeResult
		want want
	}{
		{"create, answered", step{Item{Want: w}, dns.Change{Action: dns.Create, Record: w.Record}},
			dns.ChangeResult{Record: created},
			want{before: model.RecordPending, beforeSince: &now, after: model.RecordSynced, afterID: "r2"}},
		{"create, answer lost: still awaiting its id", step{Item{Want: w}, dns.Change{Action: dns.Create, Record: w.Record}},
			dns.ChangeResult{Err: lost},
			want{before: model.RecordPending, beforeSince: &now, after: model.RecordPending, afterSince: &now, afterError: true}},
		{"create refused: an error, still awaiting an earlier attempt", step{Item{Want: w, Row: awaiting}, dns.Change{Action: dns.Create, Record: w.Record}},
			dns.ChangeResult{Err: refusal},
			want{before: model.RecordPending, beforeSince: &earlier, after: model.RecordError, afterSince: &earlier, afterError: true}},
		{"update, answered", step{Item{Want: w, Current: ours, Row: synced}, dns.Change{Action: dns.Update, Record: w.Record}},
			dns.ChangeResult{Record: dns.Record{ID: "r1", Content: "192.0.2.1"}},
			want{after: model.RecordSynced, afterID: "r1"}},
		{"update failed: the row keeps its id, with the error", step{Item{Want: w, Current: ours, Row: synced}, dns.Change{Action: dns.Update, Record: w.Record}},
			dns.ChangeResult{Err: lost},
			want{after: model.RecordError, afterID: "r1", afterError: true}},
		{"delete, answered: the row goes", step{Item{Current: ours, Row: synced}, dns.Change{Action: dns.Delete, Record: ours}},
			dns.ChangeResult{}, want{before: model.RecordDeleting, after: "gone"}},
		{"delete failed: the row stays, with its id", step{Item{Current: ours, Row: synced}, dns.Change{Action: dns.Delete, Record: ours}},
			dns.ChangeResult{Err: errors.New("boom")}, want{before: model.RecordDeleting, after: model.RecordError, afterID: "r1", afterError: true}},
	}
	sameTime := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rowsBefore(target, []step{tt.s}, now)
			switch {
			case tt.want.before == "" && len(before) != 0:
				t.Fatalf("rows before %+v, want none", before)
			case tt.want.before != "" && (len(before) != 1 || before[0].State != tt.want.before || !sameTime(before[0].PendingSince, tt.want.beforeSince)):
				t.Fatalf("rows before %+v, want state %s since %v", before, tt.want.before, tt.want.beforeSince)
			}
			r, gone := rowAfter(target, tt.s, tt.res, now)
			if tt.want.after == "gone" {
				if !gone {
					t.Fatalf("row after %+v, want it removed", r)
				}
				return
			}
			if gone || r.State != tt.want.after || r.ProviderRecordID != tt.want.afterID || !sameTime(r.PendingSince, tt.want.afterSince) ||
				(r.LastError != "") != tt.want.afterError || r.FQDN != "a.example.com" || r.ZoneID != "z" {
				t.Fatalf("row after %+v (gone %v), want %+v", r, gone, tt.want)
			}
		})
	}
}

// afterResults is the listing with the successful changes applied.
func TestAfterResults(t *testing.T) {
	a := dns.Record{ID: "1", Name: "a.example.com", Type: "A", Content: "192.0.2.1"}
	b := dns.Record{ID: "2", Name: "B.example.com.", Type: "A", Content: "192.0.2.2"}
	c := dns.Record{ID: "3", Name: "c.example.com", Type: "A", Content: "192.0.2.3"}
	updated := a
	updated.Content = "192.0.2.10"
	created := dns.Record{ID: "4", Name: "d.example.com", Type: "A", Content: "192.0.2.4"}
	got := afterResults([]dns.Record{a, b, c}, []dns.ChangeResult{
		{Change: dns.Change{Action: dns.Update, Record: a}, Record: updated},
		{Change: dns.Change{Action: dns.Delete, Record: b}},
		{Change: dns.Change{Action: dns.Delete, Record: c}, Err: errors.New("refused")},
		{Change: dns.Change{Action: dns.Create}, Record: created},
		{Change: dns.Change{Action: dns.Create}, Err: errors.New("refused")},
	})
	ids := map[string]string{}
	for _, r := range got {
		ids[r.ID] = r.Content
	}
	if len(got) != 3 || ids["1"] != "192.0.2.10" || ids["3"] != "192.0.2.3" || ids["4"] != "192.0.2.4" {
		t.Fatalf("after the results: %+v", got)
	}
}
