package npmemu

import (
	"maps"
	"strings"
	"sync"
	"time"
)

// A fault is one queued rule: the next `left` requests to endpoint (any
// endpoint when empty) are dropped, or answered with status and NPM's
// error JSON.
type fault struct {
	endpoint string
	left     int
	status   int
	drop     bool
}

// faults holds the rules injected by tests. Rules are used in the order
// they were added; the nginx rules are separate because they do not fail
// the request, they change what NPM's `nginx -t` reports.
type faults struct {
	mu      sync.Mutex
	latency time.Duration
	queue   []fault
	nginx   []nginxFault
}

type nginxFault struct {
	left   int
	stderr string
}

// FailNext makes the next n requests, whatever the endpoint, fail with the
// given HTTP status and NPM's error JSON ({"error":{"code":status,...}}).
func (s *Server) FailNext(n, status int) { s.FailNextOn("", n, status) }

// FailNextOn is FailNext for one endpoint, named as in Calls, for example
// "POST /nginx/proxy-hosts".
func (s *Server) FailNextOn(endpoint string, n, status int) {
	s.faults.push(fault{endpoint: endpoint, left: n, status: status})
}

// DropNext makes the next n requests end with the connection closed and no
// answer, as a broken network would.
func (s *Server) DropNext(n int) { s.DropNextOn("", n) }

// DropNextOn is DropNext for one endpoint, named as in Calls.
func (s *Server) DropNextOn(endpoint string, n int) {
	s.faults.push(fault{endpoint: endpoint, left: n, drop: true})
}

// SetLatency delays every request by d; 0 turns the delay off.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	s.faults.latency = d
	s.faults.mu.Unlock()
}

// FailNginxTest makes the next n host configurations fail NPM's second
// `nginx -t` (the one after the host's file is written). As in NPM
// (backend/internal/nginx.js, configure) the request still succeeds: the
// host is saved with meta.nginx_online false and meta.nginx_err set to
// nginx's stderr, minus the lines about /var/log/nginx/error.log. An
// empty stderr stands for a typical "[emerg]" failure.
func (s *Server) FailNginxTest(n int, stderr string) {
	if stderr == "" {
		stderr = "nginx: [emerg] invalid number of arguments in \"proxy_set_header\" directive in /data/nginx/proxy_host/1.conf:42\n" +
			"nginx: configuration file /etc/nginx/nginx.conf test failed\n"
	}
	s.faults.mu.Lock()
	s.faults.nginx = append(s.faults.nginx, nginxFault{left: n, stderr: stderr})
	s.faults.mu.Unlock()
}

// ClearFaults forgets every pending rule and the latency.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.latency, s.faults.queue, s.faults.nginx = 0, nil, nil
	s.faults.mu.Unlock()
}

func (f *faults) push(r fault) {
	if r.left <= 0 {
		return
	}
	f.mu.Lock()
	f.queue = append(f.queue, r)
	f.mu.Unlock()
}

// wait sleeps for the injected latency; false when the client gave up
// first.
func (f *faults) wait(done <-chan struct{}) bool {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-done:
		return false
	}
}

// take spends one request of the oldest rule that applies to endpoint.
func (f *faults) take(endpoint string) (fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.queue {
		if r.endpoint != "" && r.endpoint != endpoint {
			continue
		}
		if f.queue[i].left--; f.queue[i].left == 0 {
			f.queue = append(f.queue[:i:i], f.queue[i+1:]...)
		}
		return r, true
	}
	return fault{}, false
}

// nginxTest is the outcome of one `nginx -t`: "" when it passes, else the
// error text NPM stores in meta.nginx_err.
func (f *faults) nginxTest() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.nginx) == 0 {
		return ""
	}
	r := &f.nginx[0]
	stderr := r.stderr
	if r.left--; r.left <= 0 {
		f.nginx = f.nginx[1:]
	}
	var kept []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, "/var/log/nginx/error.log") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// callCounter counts every request received per endpoint, failed, dropped
// and refused ones included: each is a round trip the client paid for.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
}

// Calls returns the requests received per endpoint, keyed by method and
// route below /api, like "GET /nginx/proxy-hosts/{hostID}"; unrouted
// requests are keyed by method and raw path.
func (s *Server) Calls() map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return maps.Clone(s.calls.n) // never nil: add makes the map, Reset clears it
}

// TotalCalls returns the number of requests received.
func (s *Server) TotalCalls() int {
	total := 0
	for _, n := range s.Calls() {
		total += n
	}
	return total
}

// ResetCalls sets every counter back to zero.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	clear(s.calls.n)
}
