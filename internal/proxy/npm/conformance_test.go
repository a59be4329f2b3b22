package npm

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/npm/npmemu"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/proxytest"
)

const (
	email    = "watcher@example.com"
	password = "s3cret-pass"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an emulator on a loopback server with the router's user and
// another user, the owner of hand-made hosts.
type fixture struct {
	emu     *npmemu.Server
	url     string
	clock   *clock
	userID  int
	otherID int
}

type fixtureOpts struct {
	emu       npmemu.Options
	user      npmemu.UserOptions // Email and Password are filled in
	emuClock  *clock             // the emulator's clock, the router's unless set
	routerNow func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{clock: newClock()}
	emuClock := f.clock
	if o.emuClock != nil {
		emuClock = o.emuClock
	}
	o.emu.Now = emuClock.Now
	f.emu = npmemu.New(o.emu)
	ts := httptest.NewServer(f.emu)
	t.Cleanup(ts.Close)
	f.url = ts.URL
	o.user.Email, o.user.Password = email, password
	f.userID = f.emu.AddUser(o.user)
	f.otherID = f.emu.AddUser(npmemu.UserOptions{Email: "person@example.com", Password: "by-hand", Name: "Person"})
	return f
}

func (f *fixture) router(t *testing.T, o Options) *Router {
	t.Helper()
	o.URL, o.Email, o.Password = f.url, email, password
	if o.Now == nil {
		o.Now = f.clock.Now
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// harness is proxytest's view of the emulator.
type harness struct{ f *fixture }

func (h harness) AddForeign(t testing.TB, host string, target *url.URL) {
	port, _ := strconv.Atoi(target.Port())
	if _, err := h.f.emu.AddHost(h.f.otherID, npmemu.Host{DomainNames: []string{host}, ForwardScheme: target.Scheme,
		ForwardHost: target.Hostname(), ForwardPort: port, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

func (h harness) Served(testing.TB) map[string]string {
	out := map[string]string{}
	for _, host := range h.f.emu.Hosts() {
		if host.IsDeleted {
			continue
		}
		for _, d := range host.DomainNames {
			out[strings.ToLower(d)] = host.ForwardScheme + "://" + host.ForwardHost + ":" + strconv.Itoa(host.ForwardPort)
		}
	}
	return out
}

func (h harness) Writes(testing.TB) int {
	n := 0
	for key, c := range h.f.emu.Calls() {
		if strings.Contains(key, "/nginx/") && !strings.HasPrefix(key, "GET ") {
			n += c
		}
	}
	return n
}

// TestConformance runs the router suite with an admin account (it sees
// every host, so a domain held by hand is a conflict without a write) and
// with a plain user (it sees only its own, and NPM refuses the domain as
// "already in use").
func TestConformance(t *testing.T) {
	for name, user := range map[string]npmemu.UserOptions{
		"admin": {Admin: true},
		"user":  {},
	} {
		t.Run(name, func(t *testing.T) {
			proxytest.Run(t, func(t *testing.T) (proxy.Router, proxytest.Harness) {
				f := newFixture(t, fixtureOpts{user: user})
				return f.router(t, Options{}), harness{f}
			})
		})
	}
}
