package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// The dashboard's summary from a few states of the server: what it
// counts, and how it judges the DNS provider and ACME without asking them.
func TestBuildSummary(t *testing.T) {
	now := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	managed := func(rep *reconcile.Report, states ...string) reconcile.RecordsView {
		v := reconcile.RecordsView{Mode: "managed", Provider: "cloudflare", ZoneName: "example.com", LastSync: rep}
		for _, s := range states {
			v.Records = append(v.Records, reconcile.RecordView{State: s})
		}
		return v
	}
	okReport := &reconcile.Report{Mode: "managed", StartedAt: now.Add(-time.Minute), Created: 2, AlreadySynced: 1, Conflicts: 1, APICalls: 3, DurationMS: 41}
	failedLines := &reconcile.Report{Mode: "managed", StartedAt: now.Add(-time.Minute), Created: 1, Errors: 1, Records: []reconcile.Line{
		{FQDN: "a.example.com", Action: reconcile.ActCreate},
		{FQDN: "b.example.com", Action: reconcile.ActError, Error: "record quota exceeded"},
	}}
	valid := certs.Status{Names: []string{"*.example.com"}, State: certs.StateValid, NotAfter: at(60 * day)}

	for _, tt := range []struct {
		name string
		in   summaryInput
		want func(summary) bool
	}{
		{
			name: "fresh install: wildcard, nothing yet, no engine, ACME off",
			in:   summaryInput{records: reconcile.RecordsView{Mode: "wildcard"}, now: now},
			want: func(s summary) bool {
				return s.Domain == "" && s.Apps == 0 && s.Proxies == 0 && s.Instances == (instanceCounts{}) &&
					s.Engine == "unreachable" && s.DNS.Mode == "wildcard" && s.DNS.ProviderState == reachNone &&
					s.DNS.LastSync == nil && s.DNS.Records == 0 && len(s.DNS.States) == 0 &&
					s.Certificates.ACME == acmeOff && s.Certificates.Total == 0 && s.Certificates.NextExpiry == nil
			},
		},
		{
			name: "wildcard with records: counted as wildcard, the provider not used",
			in: summaryInput{settings: model.Settings{Domain: "example.com"}, proxies: 2, engineUp: true, now: now,
				records: reconcile.RecordsView{Mode: "wildcard", Records: []reconcile.RecordView{{State: "wildcard"}, {State: "wildcard"}}},
				lastRun: reconcile.RunOutcome{At: now, Err: "an earlier zone's removal failed"}},
			want: func(s summary) bool {
				return s.Domain == "example.com" && s.Proxies == 2 && s.Engine == "ok" && s.DNS.Records == 2 &&
					reflect.DeepEqual(s.DNS.States, map[string]int{"wildcard": 2}) && s.DNS.ProviderState == reachNone && s.DNS.LastError == ""
			},
		},
		{
			name: "managed and in sync, instances of every status, certificates valid",
			in: summaryInput{apps: 2, engineUp: true, now: now, certsOn: true, certs: []certs.Status{valid},
				instances: []model.Instance{{Status: model.StatusRunning}, {Status: model.StatusRunning}, {Status: model.StatusStopped},
					{Status: model.StatusFailed}, {Status: model.StatusDeploying}},
				records: managed(okReport, "synced", "synced", "pending", "conflict"),
				lastRun: reconcile.RunOutcome{At: now.Add(-time.Minute)}},
			want: func(s summary) bool {
				ls := s.DNS.LastSync
				return s.Apps == 2 && s.Instances == (instanceCounts{Total: 5, Running: 2, Deploying: 1, Stopped: 1, Failed: 1}) &&
					s.DNS.Records == 4 && reflect.DeepEqual(s.DNS.States, map[string]int{"synced": 2, "pending": 1, "conflict": 1}) &&
					ls != nil && ls.Created == 2 && ls.AlreadySynced == 1 && ls.Conflicts == 1 && ls.APICalls == 3 && ls.DurationMS == 41 &&
					ls.StartedAt.Equal(okReport.StartedAt) && s.DNS.ProviderState == reachOK && s.DNS.LastError == "" &&
					s.Certificates.ACME == reachOK && s.Certificates.ExpiringSoon == 0 && s.Certificates.NextExpiry.Equal(*valid.NotAfter)
			},
		},
		{
			name: "the last sync failed: its error, newer than the saved report; certificates expiring",
			in: summaryInput{now: now, certsOn: true, records: managed(okReport, "synced"),
				lastRun: reconcile.RunOutcome{At: now, Err: "cloudflare: listing records: connection refused"},
				certs: []certs.Status{valid,
					{Names: []string{"example.com"}, State: certs.StateValid, NotAfter: at(10 * day)},
					{Names: []string{"old.example.org"}, State: certs.StateExpiring, NotAfter: at(20 * day), LastError: "acme: rate limited"}}},
			want: func(s summary) bool {
				return s.DNS.ProviderState == reachError && s.DNS.LastError == "cloudflare: listing records: connection refused" &&
					s.DNS.LastErrorAt.Equal(now) && s.DNS.LastSync != nil &&
					s.Certificates.ExpiringSoon == 2 && s.Certificates.ACME == reachError && s.Certificates.LastError == "acme: rate limited" &&
					s.Certificates.NextExpiry.Equal(now.Add(10*day)) &&
					reflect.DeepEqual(s.Certificates.States, map[string]int{"valid": 2, "expiring": 1})
			},
		},
		{
			name: "the provider refused a record: the first refusal; a certificate still to obtain",
			in: summaryInput{now: now, certsOn: true, records: managed(failedLines, "synced", "error"),
				certs: []certs.Status{valid, {Names: []string{"b.example.org"}, State: certs.StatePending}}},
			want: func(s summary) bool {
				return s.DNS.ProviderState == reachError && s.DNS.LastError == "record quota exceeded" &&
					s.DNS.LastErrorAt.Equal(failedLines.StartedAt) && s.Certificates.ACME == acmePending && s.Certificates.ExpiringSoon == 0
			},
		},
		{
			name: "a first certificate being obtained: ACME pending, not expiring",
			in: summaryInput{now: now, certsOn: true, records: managed(nil),
				certs: []certs.Status{valid, {Names: []string{"c.example.org"}, State: certs.StateObtaining}}},
			want: func(s summary) bool {
				return s.Certificates.ACME == acmePending && s.Certificates.ExpiringSoon == 0 &&
					reflect.DeepEqual(s.Certificates.States, map[string]int{"valid": 1, "obtaining": 1})
			},
		},
		{
			name: "managed, no sync in this mode yet; certificates planned, none listed yet",
			in:   summaryInput{now: now, certsOn: true, records: managed(&reconcile.Report{Mode: "wildcard", StartedAt: now}, "pending")},
			want: func(s summary) bool {
				return s.DNS.ProviderState == reachUnknown && s.Certificates.ACME == acmePending && s.Certificates.Total == 0
			},
		},
		{
			name: "a certificate that could not be obtained counts as expiring soon",
			in: summaryInput{now: now, certsOn: true, records: managed(nil),
				certs: []certs.Status{{Names: []string{"x.example.org"}, State: certs.StateError, LastError: "challenge failed"}}},
			want: func(s summary) bool {
				return s.DNS.ProviderState == reachUnknown && s.Certificates.ExpiringSoon == 1 && s.Certificates.ACME == reachError &&
					s.Certificates.LastError == "challenge failed" && s.Certificates.NextExpiry == nil
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildSummary(tt.in); !tt.want(got) {
				t.Fatalf("%+v", got)
			}
		})
	}
}
