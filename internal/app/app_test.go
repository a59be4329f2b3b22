package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockerwatcher/docker-watcher/internal/api/openapitest"
	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/proxytest"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

func init() { bcryptCost = bcrypt.MinCost }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr is a 127.0.0.1 address nothing listens on, below the ephemeral
// range (32768 and up), where the Docker Engine picks the host ports it
// publishes and the kernel the ports of outgoing connections: an address
// from there may be taken between this call and the listen.
func freeAddr(t testing.TB) string {
	t.Helper()
	for range 200 {
		addr := fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(22000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}

// start runs Serve until the returned stop is called; stop returns Serve's
// error.
func start(t *testing.T, cfg config.Config, logs *lockedBuffer) (url string, stop func() error) {
	t.Helper()
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	return startAt(t, cfg, logs)
}

// startAt is start on the addresses cfg names. In a test (not a
// benchmark), every request and answer of the API is validated against
// its OpenAPI document, and the test fails with each mismatch.
func startAt(t testing.TB, cfg config.Config, logs *lockedBuffer, opts ...Option) (url string, stop func() error) {
	t.Helper()
	if _, bench := t.(*testing.B); !bench {
		v, err := openapitest.NewValidator()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { v.Report(t) })
		opts = append(opts, WithHandlerWrap(v.Wrap))
	}
	cfg.ACME = false // a test never asks a CA on the internet; the HTTPS tests run the binary with Pebble
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, logs, opts...) }()
	url = "http://" + cfg.Listen
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not healthy in time:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return url, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("serve did not stop")
		}
	}
}

func login(t *testing.T, url, password string) int {
	t.Helper()
	res, err := http.Post(url+"/api/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, password)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestServeGeneratedAdminPasswordShownOnce(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	logs := &lockedBuffer{}
	url, stop := start(t, cfg, logs)
	m := regexp.MustCompile(` password=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no generated password in the log:\n%s", logs)
	}
	if code := login(t, url, m[1]); code != http.StatusOK {
		t.Fatalf("login with the printed password: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A second start neither prints nor changes the password.
	logs2 := &lockedBuffer{}
	url, stop = start(t, cfg, logs2)
	defer stop()
	if strings.Contains(logs2.String(), " password=") {
		t.Fatalf("password printed again:\n%s", logs2)
	}
	if strings.Contains(logs2.String(), m[1]) {
		t.Fatal("password printed again")
	}
	if code := login(t, url, m[1]); code != http.StatusOK {
		t.Fatalf("login after restart: %d", code)
	}
}

func TestServeAdminPasswordFromEnvNeverLogged(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.AdminPassword = "env-chosen-password"
	logs := &lockedBuffer{}
	url, stop := start(t, cfg, logs)
	if code := login(t, url, cfg.AdminPassword); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), cfg.AdminPassword) {
		t.Fatalf("password logged:\n%s", logs)
	}
	// Changing DW_ADMIN_PASSWORD changes the admin's password.
	cfg.AdminPassword = "another-password"
	url, stop = start(t, cfg, &lockedBuffer{})
	defer stop()
	if code := login(t, url, "env-chosen-password"); code != http.StatusUnauthorized {
		t.Fatalf("old password: %d", code)
	}
	if code := login(t, url, "another-password"); code != http.StatusOK {
		t.Fatalf("new password: %d", code)
	}
}

// In-flight requests finish during a graceful shutdown.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.AdminPassword = "password-for-test"
	url, stop := start(t, cfg, &lockedBuffer{})
	// A login whose body is still on its way when shutdown starts.
	body, send := io.Pipe()
	codes := make(chan int, 1)
	go func() {
		res, err := http.Post(url+"/api/auth/login", "application/json", body)
		if err != nil {
			codes <- 0
			return
		}
		res.Body.Close()
		codes <- res.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // the server is reading the body now
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("shutdown finished while a request was in flight: %v", err)
	default:
	}
	fmt.Fprintf(send, `{"username":"admin","password":%q}`, cfg.AdminPassword)
	send.Close()
	if code := <-codes; code != http.StatusOK {
		t.Fatalf("in-flight login: %d", code)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestMainCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" }
	if code := Main([]string{"version"}, getenv, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "docker-watcher ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := Main([]string{"--help"}, getenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "serve") {
		t.Fatalf("help: %d %q", code, out.String())
	}
	if code := Main([]string{"bogus"}, getenv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Fatalf("bogus: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := Main([]string{"serve", "--help"}, getenv, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "DW_LISTEN") {
		t.Fatalf("serve --help: %d %q", code, errOut.String())
	}
	if code := Main([]string{"serve", "--listen", "bad"}, getenv, &out, &errOut); code != 2 {
		t.Fatalf("bad flag: %d", code)
	}
}

// At shutdown, what a request still runs after the grace period (here a
// sync waiting on a Cloudflare that never answers) is ended through the
// requests' base context, so serve returns and the database closes.
func TestShutdownEndsInFlightWork(t *testing.T) {
	hung := make(chan struct{})
	cf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers while the request lives
		case <-r.Context().Done():
		case <-hung:
		}
	}))
	defer cf.Close()
	defer close(hung)
	old := shutdownGrace
	shutdownGrace = 200 * time.Millisecond
	defer func() { shutdownGrace = old }()

	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword, cfg.CloudflareAPIURL = t.TempDir(), "password-for-test", cf.URL+"/client/v4/"
	st, err := store.Open(t.Context(), cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.UpdateSettings(t.Context(), func(s model.Settings) (model.Settings, error) {
		s.Domain, s.PublicIPv4, s.WildcardDNS, s.DNSProvider = "example.com", "203.0.113.10", false, model.ProviderCloudflare
		s.CloudflareAPIToken, s.CloudflareZoneID, s.CloudflareZoneName = "tok", strings.Repeat("a", 32), "example.com"
		return s, s.Normalize()
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	url, stop := start(t, cfg, &lockedBuffer{})
	client := loggedIn(t, url, cfg.AdminPassword)
	synced := make(chan struct{})
	go func() {
		defer close(synced)
		if res, err := client.Post(url+"/api/dns/sync", "application/json", nil); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(300 * time.Millisecond) // the sync waits on Cloudflare now
	begin := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Fatalf("serve took %s to stop with a sync in flight", d)
	}
	select {
	case <-synced:
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight sync request never ended")
	}
}

// Through the binary: a standalone proxy answers on --proxy-listen as soon
// as it is created, with the client's Host and X-Forwarded-For; unknown
// names are a 404; the table is rebuilt from the store after a restart.
func TestProxyServesStandaloneProxies(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host=%s xff=%s", r.Host, r.Header.Get("X-Forwarded-For"))
	}))
	defer backend.Close()
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port
	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword = t.TempDir(), "password-for-test"
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	proxyGet := func(host string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+cfg.ProxyListen+"/", nil)
		req.Host = host
		req.Header.Set("X-Forwarded-For", "198.51.100.66") // from an untrusted client: replaced
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	url, stop := startBinary(t, cfg, &lockedBuffer{})
	client := loggedIn(t, url, cfg.AdminPassword)
	res, err := client.Post(url+"/api/proxies", "application/json", strings.NewReader(fmt.Sprintf(
		`{"domain":"app.example.com","forward_scheme":"http","forward_host":"127.0.0.1","forward_port":%d}`, backendPort)))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create proxy: %v %v", res, err)
	}
	res.Body.Close()
	if code, body := proxyGet("App.Example.com"); code != 200 || body != "host=app.example.com xff=127.0.0.1" {
		t.Fatalf("proxied: %d %q", code, body)
	}
	if code, _ := proxyGet("nobody.example.com"); code != 404 {
		t.Fatalf("unknown host: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startBinary(t, cfg, &lockedBuffer{})
	defer stop()
	if code, body := proxyGet("app.example.com"); code != 200 || !strings.HasPrefix(body, "host=app.example.com") {
		t.Fatalf("after a restart: %d %q", code, body)
	}
}

// loggedIn is a client with the admin's session.
func loggedIn(t testing.TB, url, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Post(url+"/api/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, password)))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	return client
}

// Through the binary: an upgrade is tunnelled, a stream's first event arrives
// before the upstream ends, a dead upstream is a 502, and 1000 routes
// created and deleted through the API while traffic runs fail no request
// to a route that stays.
func TestProxyStreamsUpgradesAndChurn(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseStream := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseStream() // before backend.Close, which waits for the stream's handler
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: first\n\n")
			w.(http.Flusher).Flush()
			<-release
		case "/ws":
			c, rw, _ := w.(http.Hijacker).Hijack()
			defer c.Close()
			rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			rw.Flush()
			io.Copy(c, rw)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	defer backend.Close()
	defer releaseStream()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadPort := dead.Listener.Addr().(*net.TCPAddr).Port
	dead.Close()

	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword = t.TempDir(), "password-for-test"
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	url, stop := startBinary(t, cfg, &lockedBuffer{})
	defer stop()
	client := loggedIn(t, url, cfg.AdminPassword)
	createProxy := func(domain string, port int) (int64, error) {
		res, err := client.Post(url+"/api/proxies", "application/json", strings.NewReader(fmt.Sprintf(
			`{"domain":%q,"forward_scheme":"http","forward_host":"127.0.0.1","forward_port":%d}`, domain, port)))
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		var p struct{ ID int64 }
		if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != http.StatusCreated {
			return 0, fmt.Errorf("create %s: %d %v", domain, res.StatusCode, err)
		}
		return p.ID, nil
	}
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port
	if _, err := createProxy("app.example.com", backendPort); err != nil {
		t.Fatal(err)
	}
	if _, err := createProxy("dead.example.com", deadPort); err != nil {
		t.Fatal(err)
	}
	proxyReq := func(host, path string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+cfg.ProxyListen+path, nil)
		req.Host = host
		return http.DefaultClient.Do(req)
	}

	// The stream.
	res, err := proxyReq("app.example.com", "/events")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() { l, _ := bufio.NewReader(res.Body).ReadString('\n'); first <- l }()
	select {
	case l := <-first:
		if l != "data: first\n" {
			t.Fatalf("first event %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive while the stream was open")
	}
	releaseStream()
	res.Body.Close()

	// The upgrade.
	c, err := net.Dial("tcp", cfg.ProxyListen)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: app.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	if status, _ := br.ReadString('\n'); !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("upgrade: %q", status)
	}
	for l, _ := br.ReadString('\n'); l != "\r\n" && l != ""; l, _ = br.ReadString('\n') {
	}
	fmt.Fprint(c, "ping")
	if buf := make([]byte, 4); func() bool { _, err := io.ReadFull(br, buf); return err != nil || string(buf) != "ping" }() {
		t.Fatal("no echo through the tunnel")
	}
	c.Close()

	// The dead upstream.
	if res, err := proxyReq("dead.example.com", "/"); err != nil || res.StatusCode != http.StatusBadGateway {
		t.Fatalf("dead upstream: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	// Churn: 1000 routes come and go while the stable one is in use.
	stopTraffic := proxytest.Traffic(cfg.ProxyListen, "app.example.com", "ok", 2, 0)
	var churn sync.WaitGroup
	errs := make(chan error, 1000)
	for w := range 8 {
		churn.Go(func() {
			for i := range 125 {
				id, err := createProxy(fmt.Sprintf("c%d-%d.example.com", w, i), backendPort)
				if err != nil {
					errs <- err
					continue
				}
				req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/proxies/%d", url, id), nil)
				if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
					errs <- fmt.Errorf("delete %d: %v %v", id, res, err)
				} else {
					res.Body.Close()
				}
			}
		})
	}
	churn.Wait()
	served, failed := stopTraffic()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if failed != 0 || served == 0 {
		t.Fatalf("%d of %d requests to the route that stayed failed", failed, served)
	}
}
