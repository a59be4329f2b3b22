package pebbletest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/crypto/acme"

	"github.com/dockerwatcher/docker-watcher/internal/certs/pebbletest"
)

// childGetEnv makes the test binary a child that GETs the URL it names
// with Go's default client and exits 0 when that works.
const childGetEnv = "PEBBLETEST_CHILD_GET"

func TestMain(m *testing.M) {
	if url := os.Getenv(childGetEnv); url != "" {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp.Body.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestDirectoryOverTLS: the directory is served over HTTPS that verifies
// with ServerRoots, and only with it.
func TestDirectoryOverTLS(t *testing.T) {
	t.Parallel()
	p := pebbletest.Start(t, pebbletest.Options{})

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ServerRoots()}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(p.DirectoryURL())
	if err != nil {
		t.Fatalf("GET %s with ServerRoots: %v", p.DirectoryURL(), err)
	}
	var dir map[string]any
	err = json.NewDecoder(resp.Body).Decode(&dir)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", p.DirectoryURL(), resp.Status, err)
	}
	for _, k := range []string{"newNonce", "newAccount", "newOrder", "revokeCert"} {
		if _, ok := dir[k]; !ok {
			t.Errorf("directory has no %s: %v", k, dir)
		}
	}

	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	_, err = untrusting.Get(p.DirectoryURL())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET %s trusting no root: %v, want x509.UnknownAuthorityError", p.DirectoryURL(), err)
	}

	// The certificate is for localhost and ::1 too.
	u, err := url.Parse(p.DirectoryURL())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: p.ServerRoots(), ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS as localhost: %v", err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	if err := leaf.VerifyHostname("::1"); err != nil {
		t.Error(err)
	}

	pemFile, err := os.ReadFile(p.ServerRootFile())
	if err != nil || string(pemFile) != string(p.ServerRootPEM()) {
		t.Errorf("ServerRootFile %s holds %q (%v), want ServerRootPEM %q", p.ServerRootFile(), pemFile, err, p.ServerRootPEM())
	}
}

// TestServerRootFile: a child process with SSL_CERT_FILE=ServerRootFile
// trusts pebble, and not with another root in that file.
func TestServerRootFile(t *testing.T) {
	t.Parallel()
	p := pebbletest.Start(t, pebbletest.Options{})
	other := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(other, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.IssuerRoot(t).Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	child := func(certFile string) error {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childGetEnv+"="+p.DirectoryURL(),
			"SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	if err := child(p.ServerRootFile()); err != nil {
		t.Errorf("child with SSL_CERT_FILE=ServerRootFile: %v", err)
	}
	if err := child(other); err == nil {
		t.Error("child with SSL_CERT_FILE=the issuer root got the directory, want a TLS error")
	}
}

// TestIssuerRoot: the management interface gives pebble's issuing root, a
// CA certificate that signed the intermediate, and not the server root.
func TestIssuerRoot(t *testing.T) {
	t.Parallel()
	p := pebbletest.Start(t, pebbletest.Options{})
	root := p.IssuerRoot(t)
	if !root.IsCA || !root.BasicConstraintsValid || root.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("issuer root %q: IsCA %v, BasicConstraintsValid %v, KeyUsage %b: not a CA certificate",
			root.Subject, root.IsCA, root.BasicConstraintsValid, root.KeyUsage)
	}
	if !strings.HasPrefix(root.Subject.CommonName, "Pebble Root CA") {
		t.Errorf("issuer root is %q, want pebble's root", root.Subject)
	}
	inter := p.IssuerIntermediate(t)
	if err := inter.CheckSignatureFrom(root); err != nil {
		t.Errorf("intermediate %q not signed by root %q: %v", inter.Subject, root.Subject, err)
	}
	if _, err := inter.Verify(x509.VerifyOptions{Roots: p.IssuerRoots(t)}); err != nil {
		t.Errorf("intermediate does not verify with IssuerRoots: %v", err)
	}
	if _, err := inter.Verify(x509.VerifyOptions{Roots: p.ServerRoots()}); err == nil {
		t.Error("intermediate verifies with ServerRoots: the two roots should differ")
	}
}

// TestIssueHTTP01 gets a certificate end to end: pebble resolves the name
// with the test's DNS server and fetches the HTTP-01 answer from the
// test's server on HTTPPort; the chain verifies with IssuerRoots; then the
// certificate is revoked.
func TestIssueHTTP01(t *testing.T) {
	t.Parallel()
	const name = "www.pebbletest.example"
	resolver := startDNS(t, name)
	web := startChallengeServer(t)
	p := pebbletest.Start(t, pebbletest.Options{DNSServer: resolver.addr, HTTPPort: web.port})
	if p.HTTPPort() != web.port {
		t.Fatalf("HTTPPort %d, want %d", p.HTTPPort(), web.port)
	}

	client, chain := issue(t, p, name, web.set)
	if n := resolver.queries.Load(); n == 0 {
		t.Error("pebble asked the test's DNS server nothing")
	}
	if n := web.hits.Load(); n == 0 {
		t.Error("pebble fetched no HTTP-01 answer")
	}
	if ua := web.userAgent(); !strings.Contains(ua, "Pebble") {
		t.Errorf("HTTP-01 fetched by %q, want pebble's VA", ua)
	}

	leaf := chain[0]
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: p.IssuerRoots(t), Intermediates: intermediates, DNSName: name}); err != nil {
		t.Errorf("issued chain does not verify with IssuerRoots: %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: p.ServerRoots(), Intermediates: intermediates, DNSName: name}); err == nil {
		t.Error("issued chain verifies with ServerRoots, want it not to")
	}
	// Pebble's default validity: 5 years, less a second.
	if got, want := leaf.NotAfter.Sub(leaf.NotBefore), 157766400*time.Second-time.Second; got != want {
		t.Errorf("certificate lives %s, want pebble's default %s", got, want)
	}

	if p.Revoked(t, leaf) {
		t.Fatal("a new certificate is revoked")
	}
	if err := client.RevokeCert(t.Context(), nil, leaf.Raw, acme.CRLReasonCessationOfOperation); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if !p.Revoked(t, leaf) {
		t.Error("a revoked certificate is not Revoked")
	}
}

// TestShortCertificates: CertificateValidity sets the lifetime of issued
// certificates, an order's notAfter overrides it (certmagic's
// ACMEIssuer.NotAfter), and AlwaysValid passes challenges without a
// request.
func TestShortCertificates(t *testing.T) {
	t.Parallel()
	web := startChallengeServer(t)
	p := pebbletest.Start(t, pebbletest.Options{HTTPPort: web.port, AlwaysValid: true, CertificateValidity: 90 * time.Second})
	_, chain := issue(t, p, "short.pebbletest.example", func(string, string) {})
	leaf := chain[0]
	if got, want := leaf.NotAfter.Sub(leaf.NotBefore), 89*time.Second; got != want {
		t.Errorf("certificate lives %s, want %s", got, want)
	}

	notAfter := time.Now().Add(time.Hour).Truncate(time.Second)
	_, chain = issue(t, p, "short.pebbletest.example", func(string, string) {}, acme.WithOrderNotAfter(notAfter))
	if got := chain[0].NotAfter; !got.Equal(notAfter) {
		t.Errorf("certificate ordered with notAfter %s ends %s", notAfter, got)
	}
	if n := web.hits.Load(); n != 0 {
		t.Errorf("pebble fetched %d HTTP-01 answers with AlwaysValid, want none", n)
	}
}

// TestStopped: pebble is gone once the test that started it has ended.
func TestStopped(t *testing.T) {
	t.Parallel()
	var p *pebbletest.Pebble
	t.Run("start", func(t *testing.T) {
		p = pebbletest.Start(t, pebbletest.Options{})
		if err := syscall.Kill(p.PID(), 0); err != nil {
			t.Fatalf("pebble (pid %d) does not run: %v", p.PID(), err)
		}
	})
	if p == nil {
		t.FailNow()
	}
	if err := syscall.Kill(p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("pebble (pid %d) after its test ended: kill -0 answers %v, want ESRCH", p.PID(), err)
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ServerRoots()}}}
	if resp, err := client.Get(p.DirectoryURL()); err == nil {
		resp.Body.Close()
		t.Errorf("the directory still answers after the test ended: %s", resp.Status)
	}
}

// TestLaunch: without a test, pebble runs from the given folder, gives its
// issuer (the intermediate signed by the root), and is gone after Stop; a
// second Stop does nothing.
func TestLaunch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := pebbletest.Launch(dir, pebbletest.Options{}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if !strings.HasPrefix(p.ServerRootFile(), dir+string(filepath.Separator)) {
		t.Errorf("ServerRootFile %s is not in %s", p.ServerRootFile(), dir)
	}
	if !strings.Contains(p.Log(), "Starting Pebble ACME server") {
		t.Errorf("pebble's log: %q", p.Log())
	}
	root, inter, err := p.Issuer()
	if err != nil {
		t.Fatal(err)
	}
	if err := inter.CheckSignatureFrom(root); err != nil || !strings.HasPrefix(root.Subject.CommonName, "Pebble Root CA") {
		t.Errorf("issuer %q, %q: %v", root.Subject, inter.Subject, err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("pebble (pid %d) after Stop: kill -0 answers %v, want ESRCH", p.PID(), err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
	if _, err := pebbletest.Launch(dir, pebbletest.Options{HTTPPort: -1}, t.Logf); err == nil || !strings.Contains(err.Error(), "HTTPPort") {
		t.Errorf("Launch with HTTPPort -1: %v, want an error naming HTTPPort", err)
	}
}

// TestLogOnFailure: pebble's log is printed when the test fails, and only
// then.
func TestLogOnFailure(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) {
			pebbletest.Start(tb, pebbletest.Options{})
			if fail {
				tb.Errorf("the test fails")
			}
		})
		r.cleanup()
		printed := strings.Contains(r.String(), "Starting Pebble ACME server")
		if printed != fail {
			t.Errorf("test failed %v: pebble's log printed %v, want %v; the test printed:\n%s", fail, printed, fail, r)
		}
	}
}

// TestBadOptions: options pebble cannot take fail the test.
func TestBadOptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts pebbletest.Options
		want string
	}{
		{pebbletest.Options{NonceRejectPercent: 101}, "PEBBLE_WFE_NONCEREJECT"},
		{pebbletest.Options{AuthzReusePercent: -1}, "PEBBLE_AUTHZREUSE"},
		{pebbletest.Options{HTTPPort: 70000}, "HTTPPort"},
		{pebbletest.Options{DNSServer: "127.0.0.1"}, "DNSServer"},
		{pebbletest.Options{CertificateValidity: -time.Second}, "CertificateValidity"},
	} {
		r := &recorder{TB: t}
		var started bool
		r.run(func(tb testing.TB) {
			pebbletest.Start(tb, c.opts)
			started = true
		})
		r.cleanup()
		if started || !r.Failed() || !strings.Contains(r.String(), c.want) {
			t.Errorf("Start(%+v): started %v, failed %v, printed %q; want a failure naming %s", c.opts, started, r.Failed(), r, c.want)
		}
	}
}

// issue registers an account and orders a certificate for name (with
// opts) over HTTP-01, calling solve with each token and its answer before
// accepting the challenge. It returns the client and the issued chain.
func issue(t *testing.T, p *pebbletest.Pebble, name string, solve func(token, answer string), opts ...acme.OrderOption) (*acme.Client, []*x509.Certificate) {
	t.Helper()
	ctx := t.Context()
	accountKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	client := &acme.Client{Key: accountKey, DirectoryURL: p.DirectoryURL(), HTTPClient: p.HTTPClient()}
	if _, err := client.Register(ctx, &acme.Account{}, acme.AcceptTOS); err != nil {
		t.Fatalf("register: %v", err)
	}
	order, err := client.AuthorizeOrder(ctx, acme.DomainIDs(name), opts...)
	if err != nil {
		t.Fatalf("new order: %v", err)
	}
	for _, u := range order.AuthzURLs {
		authz, err := client.GetAuthorization(ctx, u)
		if err != nil {
			t.Fatalf("authorization: %v", err)
		}
		if authz.Status != acme.StatusPending {
			t.Fatalf("authorization for %s is %s, want pending (no reuse)", authz.Identifier.Value, authz.Status)
		}
		var chal *acme.Challenge
		for _, c := range authz.Challenges {
			if c.Type == "http-01" {
				chal = c
			}
		}
		if chal == nil {
			t.Fatalf("no http-01 challenge for %s", authz.Identifier.Value)
		}
		answer, err := client.HTTP01ChallengeResponse(chal.Token)
		if err != nil {
			t.Fatal(err)
		}
		solve(chal.Token, answer)
		if _, err := client.Accept(ctx, chal); err != nil {
			t.Fatalf("accept: %v", err)
		}
		if _, err := client.WaitAuthorization(ctx, authz.URI); err != nil {
			t.Fatalf("authorization for %s: %v", authz.Identifier.Value, err)
		}
	}
	if order, err = client.WaitOrder(ctx, order.URI); err != nil {
		t.Fatalf("order: %v", err)
	}
	certKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{name}}, certKey)
	if err != nil {
		t.Fatal(err)
	}
	ders, _, err := client.CreateOrderCert(ctx, order.FinalizeURL, csr, true)
	if err != nil {
		t.Fatalf("finalize: %v", err)
	}
	var chain []*x509.Certificate
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	if len(chain) < 2 {
		t.Fatalf("pebble returned %d certificates, want the leaf and its intermediate", len(chain))
	}
	return client, chain
}

// dnsServer answers A 127.0.0.1 for one name over UDP on 127.0.0.1, an
// empty answer for its other types and NXDOMAIN for every other name.
type dnsServer struct {
	addr    string
	queries atomic.Int32 // for the name
}

func startDNS(t *testing.T, name string) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsServer{addr: pc.LocalAddr().String()}
	fqdn := dns.Fqdn(name)
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(q)
			m.Authoritative = true
			for _, question := range q.Question {
				if !strings.EqualFold(question.Name, fqdn) {
					m.Rcode = dns.RcodeNameError
					continue
				}
				d.queries.Add(1)
				if question.Qtype == dns.TypeA {
					m.Answer = append(m.Answer, &dns.A{
						Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET},
						A:   net.IPv4(127, 0, 0, 1),
					})
				}
			}
			w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return d
}

// challengeServer serves HTTP-01 answers on 127.0.0.1.
type challengeServer struct {
	port int
	hits atomic.Int32

	mu      sync.Mutex
	answers map[string]string // by token
	ua      string
}

func startChallengeServer(t *testing.T) *challengeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &challengeServer{port: l.Addr().(*net.TCPAddr).Port, answers: map[string]string{}}
	srv := &http.Server{Handler: s}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *challengeServer) set(token, answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[token] = answer
}

func (s *challengeServer) userAgent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ua
}

func (s *challengeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	s.ua = r.UserAgent()
	answer, ok := s.answers[strings.TrimPrefix(r.URL.Path, "/.well-known/acme-challenge/")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(answer))
}

// recorder is a testing.TB that records what a helper prints and whether
// it failed, and keeps its cleanups for cleanup. Everything else (TempDir)
// goes to the real test.
type recorder struct {
	testing.TB

	mu       sync.Mutex
	failed   bool
	out      strings.Builder
	cleanups []func()
}

// run calls f in a goroutine of its own, so that a Fatal ends only f.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// cleanup runs the cleanups, last first, as a test does when it ends.
func (r *recorder) cleanup() {
	r.run(func(testing.TB) {
		for i := len(r.cleanups) - 1; i >= 0; i-- {
			r.cleanups[i]()
		}
	})
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func (r *recorder) print(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.WriteString(strings.TrimSuffix(s, "\n") + "\n")
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.mu.Lock(); r.cleanups = append(r.cleanups, f); r.mu.Unlock() }
func (r *recorder) Failed() bool     { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recorder) Fail()            { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recorder) FailNow()         { r.Fail(); runtime.Goexit() }
func (r *recorder) Log(args ...any)  { r.print(fmt.Sprintln(args...)) }
func (r *recorder) Logf(format string, args ...any) {
	r.print(fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.Log(args...); r.Fail() }
func (r *recorder) Errorf(format string, args ...any) {
	r.Logf(format, args...)
	r.Fail()
}
func (r *recorder) Fatal(args ...any) { r.Log(args...); r.FailNow() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Logf(format, args...)
	r.FailNow()
}
