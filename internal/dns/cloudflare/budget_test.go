package cloudflare

import (
	"fmt"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

// The API budgets of bench_test.go as plain tests, on sizes that still
// cross each page and batch bound, without latency.

// addRecords adds n A records to the fixture's zone, carrying comment,
// and returns them.
func addRecords(t *testing.T, f *fixture, prefix string, n int, comment string) []cfemu.Record {
	t.Helper()
	out := make([]cfemu.Record, n)
	for i := range out {
		r, err := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "A", Name: fmt.Sprintf("%s%d.example.com", prefix, i), Content: "192.0.2.1", Comment: comment})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
	}
	return out
}

// checkCalls fails unless the provider made want calls since before,
// and the emulator saw each of them once.
func checkCalls(t *testing.T, f *fixture, p *Provider, before int64, want int, what string) {
	t.Helper()
	if got := p.Calls() - before; got != int64(want) {
		t.Errorf("%s: %d API calls, want %d", what, got, want)
	}
	if got := f.emu.TotalCalls(); got != want {
		t.Errorf("%s: the emulator saw %d calls, want %d", what, got, want)
	}
}

func TestListBudget(t *testing.T) {
	tests := []struct {
		records  int
		pageSize int // 0: the default, Cloudflare's largest page (5000)
		calls    int
	}{
		{0, 0, 1},
		{1, 0, 1},
		{101, 0, 1},   // more than the SDK's default page of 100
		{1500, 0, 1},  // more than most zones hold
		{200, 100, 2}, // a full last page: no empty page asked for
		{250, 100, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("records=%d/page=%d", tt.records, tt.pageSize), func(t *testing.T) {
			f := newFixture(t)
			addRecords(t, f, "h", tt.records, "")
			p := f.provider(t, func(o *Options) { o.PageSize = tt.pageSize })
			if tt.pageSize == 0 && p.opts.PageSize != 5000 {
				t.Fatalf("default page of %d records, want 5000", p.opts.PageSize)
			}
			f.emu.ResetCalls()
			before := p.Calls()
			recs, err := p.ListRecords(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tt.records {
				t.Fatalf("listed %d records, want %d", len(recs), tt.records)
			}
			checkCalls(t, f, p, before, tt.calls, fmt.Sprintf("listing %d records", tt.records))
		})
	}
}

func TestBatchBudget(t *testing.T) {
	tests := []struct {
		name                      string
		creates, updates, deletes int
		listed                    bool // ApplyBatchListed: the caller's listing, no check of its own
		calls                     int
	}{
		{"one create", 1, 0, 0, false, 1},
		{"a full batch", 200, 0, 0, false, 1},
		{"one more than a batch", 201, 0, 0, false, 2},
		{"creates only", 450, 0, 0, false, 3},
		// updates and deletes are checked against one listing of ours
		{"mixed", 100, 50, 50, false, 2},
		{"mixed over two batches", 100, 100, 50, false, 3},
		{"mixed, listed by the caller", 100, 50, 50, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var changes []dns.Change
			for _, r := range addRecords(t, f, "u", tt.updates, marker) {
				changes = append(changes, dns.Change{Action: dns.Update, Record: dns.Record{ID: r.ID, Name: r.Name, Type: "A", Content: "192.0.2.2", TTL: 1, Owner: marker}})
			}
			for _, r := range addRecords(t, f, "d", tt.deletes, marker) {
				changes = append(changes, dns.Change{Action: dns.Delete, Record: dns.Record{ID: r.ID, Name: r.Name, Type: "A", Owner: marker}})
			}
			for i := range tt.creates {
				changes = append(changes, dns.Change{Action: dns.Create, Record: rec(fmt.Sprintf("c%d.example.com", i), "192.0.2.3")})
			}
			p := f.provider(t)
			listed, err := p.ListRecords(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			f.emu.ResetCalls()
			before := p.Calls()
			var results []dns.ChangeResult
			if tt.listed {
				results, err = p.ApplyBatchListed(t.Context(), changes, listed)
			} else {
				results, err = p.ApplyBatch(t.Context(), changes)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Err != nil {
					t.Fatalf("%s %s: %v", r.Change.Action, r.Change.Record.Name, r.Err)
				}
			}
			checkCalls(t, f, p, before, tt.calls, fmt.Sprintf("%d creates, %d updates, %d deletes", tt.creates, tt.updates, tt.deletes))
			content := map[string]int{}
			for _, r := range f.emu.Records(f.zone.ID) {
				content[r.Content]++
			}
			want := map[string]int{"192.0.2.2": tt.updates, "192.0.2.3": tt.creates}
			if content["192.0.2.1"] != 0 || content["192.0.2.2"] != want["192.0.2.2"] || content["192.0.2.3"] != want["192.0.2.3"] {
				t.Fatalf("records at the emulator by content: %v, want %v", content, want)
			}
		})
	}
}
