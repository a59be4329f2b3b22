package cloudflare

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
)

const testToken = "test-token-with-edit"

var marker = dns.OwnerMarker("0123456789abcdef")

type fixture struct {
	emu  *cfemu.Server
	zone cfemu.Zone
	url  string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	emu := cftest.Start(t, cfemu.Options{})
	zone := emu.AddZone("example.com")
	emu.AddToken(testToken, cfemu.TokenOptions{CanEdit: true})
	return &fixture{emu: emu.Server, zone: zone, url: emu.URL}
}

func (f *fixture) provider(t testing.TB, change ...func(*Options)) *Provider {
	t.Helper()
	o := Options{Token: testToken, ZoneID: f.zone.ID, ZoneName: f.zone.Name, Marker: marker, BaseURL: f.url,
		RetryBackoff: 10 * time.Millisecond, RateLimit: -1}
	for _, c := range change {
		c(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rec(name, content string) dns.Record {
	return dns.Record{Name: name, Type: "A", Content: content, TTL: 1}
}

func TestRetryAfterIsWaitedOut(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	f.emu.FailNext(1, http.StatusTooManyRequests) // with Retry-After: 1
	start := time.Now()
	if _, err := p.EnsureRecord(t.Context(), rec("a.example.com", "192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("retried after %s, before Retry-After's 1s", waited)
	}
	if got := len(f.emu.Records(f.zone.ID)); got != 1 {
		t.Fatalf("%d records, want 1", got)
	}
}

func TestTransientFailuresRetriedBounded(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t, func(o *Options) { o.MaxRetries = 2 })
	f.emu.FailNext(2, http.StatusServiceUnavailable)
	if _, err := p.ListRecords(t.Context()); err != nil {
		t.Fatalf("two 503 then success: %v", err)
	}
	if p.Calls() != 3 {
		t.Fatalf("%d calls, want 3", p.Calls())
	}
	f.emu.DropNext(2)
	if _, err := p.ListRecords(t.Context()); err != nil {
		t.Fatalf("two dropped connections then success: %v", err)
	}

	f.emu.FailNext(10, http.StatusInternalServerError)
	before := p.Calls()
	_, err := p.ListRecords(t.Context())
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !dns.IsTransient(err) {
		t.Fatalf("err = %v, want a transient error after 3 attempts", err)
	}
	if n := p.Calls() - before; n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	f.emu.ClearFaults()
}

func TestStuckCallEndsWithinCallTimeout(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t, func(o *Options) {
		o.RequestTimeout = 100 * time.Millisecond
		o.CallTimeout = 500 * time.Millisecond
		o.MaxRetries = 100
	})
	f.emu.SetLatency(2 * time.Second)
	start := time.Now()
	_, err := p.ListRecords(t.Context())
	if err == nil || !dns.IsTransient(err) {
		t.Fatalf("err = %v, want a transient timeout", err)
	}
	// Bounded by CallTimeout (plus one attempt), not by 100 retries.
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a stuck call took %s", d)
	}
	if !strings.Contains(err.Error(), "no time left") {
		t.Fatalf("err = %v, want it to say why it stopped", err)
	}
}

func TestRetryAfterLongerThanMaxWaitFails(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t, func(o *Options) { o.MaxWait = 100 * time.Millisecond })
	f.emu.FailNext(1, http.StatusTooManyRequests)
	_, err := p.ListRecords(t.Context())
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v", err)
	}
	var de *dns.Error
	if !errors.As(err, &de) || de.Status != 429 || de.Code != 10100 && de.Code == 0 {
		t.Fatalf("err %v does not keep Cloudflare's answer", err)
	}
}

// The client-side limiter keeps under Cloudflare's limit instead of
// running into 429s.
func TestClientSideRateLimit(t *testing.T) {
	f := newFixture(t)
	f.emu.SetRateLimit(3, 300*time.Millisecond)
	// The client's window is a little longer than the server's, as it is
	// against Cloudflare (2%), here more to absorb a loaded machine's jitter.
	p := f.provider(t, func(o *Options) { o.RateLimit, o.RateWindow = 3, 400*time.Millisecond })
	start := time.Now()
	for range 6 {
		if _, err := p.ListRecords(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if p.Calls() != 6 {
		t.Fatalf("%d calls for 6 lists: the server's limit was hit and retried", p.Calls())
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("6 calls in %s: the limiter let more than 3 through in one window", d)
	}
}

// headerRecorder answers like Cloudflare with a fixed body and keeps the
// request headers.
type headerRecorder struct {
	mu      sync.Mutex
	headers []http.Header
	body    string
	status  int
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.headers = append(h.headers, r.Header.Clone())
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(h.status)
	fmt.Fprint(w, h.body)
}

func TestSuccessFalseIsAnError(t *testing.T) {
	h := &headerRecorder{status: 200, body: `{"success":false,"errors":[{"code":1234,"message":"quota exceeded"}],"messages":[],"result":[]}`}
	ts := httptest.NewServer(h)
	defer ts.Close()
	p, _ := New(Options{Token: "t", ZoneID: "z", Marker: marker, BaseURL: ts.URL + "/client/v4/", RateLimit: -1})
	_, err := p.ListRecords(t.Context())
	var de *dns.Error
	if !errors.As(err, &de) || de.Code != 1234 || !strings.Contains(err.Error(), "quota exceeded") || dns.IsTransient(err) {
		t.Fatalf("err = %v, want Cloudflare's permanent error", err)
	}
}

func TestOnlyTheConfiguredTokenIsSent(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_KEY", "global-key")
	t.Setenv("CLOUDFLARE_EMAIL", "someone@example.com")
	t.Setenv("CLOUDFLARE_API_TOKEN", "other-token")
	t.Setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:1/")
	h := &headerRecorder{status: 200, body: `{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"page":1,"per_page":5000,"count":0,"total_count":0,"total_pages":1}}`}
	ts := httptest.NewServer(h)
	defer ts.Close()
	p, _ := New(Options{Token: "configured", ZoneID: "z", Marker: marker, BaseURL: ts.URL + "/client/v4/", RateLimit: -1})
	if _, err := p.ListRecords(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(h.headers) != 1 {
		t.Fatalf("%d requests", len(h.headers))
	}
	hd := h.headers[0]
	if hd.Get("Authorization") != "Bearer configured" || hd.Get("X-Auth-Key") != "" || hd.Get("X-Auth-Email") != "" {
		t.Fatalf("headers %v", hd)
	}
}

func TestListIsOneCallPerPage(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		if _, err := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "A", Name: fmt.Sprintf("h%d.example.com", i), Content: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	p := f.provider(t, func(o *Options) { o.PageSize = 10 })
	recs, err := p.ListRecords(t.Context())
	if err != nil || len(recs) != 30 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if p.Calls() != 3 {
		t.Fatalf("%d calls for 3 pages, want 3 (no empty page)", p.Calls())
	}
}

func TestBatchChunksAndRollback(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t, func(o *Options) { o.BatchSize = 10 })
	var changes []dns.Change
	for i := range 25 {
		changes = append(changes, dns.Change{Action: dns.Create, Record: rec(fmt.Sprintf("n%d.example.com", i), "192.0.2.1")})
	}
	// One bad address: its chunk is rolled back and sent again without it.
	changes[13].Record.Content = "192.0.2.999"
	results, err := p.ApplyBatch(t.Context(), changes)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if i == 13 {
			var de *dns.Error
			if !errors.As(r.Err, &de) || de.Status != 400 {
				t.Fatalf("bad record: err %v, want Cloudflare's 400", r.Err)
			}
			continue
		}
		if r.Err != nil || r.Record.ID == "" || r.Record.Owner != marker {
			t.Fatalf("change %d: %+v", i, r)
		}
	}
	if got := len(f.emu.Records(f.zone.ID)); got != 24 {
		t.Fatalf("%d records, want 24", got)
	}
	if p.Calls() != 4 { // 3 chunks + 1 resend
		t.Fatalf("%d calls, want 4", p.Calls())
	}
	// Update and delete of ours: one listing of our records to check
	// they are still ours, then one batch call.
	before := p.Calls()
	upd := results[0].Record
	upd.Content = "192.0.2.50"
	res2, err := p.ApplyBatch(t.Context(), []dns.Change{{Action: dns.Update, Record: upd}, {Action: dns.Delete, Record: results[1].Record}})
	if err != nil || res2[0].Err != nil || res2[1].Err != nil || res2[0].Record.Content != "192.0.2.50" {
		t.Fatalf("%+v %v", res2, err)
	}
	if n := p.Calls() - before; n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}

func TestVerify(t *testing.T) {
	f := newFixture(t)
	other := f.emu.AddZone("other.org")
	f.emu.AddToken("read-only", cfemu.TokenOptions{})
	f.emu.AddToken("other-zone-only", cfemu.TokenOptions{ZoneIDs: []string{other.ID}, CanEdit: true})
	f.emu.AddToken("account-owned", cfemu.TokenOptions{CanEdit: true, AccountID: f.emu.AccountID()})
	f.emu.AddToken("disabled", cfemu.TokenOptions{Status: "disabled", CanEdit: true})
	tests := []struct {
		token string
		want  map[string]bool
	}{
		{testToken, map[string]bool{"token": true, "zone": true, "dns_read": true, "dns_edit": true}},
		{"account-owned", map[string]bool{"token": true, "zone": true, "dns_read": true, "dns_edit": true}},
		{"read-only", map[string]bool{"token": true, "zone": true, "dns_read": true, "dns_edit": false}},
		{"other-zone-only", map[string]bool{"token": true, "zone": false, "dns_read": false, "dns_edit": false}},
		{"wrong-token", map[string]bool{"token": false, "zone": false, "dns_read": false, "dns_edit": false}},
		{"disabled", map[string]bool{"token": false, "zone": false, "dns_read": false, "dns_edit": false}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			p := f.provider(t, func(o *Options) { o.Token = tt.token })
			v, err := p.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Checks) != 4 {
				t.Fatalf("checks %+v", v.Checks)
			}
			for _, c := range v.Checks {
				if c.OK != tt.want[c.Name] || c.Message == "" {
					t.Errorf("%s: %+v", c.Name, c)
				}
			}
			if v.OK() != tt.want["dns_edit"] {
				t.Errorf("OK() = %v", v.OK())
			}
		})
	}
	if n := len(f.emu.Records(f.zone.ID)); n != 0 {
		t.Fatalf("verifying left %d records in the zone", n)
	}
}

func TestListZones(t *testing.T) {
	f := newFixture(t)
	for i := range 60 {
		f.emu.AddZone(fmt.Sprintf("zone%02d.net", i))
	}
	p := f.provider(t)
	all, err := p.ListZones(t.Context(), "")
	if err != nil || len(all) != 61 {
		t.Fatalf("%d zones, %v", len(all), err)
	}
	some, err := p.ListZones(t.Context(), "zone1")
	if err != nil || len(some) != 10 {
		t.Fatalf("filtered: %d zones, %v", len(some), err)
	}
}

// EnsureRecord with an id updates that record and no other: a copy of our
// marker beside it stays, and an id whose record is not ours (another
// marker, or another name) is refused without a write.
func TestEnsureRecordByIDTouchesOnlyThatRecord(t *testing.T) {
	f := newFixture(t)
	p := f.provider(t)
	ours, err := p.EnsureRecord(t.Context(), rec("a.example.com", "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	copied, _ := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "A", Name: "a.example.com", Content: "192.0.2.9", Comment: marker})
	foreign, _ := f.emu.AddRecord(f.zone.ID, cfemu.Record{Type: "A", Name: "b.example.com", Content: "192.0.2.8", Comment: "hands off"})

	want := rec("a.example.com", "192.0.2.2")
	want.ID = ours.ID
	got, err := p.EnsureRecord(t.Context(), want)
	if err != nil || got.ID != ours.ID || got.Content != "192.0.2.2" || got.Owner != marker {
		t.Fatalf("update by id: %+v, %v", got, err)
	}
	byID := map[string]cfemu.Record{}
	for _, r := range f.emu.Records(f.zone.ID) {
		byID[r.ID] = r
	}
	if c := byID[copied.ID]; c.Content != copied.Content || !c.ModifiedOn.Equal(copied.ModifiedOn) {
		t.Fatalf("the copy of our marker was touched: %+v", c)
	}

	f.emu.ResetCalls()
	for _, r := range []dns.Record{
		{ID: foreign.ID, Name: "b.example.com", Type: "A", Content: "192.0.2.1"}, // not our marker
		{ID: ours.ID, Name: "c.example.com", Type: "A", Content: "192.0.2.1"},    // our record, another name
	} {
		if _, err := p.EnsureRecord(t.Context(), r); !errors.Is(err, dns.ErrNotOurs) {
			t.Errorf("EnsureRecord(%+v): %v, want ErrNotOurs", r, err)
		}
	}
	for k := range f.emu.Calls() {
		if !strings.HasPrefix(k, "GET ") {
			t.Fatalf("a refused update wrote: %v", f.emu.Calls())
		}
	}
}

// Zone reads the zone's own name by its id.
func TestZoneReadsTheNameByID(t *testing.T) {
	f := newFixture(t)
	other := f.emu.AddZone("other.org")
	p := f.provider(t, func(o *Options) { o.ZoneID, o.ZoneName = other.ID, "example.com" })
	z, err := p.Zone(t.Context())
	if err != nil || z.Name != "other.org" || z.ID != other.ID {
		t.Fatalf("Zone: %+v, %v", z, err)
	}
}
