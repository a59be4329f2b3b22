package npm

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/npm/npmemu"
)

func route(host, target string, kind string) proxy.Route {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	return proxy.Route{Host: host, Target: u, Kind: kind, ID: 1, State: proxy.Active}
}

// adminRouter is a router with an admin account on a fresh emulator.
func adminRouter(t *testing.T) (*fixture, *Router) {
	t.Helper()
	f := newFixture(t, fixtureOpts{user: npmemu.UserOptions{Admin: true}})
	return f, f.router(t, Options{})
}

func apply(t *testing.T, r *Router, routes ...proxy.Route) {
	t.Helper()
	if err := r.Apply(context.Background(), routes); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// live is the emulator's hosts not deleted.
func live(f *fixture) []npmemu.Host {
	var out []npmemu.Host
	for _, h := range f.emu.Hosts() {
		if !h.IsDeleted {
			out = append(out, h)
		}
	}
	return out
}

func TestFieldsOfAHost(t *testing.T) {
	f := newFixture(t, fixtureOpts{user: npmemu.UserOptions{Admin: true}})
	r := f.router(t, Options{ForwardHost: "172.17.0.1"})
	apply(t, r, route("app.example.com", "http://127.0.0.1:30001", model.KindInstance),
		route("ext.example.com", "https://10.1.2.3", model.KindProxy))
	hosts := live(f)
	if len(hosts) != 2 {
		t.Fatalf("hosts: %+v", hosts)
	}
	app, ext := hosts[0], hosts[1]
	if app.ForwardHost != "172.17.0.1" || app.ForwardPort != 30001 || app.ForwardScheme != "http" {
		t.Errorf("instance host forwards to %s://%s:%d, want http://172.17.0.1:30001", app.ForwardScheme, app.ForwardHost, app.ForwardPort)
	}
	if ext.ForwardHost != "10.1.2.3" || ext.ForwardPort != 443 || ext.ForwardScheme != "https" {
		t.Errorf("proxy host forwards to %s://%s:%d, want https://10.1.2.3:443", ext.ForwardScheme, ext.ForwardHost, ext.ForwardPort)
	}
	for _, h := range hosts {
		if !h.AllowWebsocketUpgrade || !h.BlockExploits || h.HTTP2Support || h.CertificateID != 0 || h.SSLForced || !h.Enabled {
			t.Errorf("host %v: websocket %v, block exploits %v, http2 %v, certificate %d, ssl forced %v, enabled %v",
				h.DomainNames, h.AllowWebsocketUpgrade, h.BlockExploits, h.HTTP2Support, h.CertificateID, h.SSLForced, h.Enabled)
		}
	}
	if got := r.Owned(); got["app.example.com"] != app.ID || got["ext.example.com"] != ext.ID || len(got) != 2 {
		t.Errorf("Owned() = %v", got)
	}
}

func TestInactiveRouteIsNotServed(t *testing.T) {
	f, r := adminRouter(t)
	rt := route("app.example.com", "http://127.0.0.1:30001", model.KindInstance)
	apply(t, r, rt)
	rt.State = proxy.Stopped
	apply(t, r, rt)
	if hosts := live(f); len(hosts) != 0 {
		t.Errorf("a stopped route still has its host: %+v", hosts)
	}
}

func TestTokenRefreshedBeforeItExpires(t *testing.T) {
	f := newFixture(t, fixtureOpts{emu: npmemu.Options{TokenExpiry: time.Hour}, user: npmemu.UserOptions{Admin: true}})
	r := f.router(t, Options{})
	rt := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	apply(t, r, rt)
	f.clock.Add(58 * time.Minute)
	apply(t, r, rt)
	f.clock.Add(58 * time.Minute) // past the first token's end: the refreshed one serves
	apply(t, r, rt)
	calls := f.emu.Calls()
	if calls["POST /tokens"] != 1 || calls["GET /tokens"] != 2 {
		t.Errorf("logins %d, refreshes %d; want 1 and 2", calls["POST /tokens"], calls["GET /tokens"])
	}
}

func TestExpiredTokenLogsInAgain(t *testing.T) {
	emuClock := newClock()
	f := newFixture(t, fixtureOpts{emu: npmemu.Options{TokenExpiry: time.Hour}, emuClock: emuClock,
		user: npmemu.UserOptions{Admin: true}})
	r := f.router(t, Options{}) // on f.clock, which stays behind: the router believes its token fresh
	rt := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	apply(t, r, rt)
	emuClock.Add(2 * time.Hour)
	apply(t, r, rt, route("b.example.com", "http://10.0.0.2:80", model.KindProxy))
	if n := f.emu.Calls()["POST /tokens"]; n != 2 {
		t.Errorf("%d logins, want 2 (one after NPM's \"Token has expired\")", n)
	}
	if hosts := live(f); len(hosts) != 2 {
		t.Errorf("hosts after the new login: %+v", hosts)
	}

	// A refresh with an expired token fails; the router logs in afresh.
	f.clock.Add(3 * time.Hour)
	emuClock.Add(3 * time.Hour)
	apply(t, r, rt)
	if n := f.emu.Calls()["POST /tokens"]; n != 3 {
		t.Errorf("%d logins, want 3", n)
	}
}

func TestUnverifiableTokenLogsInAgain(t *testing.T) {
	f, r := adminRouter(t)
	rt := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	apply(t, r, rt)
	r.token = f.emu.IssueToken(f.userID, f.clock.Now().Add(time.Hour)) + "x" // as after NPM's keys changed
	apply(t, r, rt, route("b.example.com", "http://10.0.0.2:80", model.KindProxy))
	if n := f.emu.Calls()["POST /tokens"]; n != 2 {
		t.Errorf("%d logins, want 2 (one after NPM's 500 on the list)", n)
	}
	if hosts := live(f); len(hosts) != 2 {
		t.Errorf("hosts: %+v", hosts)
	}
}

func TestTwoFactorAccount(t *testing.T) {
	f := newFixture(t, fixtureOpts{user: npmemu.UserOptions{Admin: true, TwoFactorCode: "123456"}})
	r := f.router(t, Options{})
	err := r.Apply(context.Background(), []proxy.Route{route("a.example.com", "http://10.0.0.1:80", model.KindProxy)})
	if !errors.Is(err, ErrTwoFactor) {
		t.Fatalf("Apply = %v, want ErrTwoFactor", err)
	}
	if !strings.Contains(err.Error(), "two-factor authentication, which Docker Watcher does not support; use an account without it") {
		t.Errorf("message: %v", err)
	}
	if hosts := live(f); len(hosts) != 0 {
		t.Errorf("hosts: %+v", hosts)
	}
}

func TestWrongPassword(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	r, err := New(Options{URL: f.url + "/api/", Email: email, Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Apply(context.Background(), nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Message != "Invalid email or password" {
		t.Errorf("Apply = %v, want NPM's refusal", err)
	}
}

func TestNginxTestFailure(t *testing.T) {
	f, r := adminRouter(t)
	a := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	b := route("b.example.com", "http://10.0.0.2:80", model.KindProxy)

	f.emu.FailNginxTest(1, "nginx: [emerg] host not found in upstream \"10.0.0.1\"\n")
	err := r.Apply(context.Background(), []proxy.Route{a, b})
	if err == nil || !strings.Contains(err.Error(), "a.example.com") || !strings.Contains(err.Error(), `host not found in upstream`) {
		t.Fatalf("Apply after a failed create = %v, want the host and nginx's message", err)
	}
	if strings.Contains(err.Error(), "b.example.com") {
		t.Errorf("b is reported too: %v", err)
	}
	if hosts := live(f); len(hosts) != 2 {
		t.Fatalf("hosts: %+v", hosts)
	}

	f.emu.FailNginxTest(1, "nginx: [emerg] boom\n")
	b.Target, _ = url.Parse("http://10.0.0.3:81")
	err = r.Apply(context.Background(), []proxy.Route{a, b})
	if err == nil || !strings.Contains(err.Error(), "b.example.com") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Apply after a failed update = %v, want the host and nginx's message", err)
	}
}

func TestAlreadyInUseIsAConflict(t *testing.T) {
	f := newFixture(t, fixtureOpts{}) // a plain user: the hand-made host is out of its sight
	foreign, err := f.emu.AddHost(f.otherID, npmemu.Host{DomainNames: []string{"taken.example.com"},
		ForwardHost: "192.168.1.5", ForwardPort: 8000, Enabled: true, AdvancedConfig: "# by hand"})
	if err != nil {
		t.Fatal(err)
	}
	r := f.router(t, Options{})
	ok := route("free.example.com", "http://10.0.0.1:80", model.KindProxy)
	for range 2 {
		err = r.Apply(context.Background(), []proxy.Route{route("taken.example.com", "http://10.0.0.9:80", model.KindProxy), ok})
		var ce *proxy.ConflictError
		if !errors.As(err, &ce) || ce.Host != "taken.example.com" || !strings.Contains(err.Error(), "already in use") {
			t.Fatalf("Apply = %v, want a conflict for taken.example.com", err)
		}
		if n := f.emu.Calls()["POST /nginx/proxy-hosts"]; n < 2 {
			t.Fatalf("%d creates: the conflict was not NPM's answer", n)
		}
	}
	if err := r.Apply(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	hosts := live(f)
	if len(hosts) != 1 {
		t.Fatalf("hosts: %+v", hosts)
	}
	got := hosts[0]
	if got.ID != foreign.ID || got.ForwardHost != "192.168.1.5" || got.ForwardPort != 8000 || got.AdvancedConfig != "# by hand" ||
		!got.ModifiedOn.Equal(foreign.ModifiedOn) {
		t.Errorf("the hand-made host changed: %+v, was %+v", got, foreign)
	}
	if _, ok := r.Owned()["taken.example.com"]; ok {
		t.Errorf("Owned() claims the hand-made host: %v", r.Owned())
	}
}

func TestOwnedSeed(t *testing.T) {
	f := newFixture(t, fixtureOpts{user: npmemu.UserOptions{Admin: true}})
	first := f.router(t, Options{})
	a := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	apply(t, first, a)

	// Without the seed a new router does not know the host is ours.
	var ce *proxy.ConflictError
	if err := f.router(t, Options{}).Apply(context.Background(), []proxy.Route{a}); !errors.As(err, &ce) {
		t.Errorf("an unseeded router: Apply = %v, want a conflict", err)
	}
	seeded := f.router(t, Options{Owned: first.Owned()})
	apply(t, seeded, a)
	apply(t, seeded)
	if hosts := live(f); len(hosts) != 0 {
		t.Errorf("the seeded router did not delete its host: %+v", hosts)
	}
	if got := seeded.Owned(); len(got) != 0 {
		t.Errorf("Owned() = %v after the delete", got)
	}
}

func TestHostDeletedByHandIsMadeAgain(t *testing.T) {
	f, r := adminRouter(t)
	a := route("a.example.com", "http://10.0.0.1:80", model.KindProxy)
	apply(t, r, a)
	old := r.Owned()["a.example.com"]
	// someone deletes it in NPM's UI
	req := httptest.NewRequest("DELETE", "/api/nginx/proxy-hosts/"+strconv.Itoa(old), nil)
	tok := f.emu.IssueToken(f.userID, f.clock.Now().Add(time.Hour))
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	f.emu.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("delete by hand: %d %s", rec.Code, rec.Body)
	}
	apply(t, r, a)
	if id := r.Owned()["a.example.com"]; id == old || id == 0 {
		t.Errorf("Owned() = %v, want a new id", r.Owned())
	}
	if hosts := live(f); len(hosts) != 1 {
		t.Errorf("hosts: %+v", hosts)
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{
		{URL: "npm:81", Email: email, Password: password},
		{URL: "http://npm:81", Password: password},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	r, err := New(Options{URL: "http://npm:81/", Email: email, Password: password})
	if err != nil || r.base != "http://npm:81/api" {
		t.Errorf("New: %v, base %q", err, r.base)
	}
}
