// Package proxytest is the conformance suite every external proxy.Router
// of Docker Watcher (one that writes to a backend shared with people, like
// Nginx Proxy Manager) must pass: Run applies route tables and checks,
// after every Apply, what the backend really serves — above all that an
// entry the router did not create is never changed nor deleted, and that
// its route is reported as a *proxy.ConflictError.
//
// A router's package runs it from a test against its own backend (an
// emulator, never the real service), reaching that backend through a
// Harness. The suite uses only active routes of kind proxy, so a router
// that rewrites the forward host of instances serves them as given.
package proxytest

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// Harness reaches the router's backend directly, as a person editing it by
// hand would.
type Harness interface {
	// AddForeign makes an entry for host forwarding to target directly at
	// the backend, as someone else's (not the router's).
	AddForeign(t testing.TB, host string, target *url.URL)
	// Served is what the backend serves now, ours and foreign alike: host
	// (lower case) to target URL ("http://10.0.0.5:8080").
	Served(t testing.TB) map[string]string
	// Writes is the number of write calls (anything but a read) the
	// backend has received so far.
	Writes(t testing.TB) int
}

// Factory returns a fresh router on an empty backend and a harness on the
// same backend.
type Factory func(t *testing.T) (proxy.Router, Harness)

// Run runs the conformance subtests against the routers f makes.
func Run(t *testing.T, f Factory) {
	t.Helper()
	if f == nil {
		t.Fatal("proxytest.Run needs a factory")
	}
	s := &suite{factory: f}
	t.Run("Creates", s.testCreates)
	t.Run("Twice", s.testTwice)
	t.Run("UpdatesInPlace", s.testUpdatesInPlace)
	t.Run("Deletes", s.testDeletes)
	t.Run("ForeignSurvives", s.testForeignSurvives)
	t.Run("EmptyRemovesOnlyOurs", s.testEmptyRemovesOnlyOurs)
}

type suite struct{ factory Factory }

// env is one fresh router and its backend.
type env struct {
	t *testing.T
	r proxy.Router
	h Harness
}

func (s *suite) env(t *testing.T) *env {
	t.Helper()
	r, h := s.factory(t)
	if r == nil || h == nil {
		t.Fatal("factory returned a nil router or harness")
	}
	if got := h.Served(t); len(got) != 0 {
		t.Fatalf("factory's backend is not empty: %v", got)
	}
	return &env{t: t, r: r, h: h}
}

// route is an active proxy route of host to target.
func route(id int64, host, target string) proxy.Route {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	return proxy.Route{Host: host, Target: u, Kind: model.KindProxy, ID: id, State: proxy.Active}
}

// table is what routes should make the backend serve.
func table(routes ...proxy.Route) map[string]string {
	out := map[string]string{}
	for _, r := range routes {
		out[r.Host] = r.Target.String()
	}
	return out
}

// apply must succeed.
func (e *env) apply(routes ...proxy.Route) {
	e.t.Helper()
	if err := e.r.Apply(context.Background(), routes); err != nil {
		e.t.Fatalf("Apply(%s): %v", show(routes), err)
	}
}

// served checks that the backend serves exactly want.
func (e *env) served(when string, want map[string]string) {
	e.t.Helper()
	got := e.h.Served(e.t)
	if !maps.Equal(got, want) {
		e.t.Errorf("%s: backend serves\n  %v\nwant\n  %v", when, sorted(got), sorted(want))
	}
}

func sorted(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " → " + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func show(routes []proxy.Route) string {
	return sorted(table(routes...))
}

var (
	a  = route(1, "a.example.com", "http://10.0.0.1:8080")
	b  = route(2, "b.example.com", "https://10.0.0.2:8443")
	c  = route(3, "c.example.com", "http://backend.internal:3000")
	a2 = route(1, "a.example.com", "http://10.0.0.9:9090")
)

func (s *suite) testCreates(t *testing.T) {
	e := s.env(t)
	e.apply(a, b, c)
	e.served("after the first Apply", table(a, b, c))
}

func (s *suite) testTwice(t *testing.T) {
	e := s.env(t)
	e.apply(a, b, c)
	before := e.h.Writes(t)
	e.apply(c, a, b) // the same table in another order
	if n := e.h.Writes(t) - before; n != 0 {
		t.Errorf("applying the same table again made %d writes, want none", n)
	}
	e.served("after the second Apply", table(a, b, c))
}

func (s *suite) testUpdatesInPlace(t *testing.T) {
	e := s.env(t)
	e.apply(a, b)
	before := e.h.Writes(t)
	e.apply(a2, b)
	e.served("after the target changed", table(a2, b))
	if n := e.h.Writes(t) - before; n != 1 {
		t.Errorf("changing one target made %d writes, want 1 (an update in place)", n)
	}
}

func (s *suite) testDeletes(t *testing.T) {
	e := s.env(t)
	e.apply(a, b, c)
	e.apply(a, c)
	e.served("after b was removed", table(a, c))
	e.apply(a)
	e.served("after c was removed", table(a))
}

// conflict applies routes and checks that the error names host as a
// conflict, and nothing else.
func (e *env) conflict(host string, routes ...proxy.Route) {
	e.t.Helper()
	err := e.r.Apply(context.Background(), routes)
	if err == nil {
		e.t.Errorf("Apply(%s) = nil, want a *proxy.ConflictError for %s", show(routes), host)
		return
	}
	var ce *proxy.ConflictError
	if !errors.As(err, &ce) || ce.Host != host {
		e.t.Errorf("Apply(%s) = %v, want a *proxy.ConflictError for %s", show(routes), err, host)
	}
	if others := nonConflicts(err); len(others) > 0 {
		e.t.Errorf("Apply(%s) also failed with %v", show(routes), errors.Join(others...))
	}
}

// nonConflicts is the errors joined in err that are no conflict.
func nonConflicts(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, nonConflicts(e)...)
		}
		return out
	}
	var ce *proxy.ConflictError
	if errors.As(err, &ce) {
		return nil
	}
	return []error{err}
}

func (s *suite) testForeignSurvives(t *testing.T) {
	e := s.env(t)
	foreign := route(0, "f.example.com", "http://192.168.1.50:80")
	e.h.AddForeign(t, foreign.Host, foreign.Target)
	mine := route(9, "f.example.com", "http://10.0.0.7:7000") // wants the foreign host's domain
	want := table(foreign, a)

	e.conflict(mine.Host, a, mine)
	e.served("after the first Apply", want)
	e.conflict(mine.Host, mine, a)
	e.served("after the second Apply", want)
	e.apply(a)
	e.served("after the conflicting route was removed", want)
	e.conflict(mine.Host, mine)
	e.served("after an Apply of the conflicting route alone", table(foreign))
	e.apply()
	e.served("after an empty Apply", table(foreign))
}

func (s *suite) testEmptyRemovesOnlyOurs(t *testing.T) {
	e := s.env(t)
	foreign := route(0, "hand.example.com", "https://192.168.1.60:8443")
	e.h.AddForeign(t, foreign.Host, foreign.Target)
	e.apply(a, b, c)
	e.served("after the Apply", table(foreign, a, b, c))
	e.apply()
	e.served("after an empty Apply", table(foreign))
	e.apply(b)
	e.served("after b came back", table(foreign, b))
}
