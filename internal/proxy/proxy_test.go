package proxy

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestTable(t *testing.T) {
	s := model.Settings{Domain: "example.com"}
	instances := []model.Instance{
		{ID: 1, Subdomain: "web", Status: model.StatusRunning, HostPort: 32768},
		{ID: 2, Subdomain: "new", Status: model.StatusDeploying, HostPort: 32769},
		{ID: 3, Subdomain: "off", Status: model.StatusStopped},
		{ID: 4, Subdomain: "shop", Status: model.StatusRunning, HostPort: 32770}, // a proxy has the name too
	}
	proxies := []model.Proxy{
		{ID: 9, Domain: "shop.example.com", ForwardScheme: "https", ForwardHost: "10.0.0.5", ForwardPort: 8443},
		{ID: 10, Domain: "other.org", ForwardScheme: "http", ForwardHost: "::1", ForwardPort: 3000},
	}
	got := map[string]Route{}
	for _, r := range Table(instances, proxies, s) {
		got[r.Host] = r
	}
	tests := []struct {
		host, target, kind string
		id                 int64
		state              State
	}{
		{"web.example.com", "http://127.0.0.1:32768", model.KindInstance, 1, Active},
		{"new.example.com", "http://127.0.0.1:32769", model.KindInstance, 2, Deploying},
		{"off.example.com", "http://127.0.0.1:0", model.KindInstance, 3, Stopped},
		{"shop.example.com", "https://10.0.0.5:8443", model.KindProxy, 9, Active},
		{"other.org", "http://[::1]:3000", model.KindProxy, 10, Active},
	}
	if len(got) != len(tests) {
		t.Fatalf("table %+v", got)
	}
	for _, tt := range tests {
		r := got[tt.host]
		if r.Target == nil || r.Target.String() != tt.target || r.Kind != tt.kind || r.ID != tt.id || r.State != tt.state {
			t.Errorf("%s: %+v", tt.host, r)
		}
	}
	if rs := Table(instances, nil, model.Settings{}); len(rs) != 0 {
		t.Errorf("instances without a domain have routes: %+v", rs)
	}
}

func TestNormalizeHost(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"app.example.com", "app.example.com"},
		{"App.Example.COM:8081", "app.example.com"},
		{"app.example.com.", "app.example.com"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"[::1]:80", "::1"},
		{"bad host!", "bad host!"}, // no upper case or non-ASCII: looked up as it is, and found nowhere
		{"ÜBER..example", ""},
	} {
		if got := NormalizeHost(tt.in); got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHostErrors(t *testing.T) {
	down := errors.New("npm: listing proxy hosts: connection refused")
	err := errors.Join(
		&RouteError{Host: "a.example.com", Err: errors.New("nginx refuses")},
		&RouteError{Host: "b.example.com", Err: &ConflictError{Host: "b.example.com"}},
		&ConflictError{Host: "c.example.com"},
		fmt.Errorf("wrapped: %w", errors.Join(down)),
	)
	byHost, rest := HostErrors(err)
	var ce *ConflictError
	if len(byHost) != 3 || byHost["a.example.com"] == nil || !errors.As(byHost["b.example.com"], &ce) || byHost["c.example.com"] == nil {
		t.Errorf("by host: %v", byHost)
	}
	if len(rest) != 1 || !errors.Is(rest[0], down) {
		t.Errorf("rest: %v", rest)
	}
	if byHost, rest := HostErrors(nil); len(byHost) != 0 || len(rest) != 0 {
		t.Errorf("nil: %v %v", byHost, rest)
	}
}

// A consumer the router has not applied yet is pending, not routed.
func TestStatusBeforeASync(t *testing.T) {
	var s Syncer
	if st := s.Status(Key{model.KindProxy, 1}); st.State != Pending || st.Router != model.RouterBuiltin {
		t.Errorf("status before any sync: %+v", st)
	}
}
