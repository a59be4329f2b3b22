package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/npm/npmemu"
)

// call sends a JSON request and decodes the answer into out (when not
// nil); it returns the status.
func call(t testing.TB, c *http.Client, method, url, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

type routeJSON struct {
	Router, State, URL, Error string
}

type proxyJSON struct {
	ID           int64     `json:"id"`
	Domain       string    `json:"domain"`
	ProxyRouteID int64     `json:"proxy_route_id"`
	Route        routeJSON `json:"route"`
}

func createProxy(t *testing.T, c *http.Client, url, domain string, port int) proxyJSON {
	t.Helper()
	var p proxyJSON
	if code := call(t, c, "POST", url+"/api/proxies", fmt.Sprintf(
		`{"domain":%q,"forward_scheme":"http","forward_host":"127.0.0.1","forward_port":%d}`, domain, port), &p); code != http.StatusCreated {
		t.Fatalf("create proxy %s: %d", domain, code)
	}
	return p
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in time", what)
		}
	}
}

// With the built-in proxy a proxy shows its route (state, URL, route id),
// the check says whether it answers, and trusted proxies and the access
// log change while it serves.
func TestRouteStateCheckAndProxySettings(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "xff=%s", r.Header.Get("X-Forwarded-For"))
	}))
	defer backend.Close()
	port := backend.Listener.Addr().(*net.TCPAddr).Port
	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword = t.TempDir(), "password-for-test"
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	logs := &lockedBuffer{}
	url, stop := startAt(t, cfg, logs)
	defer stop()
	c := loggedIn(t, url, cfg.AdminPassword)

	p := createProxy(t, c, url, "app.example.com", port)
	_, proxyPort, _ := net.SplitHostPort(cfg.ProxyListen)
	if p.ProxyRouteID != p.ID || p.Route.Router != "builtin" || p.Route.State != "active" ||
		p.Route.URL != "http://app.example.com:"+proxyPort+"/" {
		t.Fatalf("created proxy: %+v", p)
	}
	var list []proxyJSON
	if call(t, c, "GET", url+"/api/proxies", "", &list); len(list) != 1 || list[0].Route != p.Route {
		t.Fatalf("list: %+v", list)
	}
	var check struct {
		Answers bool   `json:"answers"`
		Status  int    `json:"status"`
		Via     string `json:"via"`
		Error   string `json:"error"`
	}
	checkURL := fmt.Sprintf("%s/api/proxies/%d/check", url, p.ID)
	if code := call(t, c, "POST", checkURL, "", &check); code != 200 || !check.Answers || check.Status != 200 || check.Via != "proxy" {
		t.Fatalf("check: %d %+v", code, check)
	}

	// Trusted proxies, changed while serving: a trusted peer's
	// X-Forwarded-For is kept.
	proxyGet := func() string {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+cfg.ProxyListen+"/", nil)
		req.Host = "app.example.com"
		req.Header.Set("X-Forwarded-For", "198.51.100.66")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := proxyGet(); got != "xff=127.0.0.1" {
		t.Fatalf("untrusted: %q", got)
	}
	var view struct {
		TrustedProxies []string `json:"trusted_proxies"`
		ProxyAccessLog bool     `json:"proxy_access_log"`
	}
	if code := call(t, c, "PUT", url+"/api/settings", `{"trusted_proxies":["127.0.0.1"],"proxy_access_log":true}`, &view); code != 200 ||
		!slices.Equal(view.TrustedProxies, []string{"127.0.0.1/32"}) || !view.ProxyAccessLog {
		t.Fatalf("settings: %d %+v", code, view)
	}
	eventually(t, "trusted proxy", func() bool { return proxyGet() == "xff=198.51.100.66, 127.0.0.1" })
	eventually(t, "access log", func() bool { return strings.Contains(logs.String(), "host=app.example.com") })
	var bad struct{ Field string }
	if code := call(t, c, "PUT", url+"/api/settings", `{"trusted_proxies":["10.0.0.0/33"]}`, &bad); code != 400 || bad.Field != "trusted_proxies" {
		t.Fatalf("bad trusted proxies: %d %+v", code, bad)
	}

	backend.Close()
	if code := call(t, c, "POST", checkURL, "", &check); code != 200 || check.Answers || check.Status != 502 {
		t.Fatalf("check of a dead upstream: %d %+v", code, check)
	}
}

// With Nginx Proxy Manager chosen, each proxy gets a host there; a host
// made by hand is never touched, and a name it holds is a conflict on the
// proxy; nginx's refusal shows as the proxy's error; what we created is
// still ours after a restart; going back to the built-in proxy removes
// our hosts, and only ours.
func TestNPMRouterThroughServe(t *testing.T) {
	emu := npmemu.New(npmemu.Options{})
	npmSrv := httptest.NewServer(emu)
	defer npmSrv.Close()
	dwUser := emu.AddUser(npmemu.UserOptions{Email: "dw@example.com", Password: "npm-secret", Admin: true})
	person := emu.AddUser(npmemu.UserOptions{Email: "person@example.com", Password: "by-hand"})
	byHand, err := emu.AddHost(person, npmemu.Host{DomainNames: []string{"taken.example.com"}, ForwardScheme: "http",
		ForwardHost: "192.0.2.10", ForwardPort: 8080, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	liveHosts := func() map[string]npmemu.Host {
		out := map[string]npmemu.Host{}
		for _, h := range emu.Hosts() {
			if !h.IsDeleted {
				out[h.DomainNames[0]] = h
			}
		}
		return out
	}

	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword = t.TempDir(), "password-for-test"
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	resync := WithRouteResync(100 * time.Millisecond)
	logs := &lockedBuffer{}
	url, stop := startAt(t, cfg, logs, resync)
	c := loggedIn(t, url, cfg.AdminPassword)

	// The Test button: the typed fields, nothing saved.
	var test struct {
		OK      bool   `json:"ok"`
		Hosts   int    `json:"hosts"`
		Message string `json:"message"`
	}
	if code := call(t, c, "POST", url+"/api/proxy/test", fmt.Sprintf(`{"npm_url":%q,"npm_email":"dw@example.com","npm_password":"wrong"}`, npmSrv.URL), &test); code != 200 ||
		test.OK || test.Message == "" || strings.Contains(test.Message, "wrong") {
		t.Fatalf("test with a wrong password: %d %+v", code, test)
	}
	if code := call(t, c, "POST", url+"/api/proxy/test", fmt.Sprintf(`{"npm_url":%q,"npm_email":"dw@example.com","npm_password":"npm-secret"}`, npmSrv.URL), &test); code != 200 ||
		!test.OK || test.Hosts != 1 {
		t.Fatalf("test: %d %+v", code, test)
	}
	var fe struct{ Field string }
	if code := call(t, c, "POST", url+"/api/proxy/test", `{"npm_url":"npm:81"}`, &fe); code != 400 || fe.Field != "npm_url" {
		t.Fatalf("test with a bad URL: %d %+v", code, fe)
	}

	app := createProxy(t, c, url, "app.example.com", 3000)
	taken := createProxy(t, c, url, "taken.example.com", 3001)
	var view struct {
		ProxyProvider  string `json:"proxy_provider"`
		NPMPasswordSet bool   `json:"npm_password_set"`
	}
	body := fmt.Sprintf(`{"proxy_provider":"npm","npm_url":%q,"npm_email":"dw@example.com","npm_password":"npm-secret","npm_forward_host":"172.17.0.1"}`, npmSrv.URL)
	if code := call(t, c, "PUT", url+"/api/settings", body, &view); code != 200 || view.ProxyProvider != "npm" || !view.NPMPasswordSet {
		t.Fatalf("settings: %d %+v", code, view)
	}
	getProxy := func(id int64) proxyJSON {
		var p proxyJSON
		call(t, c, "GET", fmt.Sprintf("%s/api/proxies/%d", url, id), "", &p)
		return p
	}
	eventually(t, "the NPM host of app.example.com", func() bool {
		h, ok := liveHosts()["app.example.com"]
		p := getProxy(app.ID)
		return ok && h.ForwardPort == 3000 && p.ProxyRouteID == int64(h.ID) && p.Route.Router == "npm" && p.Route.State == "active"
	})
	if p := getProxy(taken.ID); p.Route.State != "conflict" || !strings.Contains(p.Route.Error, "taken.example.com") {
		t.Fatalf("proxy at a name held by hand: %+v", p.Route)
	}
	var raw json.RawMessage
	if call(t, c, "GET", url+"/api/settings", "", &raw); strings.Contains(string(raw), "npm-secret") || strings.Contains(logs.String(), "npm-secret") {
		t.Fatalf("the NPM password was answered or logged: %s", raw)
	}

	// Drift is repaired by the periodic sync: our host edited by hand is
	// set back, and deleted by hand is recreated.
	admin := emu.IssueToken(dwUser, time.Now().Add(time.Hour)) // the same account, in NPM's UI
	handCall := func(method, path, body string) {
		req, _ := http.NewRequestWithContext(t.Context(), method, npmSrv.URL+"/api/nginx/proxy-hosts/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s by hand: %v %v", method, res, err)
		}
		res.Body.Close()
	}
	ours := liveHosts()["app.example.com"]
	handCall("PUT", strconv.Itoa(ours.ID), `{"forward_port":9999}`)
	eventually(t, "a host edited by hand set back", func() bool {
		h := liveHosts()["app.example.com"]
		return h.ID == ours.ID && h.ForwardPort == 3000
	})
	handCall("DELETE", strconv.Itoa(ours.ID), "")
	eventually(t, "a host deleted by hand recreated", func() bool {
		h, ok := liveHosts()["app.example.com"]
		return ok && h.ID != ours.ID && getProxy(app.ID).ProxyRouteID == int64(h.ID)
	})

	emu.FailNginxTest(1, "")
	bad := createProxy(t, c, url, "bad.example.com", 3002)
	eventually(t, "nginx's refusal on the proxy", func() bool {
		p := getProxy(bad.ID)
		return p.Route.State == "error" && strings.Contains(p.Route.Error, "nginx")
	})

	// A restart keeps what we created: deleting the proxy deletes its host.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	url, stop = startAt(t, cfg, &lockedBuffer{}, resync)
	defer func() { stop() }()
	c = loggedIn(t, url, cfg.AdminPassword)
	if code := call(t, c, "DELETE", fmt.Sprintf("%s/api/proxies/%d", url, app.ID), "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	eventually(t, "the host of the deleted proxy gone", func() bool { _, ok := liveHosts()["app.example.com"]; return !ok })
	if h := liveHosts()["taken.example.com"]; h.ID != byHand.ID || h.ForwardHost != "192.0.2.10" || !h.ModifiedOn.Equal(byHand.ModifiedOn) {
		t.Fatalf("the host made by hand changed: %+v", h)
	}

	// Back to the built-in proxy: our hosts go, the hand-made one stays.
	if code := call(t, c, "PUT", url+"/api/settings", `{"proxy_provider":"builtin"}`, &view); code != 200 || view.ProxyProvider != "builtin" {
		t.Fatalf("settings: %d %+v", code, view)
	}
	eventually(t, "our NPM hosts removed", func() bool {
		hs := liveHosts()
		_, ours := hs["bad.example.com"]
		return !ours && len(hs) == 1 && hs["taken.example.com"].ID == byHand.ID
	})
	eventually(t, "the built-in proxy routes again", func() bool {
		p := getProxy(taken.ID)
		return p.Route.Router == "builtin" && p.Route.State == "active" && p.ProxyRouteID == taken.ID
	})
}
