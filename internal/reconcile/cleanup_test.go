package reconcile

import (
	"reflect"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestCleanupViews(t *testing.T) {
	a := model.DNSTarget{Provider: model.ProviderCloudflare, ZoneID: "zone-a"}
	b := model.DNSTarget{Provider: model.ProviderCloudflare, ZoneID: "zone-b"}
	left := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	leftUTC := left.UTC()
	row := func(t model.DNSTarget, fqdn, lastError string) model.DNSRecord {
		r := t.Row(fqdn, "A")
		r.LastError = lastError
		return r
	}
	for _, tc := range []struct {
		name     string
		stale    []model.DNSRecord
		cleanups []model.DNSCleanup
		want     []CleanupView
	}{
		{name: "nothing left", want: []CleanupView{}},
		{
			name:     "a zone left with credentials kept: its name, count and when it was left or tried",
			stale:    []model.DNSRecord{row(a, "x.example.com", ""), row(a, "y.example.com", "")},
			cleanups: []model.DNSCleanup{{DNSTarget: a, ZoneName: "example.com", CreatedAt: left, UpdatedAt: left}},
			want:     []CleanupView{{Provider: a.Provider, ZoneID: a.ZoneID, ZoneName: "example.com", Records: 2, UpdatedAt: &leftUTC}},
		},
		{
			name:     "the cleanup's own error wins over a row's",
			stale:    []model.DNSRecord{row(a, "x.example.com", "create refused")},
			cleanups: []model.DNSCleanup{{DNSTarget: a, ZoneName: "example.com", LastError: "token refused", UpdatedAt: left}},
			want:     []CleanupView{{Provider: a.Provider, ZoneID: a.ZoneID, ZoneName: "example.com", Records: 1, LastError: "token refused", UpdatedAt: &leftUTC}},
		},
		{
			name:  "rows without kept credentials (a database from before): no name, no time, the row's error",
			stale: []model.DNSRecord{row(b, "x.example.net", "delete refused")},
			want:  []CleanupView{{Provider: b.Provider, ZoneID: b.ZoneID, Records: 1, LastError: "delete refused"}},
		},
		{
			name:     "a zone whose rows are all gone is not listed, even while its credentials are kept",
			stale:    []model.DNSRecord{row(b, "x.example.net", "")},
			cleanups: []model.DNSCleanup{{DNSTarget: a, ZoneName: "example.com", UpdatedAt: left}},
			want:     []CleanupView{{Provider: b.Provider, ZoneID: b.ZoneID, Records: 1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cleanupViews(tc.stale, tc.cleanups); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("cleanupViews:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Leaving a zone lists it with its records; a failed try says why and
// moves updated_at on; the try that succeeds empties the list.
func TestCleanupsFollowTheRemoval(t *testing.T) {
	w := newWorld(t)
	w.proxy("a.example.com")
	w.proxy("b.example.com")
	if rep := w.sync(); rep.Created != 2 {
		t.Fatalf("first sync %+v", rep)
	}
	cleanups := func() []CleanupView {
		t.Helper()
		st, err := w.st.Settings(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		c, err := w.r.Cleanups(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := cleanups(); len(c) != 0 {
		t.Fatalf("before any change: %+v", c)
	}

	w.settings(func(s *model.Settings) { s.WildcardDNS = true })
	queued := cleanups()
	if len(queued) != 1 || queued[0].ZoneID != w.zone.ID || queued[0].ZoneName != "example.com" || queued[0].Records != 2 ||
		queued[0].LastError != "" || queued[0].UpdatedAt == nil {
		t.Fatalf("after leaving the zone: %+v", queued)
	}

	w.emu.FailNext(100, 403)
	w.sync()
	w.emu.ClearFaults()
	failed := cleanups()
	if len(failed) != 1 || failed[0].Records != 2 || failed[0].LastError == "" || failed[0].UpdatedAt == nil ||
		!failed[0].UpdatedAt.After(*queued[0].UpdatedAt) {
		t.Fatalf("after a failed try (left at %v): %+v", queued[0].UpdatedAt, failed)
	}
	view, err := w.r.Records(t.Context(), Filter{})
	if err != nil || !reflect.DeepEqual(view.Cleanups, failed) {
		t.Fatalf("the records view's cleanups %+v (%v), want %+v", view.Cleanups, err, failed)
	}

	if rep := w.sync(); rep.Deleted != 2 {
		t.Fatalf("retry %+v", rep)
	}
	if c := cleanups(); len(c) != 0 {
		t.Fatalf("after the removal: %+v", c)
	}
}
