package cfemu

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Cloudflare's global limit: "1200 requests per five minutes per user ...
// If you exceed this limit, all API calls for the next five minutes will be
// blocked, receiving a HTTP 429 response"; REST answers carry Ratelimit and
// Ratelimit-Policy headers, and a 429 carries retry-after, "the number of
// seconds, rounded up, until more capacity is available"
// (developers.cloudflare.com/fundamentals/api/reference/limits).
const (
	defaultRateLimit  = 1200
	defaultRateWindow = 5 * time.Minute
)

// limiter is a sliding-window log: a request is admitted when fewer than
// limit requests were admitted in the last window. Rejected requests are
// not logged, so a client that waits Retry-After always gets through.
type limiter struct {
	mu     sync.Mutex
	limit  int // <= 0: off
	window time.Duration
	hits   []time.Time // admitted requests, oldest first
}

func newLimiter(limit int, window time.Duration) *limiter {
	l := &limiter{}
	l.set(limit, window)
	return l
}

func (l *limiter) set(limit int, window time.Duration) {
	if limit == 0 {
		limit = defaultRateLimit
	}
	if window <= 0 {
		window = defaultRateWindow
	}
	l.limit, l.window, l.hits = limit, window, nil
}

// SetRateLimit replaces the rate limit and forgets past requests: limit
// requests per window, 0 for Cloudflare's 1200 per 5 minutes, negative to
// turn the limit off.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	s.limiter.set(limit, window)
}

// admit decides whether the request may proceed, sets the rate-limit
// headers, and writes the 429 itself when it may not.
func (l *limiter) admit(w http.ResponseWriter, now time.Time) bool {
	l.mu.Lock()
	if l.limit < 0 {
		l.mu.Unlock()
		return true
	}
	cutoff := now.Add(-l.window)
	i := 0
	for i < len(l.hits) && !l.hits[i].After(cutoff) {
		i++
	}
	l.hits = l.hits[i:]
	ok := len(l.hits) < l.limit
	if ok {
		l.hits = append(l.hits, now)
	}
	reset := l.hits[0].Add(l.window).Sub(now)
	remaining := l.limit - len(l.hits)
	limit, window := l.limit, l.window
	l.mu.Unlock()

	h := w.Header()
	h.Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, ceilSeconds(reset)))
	h.Set("Ratelimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, limit, ceilSeconds(window)))
	if !ok {
		h.Set("Retry-After", fmt.Sprint(ceilSeconds(reset)))
		writeError(w, errRateLimited(limit, ceilSeconds(window)))
	}
	return ok
}
