package cloudflare

import (
	"fmt"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6"
	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/option"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

// sdkDefault is the SDK used as its README shows, for comparison.
func sdkDefault(f *fixture) *cfdns.RecordService {
	return cfdns.NewRecordService(option.WithBaseURL(f.url), option.WithAPIToken(testToken))
}

// Listing a zone of 5000 records: one call with per_page 5000, against the
// SDK's auto-pager with its defaults (100 a page, and one empty page more).
func BenchmarkListZone5000(b *testing.B) {
	f := newFixture(b)
	for i := range 5000 {
		if _, err := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "A", Name: fmt.Sprintf("h%d.example.com", i), Content: "192.0.2.1"}); err != nil {
			b.Fatal(err)
		}
	}
	f.emu.ResetCalls()
	sdk := sdkDefault(f)
	pager := sdk.ListAutoPaging(b.Context(), cfdns.RecordListParams{ZoneID: cloudflare.F(f.zone.ID)})
	n := 0
	for pager.Next() {
		n++
	}
	if err := pager.Err(); err != nil || n != 5000 {
		b.Fatalf("SDK default listed %d: %v", n, err)
	}
	sdkCalls := f.emu.TotalCalls()

	p := f.provider(b)
	b.ResetTimer()
	for b.Loop() {
		recs, err := p.ListRecords(b.Context())
		if err != nil || len(recs) != 5000 {
			b.Fatalf("listed %d: %v", len(recs), err)
		}
	}
	calls := float64(p.Calls()) / float64(b.N)
	b.ReportMetric(calls, "calls/op")
	b.ReportMetric(float64(sdkCalls), "sdk-default-calls/op")
	if calls != 1 {
		b.Fatalf("%v calls per listing of 5000 records, want 1", calls)
	}
}

// 1000 creates through the batch path: 5 calls of 200 (the Free plan's
// limit), against one SDK call per record.
func BenchmarkBatchCreate1000(b *testing.B) {
	changes := make([]dns.Change, 1000)
	for i := range changes {
		changes[i] = dns.Change{Action: dns.Create, Record: rec(fmt.Sprintf("c%d.example.com", i), "192.0.2.1")}
	}
	f := newFixture(b)
	sdk := sdkDefault(f)
	for _, c := range changes {
		_, err := sdk.New(b.Context(), cfdns.RecordNewParams{ZoneID: cloudflare.F(f.zone.ID), Body: cfdns.ARecordParam{
			Name: cloudflare.F(c.Record.Name), Type: cloudflare.F(cfdns.ARecordTypeA), Content: cloudflare.F(c.Record.Content), TTL: cloudflare.F(cfdns.TTL1),
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	sdkCalls := f.emu.TotalCalls()

	var calls int64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		p := f.provider(b)
		b.StartTimer()
		results, err := p.ApplyBatch(b.Context(), changes)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		calls += p.Calls()
	}
	perOp := float64(calls) / float64(b.N)
	b.ReportMetric(perOp, "calls/op")
	b.ReportMetric(float64(sdkCalls), "sdk-one-by-one-calls/op")
	if perOp != 5 {
		b.Fatalf("%v calls for 1000 creates, want 5", perOp)
	}
}
