package cfemu

import (
	"maps"
	"sync"
	"time"
)

// faultRule makes the next `left` requests to an endpoint (every endpoint
// when key is empty) fail with status, or drop when status is 0.
type faultRule struct {
	key    string
	left   int
	status int
}

type faults struct {
	mu      sync.Mutex
	latency time.Duration
	fails   []faultRule
	drops   []faultRule
}

// FailNext makes the next n requests, whatever the endpoint, fail with the
// given HTTP status and a Cloudflare-style error body (a 429 also carries
// Retry-After: 1). Rules queue up: earlier ones are used first.
func (s *Server) FailNext(n, status int) { s.FailNextOn("", n, status) }

// FailNextOn is FailNext for one endpoint, named as in Calls, for example
// "POST /zones/{zone_id}/dns_records/batch".
func (s *Server) FailNextOn(endpoint string, n, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.fails = append(s.faults.fails, faultRule{key: endpoint, left: n, status: status})
}

// DropNext makes the next n requests end with the connection closed and no
// response, as a network failure would.
func (s *Server) DropNext(n int) { s.DropNextOn("", n) }

// DropNextOn is DropNext for one endpoint, named as in Calls.
func (s *Server) DropNextOn(endpoint string, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.drops = append(s.faults.drops, faultRule{key: endpoint, left: n})
}

// SetLatency delays every request by d before it is handled; 0 turns the
// delay off.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = d
}

// ClearFaults removes pending failures and drops and the latency.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency, s.faults.fails, s.faults.drops = 0, nil, nil
}

func (f *faults) delay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

func (f *faults) takeFailure(key string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return take(&f.fails, key)
}

func (f *faults) takeDrop(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := take(&f.drops, key)
	return ok
}

// take uses up one request of the first rule matching key and forgets
// rules that are spent.
func take(rules *[]faultRule, key string) (int, bool) {
	for i := range *rules {
		r := &(*rules)[i]
		if r.left > 0 && (r.key == "" || r.key == key) {
			r.left--
			status := r.status
			if r.left == 0 {
				*rules = append((*rules)[:i], (*rules)[i+1:]...)
			}
			return status, true
		}
	}
	return 0, false
}

// callCounter counts requests per endpoint; every request received counts,
// including those that were failed, dropped or rate limited, because each
// one costs the client a call against Cloudflare's budget.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
}

func (c *callCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[key]++
	c.total++
}

// Calls returns the number of requests received per endpoint, keyed like
// "GET /zones/{zone_id}/dns_records" (method and route, without /client/v4).
// Unrouted requests are keyed by method and raw path.
func (s *Server) Calls() map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	m := maps.Clone(s.calls.counts)
	if m == nil {
		m = map[string]int{}
	}
	return m
}

// TotalCalls returns the number of requests received.
func (s *Server) TotalCalls() int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.total
}

// ResetCalls sets every counter back to zero.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.counts, s.calls.total = nil, 0
}
