package auth

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(3)
	l.Now = func() time.Time { return now }
	for i := range 2 {
		l.Fail("u")
		if w := l.Wait("u"); w != 0 {
			t.Fatalf("after %d failures: wait %v, want 0", i+1, w)
		}
	}
	l.Fail("u")
	if w := l.Wait("u"); w != 30*time.Second {
		t.Fatalf("after 3 failures: wait %v, want 30s", w)
	}
	if w := l.Wait("other"); w != 0 {
		t.Fatalf("other key waits %v", w)
	}
	now = now.Add(31 * time.Second)
	if w := l.Wait("u"); w != 0 {
		t.Fatalf("lock did not expire: %v", w)
	}
	l.Fail("u")
	if w := l.Wait("u"); w != time.Minute {
		t.Fatalf("4th failure: wait %v, want doubled to 1m", w)
	}
	for range 30 {
		l.Fail("u")
	}
	if w := l.Wait("u"); w != 15*time.Minute {
		t.Fatalf("wait %v, want capped at 15m", w)
	}
	l.Reset("u")
	if w := l.Wait("u"); w != 0 {
		t.Fatalf("after reset: %v", w)
	}
}

func TestLimiterWindowForgets(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(2)
	l.Now = func() time.Time { return now }
	l.Fail("u")
	now = now.Add(16 * time.Minute)
	l.Fail("u")
	if w := l.Wait("u"); w != 0 {
		t.Fatalf("failures outside the window locked the key: %v", w)
	}
}
