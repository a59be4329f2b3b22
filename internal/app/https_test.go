package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/certs/pebbletest"
	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// httpsEnv is the real binary with the Cloudflare emulator (and its DNS
// responder) as its DNS provider and Pebble as its CA, trusted the way a
// user would make Go trust it: SSL_CERT_FILE.
type httpsEnv struct {
	t       *testing.T
	cfg     config.Config
	url     string
	c       *http.Client
	stop    func() error
	logs    *lockedBuffer
	emu     *cftest.Emulator
	zone    cfemu.Zone
	dnsAddr string
	pebble  *pebbletest.Pebble
	roots   *x509.CertPool // Pebble's issuer
}

func newHTTPSEnv(t *testing.T) *httpsEnv {
	t.Helper()
	e := &httpsEnv{t: t, emu: cftest.Start(t, cfemu.Options{}), logs: &lockedBuffer{}}
	e.zone = e.emu.AddZone("example.com")
	ds, err := e.emu.ListenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	e.dnsAddr = ds.Addr()
	e.cfg = config.Default()
	e.cfg.DataDir, e.cfg.AdminPassword = t.TempDir(), "password-for-test"
	e.cfg.Listen, e.cfg.ProxyListen, e.cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	_, httpPort, _ := net.SplitHostPort(e.cfg.ProxyListen)
	var port int
	fmt.Sscan(httpPort, &port)
	e.pebble = pebbletest.Start(t, pebbletest.Options{DNSServer: e.dnsAddr, HTTPPort: port})
	e.roots = e.pebble.IssuerRoots(t)
	t.Setenv("SSL_CERT_FILE", e.pebble.ServerRootFile())
	t.Setenv("DW_CLOUDFLARE_API_URL", e.emu.URL)
	t.Setenv("DW_ACME_DNS_RESOLVERS", e.dnsAddr)
	t.Setenv("DW_ACME_TEST_CA", e.pebble.DirectoryURL()) // startBinary leaves ACME on
	e.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("docker-watcher's log:\n%s", e.logs)
		}
	})
	return e
}

func (e *httpsEnv) start() {
	e.url, e.stop = startBinary(e.t, e.cfg, e.logs)
	e.c = loggedIn(e.t, e.url, e.cfg.AdminPassword)
}

type certJSON struct {
	Names     []string   `json:"names"`
	Challenge string     `json:"challenge"`
	State     string     `json:"state"`
	LastError string     `json:"last_error"`
	NotAfter  *time.Time `json:"not_after"`
}

func (e *httpsEnv) certificates() map[string]certJSON {
	var out struct {
		Enabled      bool       `json:"enabled"`
		Certificates []certJSON `json:"certificates"`
	}
	call(e.t, e.c, "GET", e.url+"/api/certificates", "", &out)
	m := map[string]certJSON{}
	for _, c := range out.Certificates {
		m[c.Names[0]] = c
	}
	return m
}

func (e *httpsEnv) waitCert(name, state string, limit time.Duration) certJSON {
	e.t.Helper()
	var c certJSON
	waitFor(e.t, limit, name+" "+state, func() bool { c = e.certificates()[name]; return c.State == state })
	return c
}

// client speaks HTTPS to the proxy's TLS port for name, trusting Pebble's
// root only. Its requests go to 127.0.0.1 (see request), never through a
// name lookup.
func (e *httpsEnv) client(name string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: e.roots, ServerName: name, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}}
}

// request is a request for name and path to the proxy's TLS address.
func (e *httpsEnv) request(method, name, path, body string) *http.Request {
	req, err := http.NewRequest(method, "https://"+e.cfg.ProxyTLSListen+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Host = name
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func (e *httpsEnv) get(name, path string) (*http.Response, string, error) {
	res, err := e.client(name).Do(e.request("GET", name, path, ""))
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b), nil
}

// issued counts the certificates Pebble has issued, from its log.
func (e *httpsEnv) issued() int { return strings.Count(e.pebble.Log(), "Issued certificate serial") }

// With DNS managed: while the CA does not answer, HTTP keeps serving and
// the error shows; then the wildcard pair comes through DNS-01 (the TXT
// records our provider wrote through the Cloudflare API are what Pebble
// checked, and they are gone afterwards, while a foreign TXT record at the
// same name is untouched); an instance and a standalone proxy answer over
// HTTPS (HTTP/2) with the wildcard, verified against Pebble's root; plain
// HTTP is redirected; a name that is no consumer gets no certificate; a
// restart serves the same certificates without a new issuance.
func TestHTTPSWildcardThroughDNS01(t *testing.T) {
	e := newHTTPSEnv(t)
	registry := dockertest.Registry(t)
	cli := dockertest.Client(t)
	t.Cleanup(func() { removeInstallation(t, cli, e.cfg.DataDir) })
	repo := fmt.Sprintf("dwtest/https-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: "tls"})
	foreign, err := e.emu.AddRecord(e.zone.ID, cfemu.Record{Type: "TXT", Name: "_acme-challenge.example.com", Content: "my-other-acme-client", Comment: "by hand"})
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend saw %s over %s", r.Host, r.Header.Get("X-Forwarded-Proto"))
	}))
	defer backend.Close()

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	if code := call(t, e.c, "PUT", e.url+"/api/settings", fmt.Sprintf(`{"domain":"example.com","public_ipv4":"127.0.0.1","wildcard_dns":false,
		"dns_provider":"cloudflare","cloudflare_api_token":%q,"cloudflare_zone_id":%q,"acme_email":"ops@example.com",
		"acme_directory_url":"https://%s/dir"}`, cftest.Token, e.zone.ID, dead), nil); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	var px struct{ ID int64 }
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(backend.URL, "http://"))
	if code := call(t, e.c, "POST", e.url+"/api/proxies", fmt.Sprintf(`{"domain":"web.example.com","forward_scheme":"http","forward_host":"127.0.0.1","forward_port":%s}`, port), &px); code != 201 {
		t.Fatalf("proxy: %d", code)
	}
	// The CA does not answer: the error shows, HTTP serves on.
	if c := e.waitCert("*.example.com", "error", time.Minute); !strings.Contains(c.LastError, dead) {
		t.Fatalf("the error does not name the CA: %+v", c)
	}
	if code, body := proxyGet(t, e.cfg.ProxyListen, "web.example.com", "/"); code != 200 || body != "backend saw web.example.com over http" {
		t.Fatalf("HTTP while the CA is away: %d %q", code, body)
	}

	call(t, e.c, "PUT", e.url+"/api/settings", fmt.Sprintf(`{"acme_directory_url":%q}`, e.pebble.DirectoryURL()), nil)
	wild := e.waitCert("*.example.com", "valid", 2*time.Minute)
	e.waitCert("example.com", "valid", time.Minute)
	if wild.Challenge != "dns-01" || wild.LastError != "" {
		t.Fatalf("wildcard %+v", wild)
	}

	var app struct{ ID int64 }
	call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"web","image":%q,"tag_pattern":".*","container_port":8080}`, registry+"/"+repo), &app)
	var inst struct {
		ID          int64
		Status      string
		Certificate *struct{ State string } `json:"certificate"`
	}
	call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID), `{"tag":"v1"}`, &inst)
	waitFor(t, 60*time.Second, "the instance running", func() bool {
		call(t, e.c, "GET", fmt.Sprintf("%s/api/instances/%d", e.url, inst.ID), "", &inst)
		return inst.Status == "running"
	})
	if inst.Certificate == nil || inst.Certificate.State != "valid" {
		t.Fatalf("the instance's certificate: %+v", inst.Certificate)
	}

	var leaf *x509.Certificate
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("the last HTTPS answer: %s", last)
		}
	}()
	waitFor(t, 10*time.Second, "both over HTTPS", func() bool {
		res, body, err := e.get("web.example.com", "/")
		if last = fmt.Sprintf("proxy: %v %q", err, body); err != nil || res.StatusCode != 200 || body != "backend saw web.example.com over https" || res.ProtoMajor != 2 {
			return false
		}
		leaf = res.TLS.PeerCertificates[0]
		res, body, err = e.get("web-v1.example.com", "/")
		last = fmt.Sprintf("instance: %v %q", err, body)
		return err == nil && res.StatusCode == 200 && strings.Contains(body, `"version":"tls"`)
	})
	if !slices.Contains(leaf.DNSNames, "*.example.com") {
		t.Fatalf("served %v", leaf.DNSNames)
	}
	var pv struct {
		Route       struct{ URL string }    `json:"route"`
		Certificate *struct{ State string } `json:"certificate"`
	}
	call(t, e.c, "GET", fmt.Sprintf("%s/api/proxies/%d", e.url, px.ID), "", &pv)
	if want := "https://web.example.com:" + tlsPort(e.cfg) + "/"; pv.Route.URL != want || pv.Certificate == nil || pv.Certificate.State != "valid" {
		t.Fatalf("the proxy's route %q (want %q), certificate %+v", pv.Route.URL, want, pv.Certificate)
	}
	req, _ := http.NewRequest("GET", "http://"+e.cfg.ProxyListen+"/path?q=1", nil)
	req.Host = "web.example.com"
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://web.example.com:" + tlsPort(e.cfg) + "/path?q=1"; res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Fatalf("plain HTTP: %d %q, want a redirect to %s", res.StatusCode, res.Header.Get("Location"), want)
	}

	// The challenge records are gone; the foreign one is as it was.
	waitFor(t, 30*time.Second, "the challenge records removed", func() bool {
		for _, r := range e.emu.Records(e.zone.ID) {
			if r.Type == "TXT" && r.ID != foreign.ID {
				return false
			}
		}
		return true
	})
	for _, r := range e.emu.Records(e.zone.ID) {
		if r.ID == foreign.ID && (r.Content != foreign.Content || r.Comment != foreign.Comment || !r.ModifiedOn.Equal(foreign.ModifiedOn)) {
			t.Fatalf("the foreign TXT record changed: %+v", r)
		}
	}

	// No certificate for a name that is no consumer: no order at all.
	if _, _, err := e.get("nobody.example.org", "/"); err == nil {
		t.Fatal("HTTPS for a name that is no consumer")
	}
	if strings.Contains(e.pebble.Log(), "nobody.example.org") {
		t.Fatal("an order for a name that is no consumer")
	}

	var metrics string
	mres, err := e.c.Get(e.url + "/metrics")
	if err == nil {
		b, _ := io.ReadAll(mres.Body)
		mres.Body.Close()
		metrics = string(b)
	}
	if !strings.Contains(metrics, `dw_certificate_expiry_timestamp_seconds{name="*.example.com"}`) ||
		!strings.Contains(metrics, `dw_certificates_obtained_total{kind="issue"} 2`) {
		t.Fatalf("metrics lack the certificates:\n%s", grepLines(metrics, "certificate"))
	}

	// A restart: the same certificates, no new issuance.
	issued := e.issued()
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	e.start()
	again := e.waitCert("*.example.com", "valid", 30*time.Second)
	if !again.NotAfter.Equal(*wild.NotAfter) {
		t.Fatalf("after the restart: %+v, was %+v", again, wild)
	}
	res2, _, err := e.get("web.example.com", "/")
	if err != nil || !res2.TLS.PeerCertificates[0].Equal(leaf) {
		t.Fatalf("after the restart: %v", err)
	}
	time.Sleep(2 * time.Second)
	if n := e.issued(); n != issued {
		t.Fatalf("%d certificates issued after the restart", n-issued)
	}
}

// In wildcard DNS mode a standalone proxy's domain outside the base
// domain gets a certificate of its own through HTTP-01 on the proxy's
// HTTP port, at its first HTTPS request.
func TestHTTPSPerNameThroughHTTP01(t *testing.T) {
	e := newHTTPSEnv(t)
	other := e.emu.AddZone("other.org")
	if _, err := e.emu.AddRecord(other.ID, cfemu.Record{Type: "A", Name: "blog.other.org", Content: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "blog") }))
	defer backend.Close()
	if code := call(t, e.c, "PUT", e.url+"/api/settings", fmt.Sprintf(`{"domain":"example.com","acme_directory_url":%q}`, e.pebble.DirectoryURL()), nil); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(backend.URL, "http://"))
	call(t, e.c, "POST", e.url+"/api/proxies", fmt.Sprintf(`{"domain":"blog.other.org","forward_scheme":"http","forward_host":"127.0.0.1","forward_port":%s}`, port), nil)
	waitFor(t, 10*time.Second, "blog.other.org planned", func() bool { return e.certificates()["blog.other.org"].State == "pending" })
	res, body, err := e.get("blog.other.org", "/")
	if err != nil || res.StatusCode != 200 || body != "blog" {
		t.Fatalf("HTTPS at the first request: %v %v %q", err, res, body)
	}
	c := e.waitCert("blog.other.org", "valid", 10*time.Second)
	if c.Challenge != "http-01" || !slices.Contains(res.TLS.PeerCertificates[0].DNSNames, "blog.other.org") {
		t.Fatalf("%+v %v", c, res.TLS.PeerCertificates[0].DNSNames)
	}
	if _, ok := e.certificates()["*.example.com"]; ok {
		t.Fatal("a wildcard certificate without managed DNS")
	}
}

// With ui_domain set, the UI and API answer at that name through the
// built-in proxy over HTTPS, with its DNS record and certificate like any
// consumer: a login there sets a Secure cookie, which then works; the
// login limit sees the client's address, not the proxy's.
func TestUIDomainOverHTTPS(t *testing.T) {
	e := newHTTPSEnv(t)
	if code := call(t, e.c, "PUT", e.url+"/api/settings", fmt.Sprintf(`{"domain":"example.com","public_ipv4":"127.0.0.1","wildcard_dns":false,
		"dns_provider":"cloudflare","cloudflare_api_token":%q,"cloudflare_zone_id":%q,"acme_directory_url":%q,"ui_domain":"dw.example.com"}`,
		cftest.Token, e.zone.ID, e.pebble.DirectoryURL()), nil); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	e.waitCert("*.example.com", "valid", 2*time.Minute)
	waitFor(t, 30*time.Second, "the UI's DNS record", func() bool {
		for _, r := range e.emu.Records(e.zone.ID) {
			if r.Name == "dw.example.com" && r.Type == "A" && r.Content == "127.0.0.1" {
				return true
			}
		}
		return false
	})

	c := e.client("dw.example.com")
	jar, _ := cookiejar.New(nil)
	c.Jar = jar
	res, err := c.Do(e.request("POST", "dw.example.com", "/api/auth/login", fmt.Sprintf(`{"username":"admin","password":%q}`, e.cfg.AdminPassword)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || len(res.Cookies()) == 0 || !res.Cookies()[0].Secure {
		t.Fatalf("login over HTTPS at the UI's name: %d, cookies %v", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	res, err = c.Do(e.request("GET", "dw.example.com", "/api/auth/me", ""))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		t.Fatalf("me with the Secure cookie: %s %d", res.Proto, res.StatusCode)
	}
	res, err = c.Do(e.request("GET", "dw.example.com", "/", ""))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "_app/immutable") {
		t.Fatalf("the UI at its name: %d", res.StatusCode)
	}
	// Plain HTTP at the UI's name goes to HTTPS (the password never
	// travels in the clear).
	if code, _ := proxyGet(t, e.cfg.ProxyListen, "dw.example.com", "/"); code != http.StatusPermanentRedirect {
		t.Fatalf("plain HTTP at the UI's name: %d", code)
	}
	// A login over the plain --listen keeps a cookie without Secure (the
	// local address is not HTTPS), and the header that proves our proxy
	// is not believed from anyone else.
	req, _ := http.NewRequest("POST", e.url+"/api/auth/login", strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, e.cfg.AdminPassword)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Docker-Watcher-Proxy", "a-guess")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || len(res.Cookies()) == 0 || res.Cookies()[0].Secure {
		t.Fatalf("login over plain HTTP with made-up headers: %d %v", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
}

// proxyGet asks the proxy's plain HTTP for host and path. Redirects are
// not followed: they name hosts that only the proxy knows.
func proxyGet(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func tlsPort(cfg config.Config) string {
	_, p, _ := net.SplitHostPort(cfg.ProxyTLSListen)
	return p
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// DNS-01 is planned only once the provider can write the challenge
// records: a token saved before the zone is chosen (as the settings page
// goes) plans no DNS-01 order, which would fail and wait a minute for its
// retry after the zone is saved.
func TestCertInputDNS01OnlyWithAZone(t *testing.T) {
	base := model.Settings{Domain: "example.com", ACMEEnabled: true, WildcardDNS: false, DNSProvider: model.ProviderCloudflare}
	noZone := base
	noZone.CloudflareAPIToken = "token"
	withZone := noZone
	withZone.CloudflareZoneID, withZone.CloudflareZoneName = "zone-1", "example.com"
	wildcard := withZone
	wildcard.WildcardDNS = true
	for _, tc := range []struct {
		name   string
		st     model.Settings
		acmeOn bool
		dns01  []string
	}{
		{"a provider without its token", base, true, nil},
		{"a token without its zone", noZone, true, nil},
		{"a token and its zone", withZone, true, []string{"*.example.com", "example.com"}},
		{"wildcard DNS", wildcard, true, nil},
		{"ACME off", withZone, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := certs.Want(certInput(tc.st, tc.acmeOn, []string{"web.example.com"}))
			if !slices.Equal(plan.DNS01, tc.dns01) {
				t.Errorf("DNS01 = %q, want %q", plan.DNS01, tc.dns01)
			}
		})
	}
}
