package pebbletest

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options say how pebble runs. The zero value is a pebble that validates
// every challenge for real, with the system resolver, on free ports.
type Options struct {
	// DNSServer is the host:port of the DNS server pebble's VA asks for
	// the addresses (and dns-01 TXT records) of the names it validates
	// (pebble -dnsserver). Empty: the system resolver.
	DNSServer string
	// HTTPPort is the port pebble's VA connects to for HTTP-01 (config
	// httpPort); TLSPort the one for TLS-ALPN-01 (tlsPort). 0: a free
	// 127.0.0.1 port, read back with (*Pebble).HTTPPort and TLSPort.
	HTTPPort, TLSPort int
	// CertificateValidity is the lifetime of the certificates pebble
	// issues (config certificateValidityPeriod, in whole seconds, rounded
	// up; NotAfter is NotBefore plus this less one second). 0: pebble's
	// default, 5 years.
	CertificateValidity time.Duration
	// AlwaysValid makes every challenge pass without a request to the
	// client (PEBBLE_VA_ALWAYS_VALID=1).
	AlwaysValid bool
	// NonceRejectPercent is the percentage of good nonces pebble rejects
	// as badNonce (PEBBLE_WFE_NONCEREJECT, pebble's default 5); 0 here.
	NonceRejectPercent int
	// AuthzReusePercent is how often pebble reuses a valid authorization
	// in a new order (PEBBLE_AUTHZREUSE, pebble's default 50); 0 here, so
	// every order solves its challenges.
	AuthzReusePercent int
}

func (o Options) validate() error {
	switch {
	case o.HTTPPort < 0 || o.HTTPPort > math.MaxUint16:
		return fmt.Errorf("HTTPPort %d is not a port", o.HTTPPort)
	case o.TLSPort < 0 || o.TLSPort > math.MaxUint16:
		return fmt.Errorf("TLSPort %d is not a port", o.TLSPort)
	case o.CertificateValidity < 0:
		return fmt.Errorf("CertificateValidity %s is negative", o.CertificateValidity)
	case o.NonceRejectPercent < 0 || o.NonceRejectPercent > 100:
		return fmt.Errorf("NonceRejectPercent %d is not a percentage (PEBBLE_WFE_NONCEREJECT)", o.NonceRejectPercent)
	case o.AuthzReusePercent < 0 || o.AuthzReusePercent > 100:
		return fmt.Errorf("AuthzReusePercent %d is not a percentage (PEBBLE_AUTHZREUSE)", o.AuthzReusePercent)
	}
	if o.DNSServer != "" {
		if _, _, err := net.SplitHostPort(o.DNSServer); err != nil {
			return fmt.Errorf("DNSServer %q is not host:port: %v", o.DNSServer, err)
		}
	}
	return nil
}

// env is pebble's environment: ours, with no PEBBLE_* variable inherited.
func (o Options) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PEBBLE_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"PEBBLE_VA_NOSLEEP=1",
		"PEBBLE_WFE_NONCEREJECT="+strconv.Itoa(o.NonceRejectPercent),
		"PEBBLE_AUTHZREUSE="+strconv.Itoa(o.AuthzReusePercent),
	)
	if o.AlwaysValid {
		env = append(env, "PEBBLE_VA_ALWAYS_VALID=1")
	}
	return env
}

// config is pebble's config file.
type config struct {
	Pebble struct {
		ListenAddress             string `json:"listenAddress"`
		ManagementListenAddress   string `json:"managementListenAddress"`
		Certificate               string `json:"certificate"`
		PrivateKey                string `json:"privateKey"`
		HTTPPort                  int    `json:"httpPort"`
		TLSPort                   int    `json:"tlsPort"`
		CertificateValidityPeriod uint64 `json:"certificateValidityPeriod,omitempty"`
	} `json:"pebble"`
}

// A Pebble is a running pebble process.
type Pebble struct {
	acme, management  string // https://127.0.0.1:port
	httpPort, tlsPort int
	server            *serverCert
	client            *http.Client
	logFile           string
	pid               int
	proc              *os.Process
	exited            *exitStatus

	stopOnce sync.Once
	stopErr  error

	mu     sync.Mutex
	issuer map[string]*x509.Certificate // by management path
}

// errPortTaken is a start that failed because a port picked as free was
// taken before pebble listened on it.
var errPortTaken = errors.New("address already in use")

// Start starts pebble for the test (installing it when it is missing, as
// root) and returns once its directory answers; it is stopped when the
// test ends. Anything that goes wrong fails the test.
func Start(t testing.TB, opts Options) *Pebble {
	t.Helper()
	p, err := Launch(t.TempDir(), opts, t.Logf)
	if err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	// Pebble is stopped, then its log shown when the test failed.
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("pebbletest: %v", err)
		}
		if t.Failed() {
			t.Logf("pebbletest: pebble's log:\n%s", p.Log())
		}
	})
	return p
}

// Launch is Start without a test, for a program that runs pebble for tests
// of another language (internal/testtools/testenv): pebble's config, log
// and server certificate go into dir, an existing folder; logf tells of
// an install. It returns once the directory answers, and the caller stops
// pebble with Stop. On an error nothing is left running, and the error
// ends with pebble's log when pebble ran.
func Launch(dir string, opts Options, logf func(format string, args ...any)) (*Pebble, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	bin, err := binary(logf)
	if err != nil {
		return nil, err
	}
	server, err := newServerCert(dir)
	if err != nil {
		return nil, fmt.Errorf("pebble's server certificate: %w", err)
	}
	for attempt := 1; ; attempt++ {
		p, err := start(bin, filepath.Join(dir, strconv.Itoa(attempt)), opts, server)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			return nil, err
		}
	}
}

// start runs pebble once with its config and log in dir (a new folder).
// When pebble does not get ready it is stopped, and the error ends with
// its log.
func start(bin, dir string, opts Options, server *serverCert) (*Pebble, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	var c config
	c.Pebble.ListenAddress = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	c.Pebble.ManagementListenAddress = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	c.Pebble.Certificate, c.Pebble.PrivateKey = server.certFile, server.keyFile
	c.Pebble.HTTPPort, c.Pebble.TLSPort = cmp.Or(opts.HTTPPort, ports[2]), cmp.Or(opts.TLSPort, ports[3])
	c.Pebble.CertificateValidityPeriod = uint64((opts.CertificateValidity + time.Second - 1) / time.Second)
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	configFile := filepath.Join(dir, "pebble-config.json")
	if err := os.WriteFile(configFile, data, 0o644); err != nil {
		return nil, err
	}

	logFile := filepath.Join(dir, "pebble.log")
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own copy
	args := []string{"-config", configFile}
	if opts.DNSServer != "" {
		args = append(args, "-dnsserver", opts.DNSServer)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = opts.env()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting pebble: %w", err)
	}
	exited := &exitStatus{done: make(chan struct{})}
	go func() {
		exited.err = cmd.Wait()
		close(exited.done)
	}()

	roots := x509.NewCertPool()
	roots.AddCert(server.root)
	p := &Pebble{
		acme:       "https://" + c.Pebble.ListenAddress,
		management: "https://" + c.Pebble.ManagementListenAddress,
		httpPort:   c.Pebble.HTTPPort,
		tlsPort:    c.Pebble.TLSPort,
		server:     server,
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		},
		logFile: logFile,
		pid:     cmd.Process.Pid,
		proc:    cmd.Process,
		exited:  exited,
		issuer:  map[string]*x509.Certificate{},
	}
	if err := p.waitReady(); err != nil {
		if stopErr := p.Stop(); stopErr != nil {
			err = fmt.Errorf("%w; %v", err, stopErr)
		}
		if strings.Contains(p.Log(), "address already in use") {
			err = fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return nil, fmt.Errorf("%w; pebble's log:\n%s", err, p.Log())
	}
	return p, nil
}

// waitReady waits until the directory and the management interface
// answer, pebble ends or 30 s pass.
func (p *Pebble) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for _, url := range []string{p.DirectoryURL(), p.management + rootPath} {
		for {
			err := p.get(url)
			if err == nil {
				break
			}
			select {
			case <-p.exited.done:
				return fmt.Errorf("pebble (pid %d) ended before %s answered (%v)", p.pid, url, p.exited.err)
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pebble (pid %d) did not answer %s within 30 s (%v)", p.pid, url, err)
			}
		}
	}
	return nil
}

// get is nil when a GET of url answers 200.
func (p *Pebble) get(url string) error {
	resp, err := p.client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// exitStatus is how pebble ended: done is closed then, and err is what
// its Wait returned.
type exitStatus struct {
	done chan struct{}
	err  error
}

// Stop ends pebble by its pid: SIGTERM, and SIGKILL when it still runs 5 s
// later. Start's cleanup calls it; later calls do nothing.
func (p *Pebble) Stop() error {
	p.stopOnce.Do(func() {
		p.client.CloseIdleConnections()
		p.stopErr = stop(p.proc, p.exited.done)
	})
	return p.stopErr
}

// stop ends a process: SIGTERM, and SIGKILL when it still runs 5 s later.
func stop(proc *os.Process, done <-chan struct{}) error {
	proc.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
	}
	proc.Kill()
	select {
	case <-done:
		return fmt.Errorf("pebble (pid %d) did not stop on SIGTERM within 5 s: killed", proc.Pid)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("pebble (pid %d) did not stop on SIGKILL", proc.Pid)
	}
}

// freePorts returns n distinct ports free on 127.0.0.1 right now, for
// pebble to bind a moment later. They are drawn below Linux's ephemeral
// range (32768 and up), from which the kernel takes the local port of
// every outgoing connection: a port picked there and closed again can be
// taken by any busy process before pebble binds it.
func freePorts(n int) ([]int, error) {
	var ports []int
	for attempt := 0; len(ports) < n; attempt++ {
		if attempt == 100*n {
			return nil, fmt.Errorf("no %d free ports on 127.0.0.1 between 20000 and 32000", n)
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue // taken
		}
		defer l.Close() // all held until the last is picked: distinct
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// DirectoryURL is the URL of pebble's ACME directory.
func (p *Pebble) DirectoryURL() string { return p.acme + "/dir" }

// ManagementURL is the base URL of pebble's management interface
// (/roots/0, /intermediates/0, /cert-status-by-serial/HEX, ...), served
// with the same certificate as the directory.
func (p *Pebble) ManagementURL() string { return p.management }

// HTTPPort is the port pebble's VA connects to for HTTP-01 challenges.
func (p *Pebble) HTTPPort() int { return p.httpPort }

// TLSPort is the port pebble's VA connects to for TLS-ALPN-01 challenges.
func (p *Pebble) TLSPort() int { return p.tlsPort }

// ServerRoots holds the CA that signed the HTTPS certificate of pebble's
// listeners: what an ACME client must trust to talk to pebble.
func (p *Pebble) ServerRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.server.root)
	return pool
}

// ServerRootPEM is ServerRoots' certificate in PEM.
func (p *Pebble) ServerRootPEM() []byte { return append([]byte(nil), p.server.rootPEM...) }

// ServerRootFile is the path of a file holding ServerRootPEM, for a child
// process (SSL_CERT_FILE) or a client configured with a file.
func (p *Pebble) ServerRootFile() string { return p.server.rootFile }

// HTTPClient is a new client that trusts ServerRoots (and nothing else),
// for an ACME client such as golang.org/x/crypto/acme's.
func (p *Pebble) HTTPClient() *http.Client {
	c := *p.client
	return &c
}

// PID is the process id of pebble.
func (p *Pebble) PID() int { return p.pid }

// LogFile is the path of pebble's log (stdout and stderr).
func (p *Pebble) LogFile() string { return p.logFile }

// Log is what pebble has written so far (stdout and stderr).
func (p *Pebble) Log() string {
	b, err := os.ReadFile(p.logFile)
	if err != nil {
		return fmt.Sprintf("(reading pebble's log: %v)", err)
	}
	return string(b)
}

// IssuerRoot is the root pebble's issued certificates chain to, from the
// management interface's /roots/0. Pebble makes it afresh at every start.
func (p *Pebble) IssuerRoot(t testing.TB) *x509.Certificate {
	t.Helper()
	return p.mustIssuerCert(t, rootPath)
}

// IssuerIntermediate is the intermediate that signs pebble's issued
// certificates, from /intermediates/0.
func (p *Pebble) IssuerIntermediate(t testing.TB) *x509.Certificate {
	t.Helper()
	return p.mustIssuerCert(t, intermediatePath)
}

// IssuerRoots holds IssuerRoot: the pool to verify issued chains with.
func (p *Pebble) IssuerRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(p.IssuerRoot(t))
	return pool
}

// Issuer is IssuerRoot and IssuerIntermediate for a caller without a test
// (Launch's).
func (p *Pebble) Issuer() (root, intermediate *x509.Certificate, err error) {
	if root, err = p.issuerCert(rootPath); err != nil {
		return nil, nil, err
	}
	if intermediate, err = p.issuerCert(intermediatePath); err != nil {
		return nil, nil, err
	}
	return root, intermediate, nil
}

// The management paths of the issuer's certificates.
const (
	rootPath         = "/roots/0"
	intermediatePath = "/intermediates/0"
)

func (p *Pebble) mustIssuerCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	c, err := p.issuerCert(path)
	if err != nil {
		t.Fatalf("pebbletest: %v", err)
	}
	return c
}

func (p *Pebble) issuerCert(path string) (*x509.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.issuer[path]; c != nil {
		return c, nil
	}
	body, status, err := p.fetch(path)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%d %s", status, body)
	}
	if err != nil {
		return nil, fmt.Errorf("GET %s%s: %v", p.management, path, err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("GET %s%s: no PEM certificate in %q", p.management, path, body)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("GET %s%s: %v", p.management, path, err)
	}
	p.issuer[path] = c
	return c, nil
}

// Revoked tells whether pebble has revoked cert, one it issued (from
// /cert-status-by-serial/). A certificate pebble does not know fails the
// test.
func (p *Pebble) Revoked(t testing.TB, cert *x509.Certificate) bool {
	t.Helper()
	path := "/cert-status-by-serial/" + cert.SerialNumber.Text(16)
	body, status, err := p.fetch(path)
	if err == nil && status == http.StatusNotFound {
		err = fmt.Errorf("pebble did not issue serial %s", cert.SerialNumber.Text(16))
	} else if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%d %s", status, body)
	}
	if err != nil {
		t.Fatalf("pebbletest: GET %s%s: %v", p.management, path, err)
	}
	var s struct{ Status string }
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("pebbletest: GET %s%s: %v in %q", p.management, path, err, body)
	}
	switch s.Status {
	case "Valid":
		return false
	case "Revoked":
		return true
	}
	t.Fatalf("pebbletest: GET %s%s: unknown status %q", p.management, path, s.Status)
	return false
}

// fetch GETs path of the management interface.
func (p *Pebble) fetch(path string) (body []byte, status int, err error) {
	resp, err := p.client.Get(p.management + path)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}
