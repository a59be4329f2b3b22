package consumer

import (
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestList(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := model.Settings{Domain: "example.com", DNSDeleteGraceSeconds: 600}
	instances := []model.Instance{
		{ID: 1, Subdomain: "run", Status: model.StatusRunning, ProxyRouteID: 5, HostPort: 32768},
		{ID: 2, Subdomain: "noroute", Status: model.StatusRunning},
		{ID: 3, Subdomain: "recent", Status: model.StatusStopped, ProxyRouteID: 6, StatusChangedAt: now.Add(-5 * time.Minute)},
		{ID: 4, Subdomain: "old", Status: model.StatusStopped, ProxyRouteID: 7, StatusChangedAt: now.Add(-11 * time.Minute)},
		{ID: 5, Subdomain: "deploying", Status: model.StatusDeploying, ProxyRouteID: 8, StatusChangedAt: now},
		{ID: 6, Subdomain: "odd", Status: "unknown", ProxyRouteID: 9},
	}
	proxies := []model.Proxy{{ID: 9, Domain: "shop.example.org", ForwardScheme: "https", ForwardHost: "10.0.0.5", ForwardPort: 8443}}
	cs := List(instances, proxies, s, now)
	byName := map[string]Consumer{}
	for _, c := range cs {
		byName[c.FQDN] = c
	}
	tests := []struct {
		fqdn   string
		kind   string
		active bool
		target Target
	}{
		{"run.example.com", model.KindInstance, true, Target{"http", "127.0.0.1", 32768}},
		{"recent.example.com", model.KindInstance, false, Target{"http", "127.0.0.1", 0}},
		{"deploying.example.com", model.KindInstance, false, Target{"http", "127.0.0.1", 0}},
		{"shop.example.org", model.KindProxy, true, Target{"https", "10.0.0.5", 8443}},
	}
	if len(cs) != len(tests) {
		t.Fatalf("consumers %+v, want %d", cs, len(tests))
	}
	for _, tt := range tests {
		c, ok := byName[tt.fqdn]
		if !ok || c.Kind != tt.kind || c.Active() != tt.active || c.Target != tt.target {
			t.Errorf("%s: %+v (present %v)", tt.fqdn, c, ok)
		}
	}
	if want := now.Add(-5 * time.Minute).Add(10 * time.Minute); !byName["recent.example.com"].GraceUntil.Equal(want) {
		t.Errorf("grace until %s, want %s", byName["recent.example.com"].GraceUntil, want)
	}
	if got := NextGraceEnd(cs); !got.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("next grace end %s", got)
	}
	// Grace 0 drops stopped instances at once; no domain, no instance.
	s.DNSDeleteGraceSeconds = 0
	if cs := List(instances, nil, s, now); len(cs) != 1 || cs[0].FQDN != "run.example.com" {
		t.Errorf("grace 0: %+v", cs)
	}
	if cs := List(instances, nil, model.Settings{}, now); len(cs) != 0 {
		t.Errorf("without a domain: %+v", cs)
	}
}
