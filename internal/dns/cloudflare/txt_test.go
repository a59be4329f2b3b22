package cloudflare

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

const challenge = "_acme-challenge.example.com"

// Two ACME values (43 characters, base64url) that differ only in case: TXT
// values are compared exactly.
const (
	acmeLower = "gfj9xq8frrkv9ryohv5buwwu0gyd3o2wpcdkgb6hfqa"
	acmeMixed = "GfJ9Xq8FrrKv9RyoHv5BuWwu0gYd3O2wPcDkgb6hfQA"
)

func txt(name, value string) dns.Record {
	return dns.Record{Name: name, Type: "TXT", Content: value, TTL: 120}
}

// writes counts the requests that are not reads.
func (f *fixture) writes() int {
	n := 0
	for k, c := range f.emu.Calls() {
		if !strings.HasPrefix(k, "GET ") {
			n += c
		}
	}
	return n
}

// contentOf is the content Cloudflare stores for the record with id.
func (f *fixture) contentOf(t *testing.T, id string) string {
	t.Helper()
	for _, r := range f.emu.Records(f.zone.ID) {
		if r.ID == id {
			return r.Content
		}
	}
	t.Fatalf("record %s is not in the zone", id)
	return ""
}

// TestTXTIsSentQuoted: a value goes to Cloudflare as quoted strings of at
// most 255 bytes, as its API asks, by every write path, and reads back as
// the value, so that the next ensure finds nothing to do.
func TestTXTIsSentQuoted(t *testing.T) {
	long := strings.Repeat("k", 300)
	tests := []struct{ value, stored string }{
		{acmeLower, `"` + acmeLower + `"`},
		{"v=spf1 include:_spf.example.net -all", `"v=spf1 include:_spf.example.net -all"`},
		{`say "hi" \o/`, `"say \"hi\" \\o/"`},
		{long, `"` + long[:255] + `" "` + long[255:] + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.value[:min(len(tt.value), 12)], func(t *testing.T) {
			f := newFixture(t)
			p := f.provider(t)
			got, err := p.EnsureRecord(t.Context(), txt(challenge, tt.value))
			if err != nil {
				t.Fatal(err)
			}
			if got.Content != tt.value {
				t.Errorf("EnsureRecord returned content %q, want the value %q", got.Content, tt.value)
			}
			if c := f.contentOf(t, got.ID); c != tt.stored {
				t.Errorf("Cloudflare stores %q, want %q", c, tt.stored)
			}
			before := f.writes()
			again, err := p.EnsureRecord(t.Context(), txt(challenge, tt.value))
			if err != nil || again.ID != got.ID || f.writes() != before {
				t.Errorf("second EnsureRecord: %s, %v, %d writes; want the same record and no write", again.ID, err, f.writes()-before)
			}
			listed, err := p.ListRecords(t.Context())
			if err != nil || len(listed) != 1 || listed[0].Content != tt.value {
				t.Errorf("ListRecords = %+v, %v; want the value %q", listed, err, tt.value)
			}

			// The batch's put and post quote too.
			upd := got
			upd.TTL = 600
			res, err := p.ApplyBatch(t.Context(), []dns.Change{
				{Action: dns.Update, Record: upd},
				{Action: dns.Create, Record: txt(challenge, tt.value+"2")},
			})
			if err != nil || res[0].Err != nil || res[1].Err != nil {
				t.Fatalf("ApplyBatch: %v, %+v", err, res)
			}
			if c := f.contentOf(t, got.ID); c != tt.stored {
				t.Errorf("after a batch put Cloudflare stores %q, want %q", c, tt.stored)
			}
			if res[1].Record.Content != tt.value+"2" || f.contentOf(t, res[1].Record.ID) != dns.QuoteTXT(tt.value+"2") {
				t.Errorf("batch post: %+v stored as %q", res[1].Record, f.contentOf(t, res[1].Record.ID))
			}
		})
	}
}

// TestTXTReadsEveryForm: records saved by others, quoted or not, split or
// not, are read as their values: a foreign record of the value is in the
// way (a name cannot hold it twice), those of other values are not.
func TestTXTReadsEveryForm(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	for _, c := range []string{acmeLower, `"quoted by the dashboard"`, `"split in" " two"`} {
		if _, err := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "TXT", Name: challenge, Content: c, Comment: "certbot"}); err != nil {
			t.Fatal(err)
		}
	}
	listed, err := p.ListRecords(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, r := range listed {
		values = append(values, r.Content)
	}
	slices.Sort(values)
	if strings.Join(values, "|") != acmeLower+"|quoted by the dashboard|split in two" {
		t.Fatalf("values %q", values)
	}
	before := f.writes()
	for _, v := range []string{acmeLower, "quoted by the dashboard", "split in two"} {
		_, err := p.EnsureRecord(t.Context(), txt(challenge, v))
		var ce *dns.ConflictError
		if !errors.As(err, &ce) || ce.Owner != "certbot" || ce.Type != "TXT" {
			t.Errorf("EnsureRecord of foreign value %q: %v, want a *dns.ConflictError naming the owner", v, err)
		}
		if err := p.DeleteRecord(t.Context(), dns.Record{Name: challenge, Type: "TXT", Content: v}); !errors.Is(err, dns.ErrNotOurs) {
			t.Errorf("DeleteRecord of foreign value %q: %v, want ErrNotOurs", v, err)
		}
	}
	if f.writes() != before {
		t.Fatalf("%d writes on foreign values, want none", f.writes()-before)
	}
	// Another value, even one differing only in case, goes beside them.
	got, err := p.EnsureRecord(t.Context(), txt(challenge, acmeMixed))
	if err != nil || got.Content != acmeMixed {
		t.Fatalf("EnsureRecord of a new value beside foreign ones: %+v, %v", got, err)
	}
	if n := len(f.emu.Records(f.zone.ID)); n != 4 {
		t.Fatalf("%d records, want the 3 foreign and ours", n)
	}
}

// TestTXTOursSavedUnquoted: a record of ours whose content was saved
// without quotes (by hand, or by an older client) is the same value: an
// ensure leaves it alone, a delete by value removes it.
func TestTXTOursSavedUnquoted(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	old, err := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "TXT", Name: challenge, Content: acmeLower, TTL: 120, Comment: marker})
	if err != nil {
		t.Fatal(err)
	}
	before := f.writes()
	got, err := p.EnsureRecord(t.Context(), txt(challenge, acmeLower))
	if err != nil || got.ID != old.ID || f.writes() != before {
		t.Fatalf("EnsureRecord: %+v, %v, %d writes; want record %s and no write", got, err, f.writes()-before, old.ID)
	}
	if err := p.DeleteRecord(t.Context(), dns.Record{Name: challenge, Type: "TXT", Content: acmeLower}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.emu.Records(f.zone.ID)); n != 0 {
		t.Fatalf("%d records left, want none", n)
	}
}

// TestTXTRefusedBeforeAnyCall: what Cloudflare would refuse, or what could
// take another value with it, is refused without a call.
func TestTXTRefusedBeforeAnyCall(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	ours, err := p.EnsureRecord(t.Context(), txt(challenge, acmeLower))
	if err != nil {
		t.Fatal(err)
	}
	proxied := txt(challenge, acmeMixed)
	proxied.Proxied = true
	proxiedUpdate := ours
	proxiedUpdate.Proxied = true
	emptyUpdate := ours
	emptyUpdate.Content = ""
	calls := p.Calls()
	for name, r := range map[string]dns.Record{
		"empty value": txt(challenge, ""),
		"proxied":     proxied,
		"CNAME":       {Name: "www.example.com", Type: "CNAME", Content: "example.net"},
		"MX":          {Name: "example.com", Type: "MX", Content: "mail.example.com"},
	} {
		if _, err := p.EnsureRecord(t.Context(), r); err == nil {
			t.Errorf("EnsureRecord (%s) returned no error", name)
		}
	}
	if err := p.DeleteRecord(t.Context(), dns.Record{Name: challenge, Type: "TXT"}); err == nil {
		t.Error("DeleteRecord of TXT by name without a value returned no error")
	}
	res, err := p.ApplyBatch(t.Context(), []dns.Change{
		{Action: dns.Create, Record: proxied},
		{Action: dns.Update, Record: proxiedUpdate},
		{Action: dns.Update, Record: emptyUpdate},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err == nil {
			t.Errorf("batch change %d (%s) has no error", i, show(r.Change.Record))
		}
	}
	// The batch lists our records once, to check the updates are ours; then nothing.
	if n := p.Calls() - calls; n != 1 {
		t.Errorf("%d calls, want only the batch's listing", n)
	}
	if recs := f.emu.Records(f.zone.ID); len(recs) != 1 || recs[0].Content != dns.QuoteTXT(acmeLower) || recs[0].TTL != 120 {
		t.Errorf("zone %+v, want our record unchanged", recs)
	}
}

func show(r dns.Record) string { return r.Type + " " + r.Name + " " + r.Content }
