package auth

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// testLimiter is a limiter on a clock the test moves.
func testLimiter(t *testing.T) (*Limiter, *time.Time) {
	t.Helper()
	now := time.Unix(1000, 0)
	l := NewLimiter()
	l.Now = func() time.Time { return now }
	return l, &now
}

func TestLimiter(t *testing.T) {
	l, now := testLimiter(t)
	u := Key{Name: "u", Max: 3}
	for i := range 3 {
		// The third attempt is let through, and locks the key behind it.
		if w := l.Reserve(u); w != 0 {
			t.Fatalf("attempt %d: wait %v, want 0", i+1, w)
		}
	}
	if w := l.Reserve(u); w != 30*time.Second {
		t.Fatalf("after 3 attempts: wait %v, want 30s", w)
	}
	if w := l.Reserve(Key{Name: "other", Max: 3}); w != 0 {
		t.Fatalf("other key waits %v", w)
	}
	*now = now.Add(31 * time.Second)
	if w := l.Reserve(u); w != 0 {
		t.Fatalf("lock did not expire: %v", w)
	}
	if w := l.Reserve(u); w != time.Minute {
		t.Fatalf("after the 4th attempt: wait %v, want doubled to 1m", w)
	}
	for range 30 {
		// Each attempt right when the lock ends: the history still counts.
		*now = now.Add(l.Reserve(u))
		l.Reserve(u)
	}
	if w := l.Reserve(u); w != 15*time.Minute {
		t.Fatalf("wait %v, want capped at 15m", w)
	}
	l.Reset("u")
	if w := l.Reserve(u); w != 0 {
		t.Fatalf("after reset: %v", w)
	}
}

func TestLimiterWindowForgets(t *testing.T) {
	l, now := testLimiter(t)
	u := Key{Name: "u", Max: 2}
	l.Reserve(u)
	*now = now.Add(16 * time.Minute)
	l.Reserve(u)
	if w := l.Reserve(u); w != 0 {
		t.Fatalf("attempts outside the window locked the key: %v", w)
	}
}

// A locked key refuses the attempt for every key, and counts it for none.
func TestLimiterReservesAllKeysOrNone(t *testing.T) {
	l, _ := testLimiter(t)
	ip := Key{Name: "ip:1", Max: 1}
	l.Reserve(ip) // locks ip:1
	user := Key{Name: "user:a", Max: 2}
	for range 5 {
		if w := l.Reserve(user, ip); w == 0 {
			t.Fatal("a locked address got an attempt")
		}
	}
	// user:a was not counted by the refused attempts.
	if w := l.Reserve(user); w != 0 {
		t.Fatalf("refused attempts counted against the user: wait %v", w)
	}
}

// Parallel attempts: exactly Max of them get through, whatever the timing.
func TestLimiterParallelReservations(t *testing.T) {
	l := NewLimiter()
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if l.Reserve(Key{Name: "u", Max: 5}) == 0 {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if passed != 5 {
		t.Fatalf("%d parallel attempts passed, want 5", passed)
	}
}

// A flood of distinct addresses neither grows the limiter past its bound
// nor pushes out a locked key.
func TestLimiterMemoryIsBounded(t *testing.T) {
	l, _ := testLimiter(t) // the clock stands still: the lock outlasts the flood
	l.MaxEntries = 1000
	admin := Key{Name: "user:admin", Max: 5}
	for range 5 {
		l.Reserve(admin)
	}
	for i := range 100_000 {
		l.Reserve(Key{Name: "ip:" + strconv.Itoa(i), Max: 20})
		if n := l.Len(); n > l.MaxEntries {
			t.Fatalf("after %d addresses: %d entries, bound %d", i+1, n, l.MaxEntries)
		}
	}
	if w := l.Reserve(admin); w == 0 {
		t.Fatal("the flood of addresses unlocked the user")
	}
}

// When every key is locked, a new key still gets in (the bound holds) and
// the lock that ends first is the one dropped.
func TestLimiterFullOfLockedKeys(t *testing.T) {
	l, now := testLimiter(t)
	l.MaxEntries = 3
	for i := range 3 {
		*now = now.Add(time.Second)
		l.Reserve(Key{Name: "k" + strconv.Itoa(i), Max: 1})
	}
	if w := l.Reserve(Key{Name: "new", Max: 1}); w != 0 {
		t.Fatalf("new key waits %v", w)
	}
	if n := l.Len(); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
	if w := l.Reserve(Key{Name: "k0", Max: 1}); w != 0 {
		t.Fatalf("k0 (the earliest lock) was kept: wait %v", w)
	}
	if w := l.Reserve(Key{Name: "k2", Max: 1}); w == 0 {
		t.Fatal("k2 (a later lock) was dropped")
	}
}
