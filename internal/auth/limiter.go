package auth

import (
	"sync"
	"time"
)

// Limiter slows down repeated failed logins for one key (a user name or a
// client address): after Max failures within Window, the key is locked for
// Lock, doubling with each further failure up to MaxLock.
type Limiter struct {
	Max     int
	Window  time.Duration
	Lock    time.Duration
	MaxLock time.Duration
	Now     func() time.Time

	mu      sync.Mutex
	entries map[string]*limitEntry
}

type limitEntry struct {
	fails int
	first time.Time
	until time.Time
}

// NewLimiter returns a limiter with the defaults documented in docs/api.md.
func NewLimiter(max int) *Limiter {
	return &Limiter{Max: max, Window: 15 * time.Minute, Lock: 30 * time.Second, MaxLock: 15 * time.Minute, Now: time.Now}
}

// Wait returns how long key must wait before it may try again (0: now).
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[key]; e != nil {
		if d := e.until.Sub(l.Now()); d > 0 {
			return d
		}
	}
	return 0
}

// Fail records a failed attempt.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.entries == nil {
		l.entries = map[string]*limitEntry{}
	}
	if len(l.entries) > 10000 {
		l.sweep(now)
	}
	e := l.entries[key]
	if e == nil || (now.Sub(e.first) > l.Window && now.After(e.until)) {
		e = &limitEntry{first: now}
		l.entries[key] = e
	}
	e.fails++
	if over := e.fails - l.Max; over >= 0 {
		lock := l.Lock << min(over, 20)
		if lock > l.MaxLock || lock <= 0 {
			lock = l.MaxLock
		}
		e.until = now.Add(lock)
	}
}

// Reset forgets a key's failures, after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// sweep drops entries that neither count nor lock any more, so a flood of
// distinct keys cannot grow the map without bound.
func (l *Limiter) sweep(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.first) > l.Window && now.After(e.until) {
			delete(l.entries, k)
		}
	}
}
