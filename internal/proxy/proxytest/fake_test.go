package proxytest

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// fake is an in-memory router backend: entries by host, each ours or not,
// and a write counter. bug breaks the contract in one named way.
type fake struct {
	bug string

	mu      sync.Mutex
	entries map[string]fakeEntry
	writes  int
}

type fakeEntry struct {
	target string
	ours   bool
}

func newFake(bug string) *fake { return &fake{bug: bug, entries: map[string]fakeEntry{}} }

func (f *fake) Apply(_ context.Context, routes []proxy.Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	want := map[string]bool{}
	for _, r := range routes {
		if r.State != proxy.Active {
			continue
		}
		want[r.Host] = true
		target := r.Target.String()
		old, ok := f.entries[r.Host]
		switch {
		case ok && !old.ours && f.bug != "overwrite-foreign":
			errs = append(errs, &proxy.ConflictError{Host: r.Host})
		case ok && old.target == target && f.bug != "chatty":
		default:
			f.entries[r.Host] = fakeEntry{target: target, ours: true}
			f.writes++
		}
	}
	if f.bug == "forget-deletes" {
		return errors.Join(errs...)
	}
	for host, e := range f.entries {
		if !want[host] && (e.ours || f.bug == "delete-foreign") {
			delete(f.entries, host)
			f.writes++
		}
	}
	return errors.Join(errs...)
}

type fakeHarness struct{ f *fake }

func (h fakeHarness) AddForeign(t testing.TB, host string, target *url.URL) {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	if _, ok := h.f.entries[host]; ok {
		t.Fatalf("fake: %s is taken", host)
	}
	h.f.entries[host] = fakeEntry{target: target.String()}
}

func (h fakeHarness) Served(testing.TB) map[string]string {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	out := map[string]string{}
	for host, e := range h.f.entries {
		out[host] = e.target
	}
	return out
}

func (h fakeHarness) Writes(testing.TB) int {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	return h.f.writes
}

func factory(bug string) Factory {
	return func(*testing.T) (proxy.Router, Harness) {
		f := newFake(bug)
		return f, fakeHarness{f}
	}
}
