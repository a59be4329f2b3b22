package cloudflare

import (
	"context"
	"errors"
	"sync"
	"time"
)

// windowLimiter allows at most n requests in any window, like Cloudflare's
// own count, so a large sync slows down instead of being locked out: a
// token bucket with a burst would let more than n through in one window.
type windowLimiter struct {
	mu     sync.Mutex
	window time.Duration
	times  []time.Time // ring of the last n request times
	next   int
}

func newWindowLimiter(n int, window time.Duration) *windowLimiter {
	return &windowLimiter{window: window, times: make([]time.Time, n)}
}

var errRateDeadline = errors.New("the rate limit leaves no room before the deadline")

// wait blocks until a request may be sent, then counts it.
func (l *windowLimiter) wait(ctx context.Context, deadline time.Time) error {
	for {
		l.mu.Lock()
		now := time.Now()
		oldest := l.times[l.next]
		free := oldest.Add(l.window)
		if oldest.IsZero() || !now.Before(free) {
			l.times[l.next] = now
			l.next = (l.next + 1) % len(l.times)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if free.After(deadline) {
			return errRateDeadline
		}
		t := time.NewTimer(free.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
