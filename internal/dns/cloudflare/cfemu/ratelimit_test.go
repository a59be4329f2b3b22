package cfemu

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Options{RateLimit: 3, RateWindow: 200 * time.Millisecond})

	for i := range 3 {
		res := f.ok("GET", "/zones", editToken, nil)
		if got := res.Header.Get("Ratelimit-Policy"); got != `"default";q=3;w=1` {
			t.Errorf("Ratelimit-Policy = %q", got)
		}
		if got, want := res.Header.Get("Ratelimit"), `"default";r=`+strconv.Itoa(2-i)+`;t=1`; got != want {
			t.Errorf("Ratelimit = %q, want %q", got, want)
		}
	}
	start := time.Now()
	res := f.call("GET", "/zones", editToken, nil)
	wantError(t, res, http.StatusTooManyRequests, 10100)
	if res.Errors[0].Message != "More than 3 requests per 1 seconds reached. Please wait and consider throttling your request speed" {
		t.Errorf("message = %q", res.Errors[0].Message)
	}
	if got := res.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1 (seconds, rounded up)", got)
	}
	// Every endpoint shares the limit, and refused calls do not extend it.
	wantError(t, f.call("GET", f.recordsPath(), editToken, nil), 429, 10100)
	wantError(t, f.call("GET", "/user/tokens/verify", editToken, nil), 429, 10100)

	time.Sleep(200*time.Millisecond - time.Since(start) + 20*time.Millisecond)
	f.ok("GET", "/zones", editToken, nil)
}

func TestRateLimitDefaultsAndOff(t *testing.T) {
	f := newFixture(t, Options{})
	if got := f.ok("GET", "/zones", editToken, nil).Header.Get("Ratelimit-Policy"); got != `"default";q=1200;w=300` {
		t.Errorf("default policy = %q, want Cloudflare's 1200 per 300 seconds", got)
	}

	f.srv.SetRateLimit(-1, 0)
	for range 50 {
		res := f.ok("GET", "/zones", editToken, nil)
		if res.Header.Get("Ratelimit") != "" {
			t.Fatal("rate-limit headers sent with the limit off")
		}
	}

	f.srv.SetRateLimit(1, time.Hour)
	f.ok("GET", "/zones", editToken, nil)
	res := f.call("GET", "/zones", editToken, nil)
	wantError(t, res, 429, 10100)
	if got := res.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After = %q, want 3600", got)
	}
}
