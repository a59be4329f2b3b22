package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Manager.
type Options struct {
	DataDir    string     // certificates go under DataDir/certs
	DNS        DNSAccess  // for DNS-01; required when the plan has DNS01 names
	Challenges Challenges // tracks DNS-01 records; required with DNS
	// Resolvers (host:port) are asked whether a challenge record has
	// propagated; empty: the zone's authoritative servers
	// (DW_ACME_DNS_RESOLVERS).
	Resolvers []string
	// HTTPAddr is where the built-in proxy serves plain HTTP (the address
	// --proxy-listen bound), which answers HTTP-01 through HTTPChallenge;
	// SetHTTPAddr sets it once the proxy listens.
	HTTPAddr string
	// Roots verify the ACME server's TLS; nil: the system's roots (which
	// honour SSL_CERT_FILE).
	Roots *x509.CertPool
	Log   *slog.Logger
	// Metrics, when set, gets the certificate metrics.
	Metrics prometheus.Registerer
	// RenewCheckInterval is how often certificates are checked for
	// renewal: certmagic's 10 minutes when 0.
	RenewCheckInterval time.Duration
	// Changed, when set, is told that a certificate's state changed.
	Changed func()
}

// Config is what the settings and the consumers ask of the Manager.
type Config struct {
	Email        string
	DirectoryURL string
	Plan         Plan
}

// Manager obtains, renews and serves the certificates of a Plan.
type Manager struct {
	o       Options
	log     *slog.Logger
	storage *certmagic.FileStorage
	cache   *certmagic.Cache
	dns     *challengeDNS
	metrics *metrics

	cur     atomic.Pointer[setup]
	allowed atomic.Pointer[map[string]bool] // the HTTP-01 names: on-demand issuance only for these

	mu       sync.Mutex // Apply, Renew, Close, httpAddr
	httpAddr string
	cancel   context.CancelFunc
	closed   bool

	stateMu sync.Mutex
	states  map[string]*nameState
}

// setup is one ACME account's pair of certmagic configurations: one for
// the DNS-01 names, one for the rest (HTTP-01, on demand). It changes
// only when the CA, the e-mail or the DNS-01 names change, so that the
// consumers coming and going never cut an issuance under way.
type setup struct {
	email, directory string
	dns01            []string
	dnsCfg, httpCfg  *certmagic.Config
	httpIssuer       *certmagic.ACMEIssuer
	ctx              context.Context
}

// nameState is what the last events said of a name.
type nameState struct {
	obtaining bool
	lastError string
	attemptAt time.Time // when the last attempt ended; zero before the first
}

// New returns a Manager that serves nothing until Apply.
func New(o Options) (*Manager, error) {
	if o.DataDir == "" {
		return nil, errors.New("certs: no data folder")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{o: o, log: o.Log.With("component", "certs"), states: map[string]*nameState{}, httpAddr: o.HTTPAddr,
		storage: &certmagic.FileStorage{Path: filepath.Join(o.DataDir, "certs")}}
	m.allowed.Store(&map[string]bool{})
	if o.DNS != nil {
		m.dns = &challengeDNS{open: o.DNS, track: o.Challenges, now: time.Now}
	}
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   m.configForCert,
		RenewCheckInterval: o.RenewCheckInterval,
		Logger:             zapLogger(m.log),
	})
	var err error
	if m.metrics, err = newMetrics(o.Metrics, m); err != nil {
		m.cache.Stop()
		return nil, err
	}
	return m, nil
}

// SetHTTPAddr is the address the proxy's plain HTTP listens on, for the
// configurations made from now on.
func (m *Manager) SetHTTPAddr(addr string) {
	m.mu.Lock()
	m.httpAddr = addr
	m.mu.Unlock()
}

// configForCert is the configuration that renews a cached certificate.
func (m *Manager) configForCert(c certmagic.Certificate) (*certmagic.Config, error) {
	s := m.cur.Load()
	if s == nil {
		return nil, errors.New("certs: not configured")
	}
	if s.dnsCfg != nil && len(c.Names) > 0 && !slices.ContainsFunc(c.Names, func(n string) bool { return !slices.Contains(s.dns01, n) }) {
		return s.dnsCfg, nil
	}
	return s.httpCfg, nil
}

// Apply takes a new configuration: certificates of names no longer
// planned leave the cache (their files stay, for a later return), new
// DNS-01 names are obtained in the background, HTTP-01 names may be
// obtained at their first handshake.
func (m *Manager) Apply(ctx context.Context, c Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("certs: closed")
	}
	old, prev := m.cur.Load(), *m.allowed.Load()
	allowed := make(map[string]bool, len(c.Plan.HTTP01))
	for _, n := range c.Plan.HTTP01 {
		allowed[n] = true
	}
	if c.Plan.Empty() {
		m.allowed.Store(&allowed)
		if old != nil {
			m.cancel()
			m.cur.Store(nil)
			m.forget(old, prev, nil)
		}
		m.sweep(ctx, false)
		return nil
	}
	if len(c.Plan.DNS01) > 0 && m.dns == nil {
		return errors.New("certs: DNS-01 names planned without DNS access")
	}
	s := old
	if old == nil || old.email != c.Email || old.directory != c.DirectoryURL || !slices.Equal(old.dns01, c.Plan.DNS01) {
		var err error
		if s, err = m.newSetup(c); err != nil {
			return err
		}
		if old != nil {
			m.cancel() // an issuance of the old setup stops; its challenge records are cleaned up
		}
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.ctx, m.cancel = sctx, cancel
		m.cur.Store(s)
	}
	m.allowed.Store(&allowed)
	if old != nil {
		m.forget(old, prev, append(slices.Clone(c.Plan.DNS01), c.Plan.HTTP01...))
	}
	m.sweep(ctx, s != old)
	if len(s.dns01) > 0 && s != old {
		if err := s.dnsCfg.ManageAsync(s.ctx, s.dns01); err != nil {
			return fmt.Errorf("certs: manage %v: %w", s.dns01, err)
		}
	}
	// Certificates of HTTP-01 names already in storage are served (and
	// renewed) at once, not at their first handshake; none is obtained
	// here.
	for _, n := range c.Plan.HTTP01 {
		if len(m.cache.AllMatchingCertificates(n)) == 0 {
			if _, err := s.httpCfg.CacheManagedCertificate(s.ctx, n); err == nil {
				m.changed()
			}
		}
	}
	return nil
}

// sweep deletes the challenge records a crash or a failed clean-up left:
// all of them when a new setup starts (nothing of the old one is in
// flight any more), else those older than any challenge can take.
func (m *Manager) sweep(ctx context.Context, fresh bool) {
	if m.dns == nil {
		return
	}
	cutoff := time.Now().Add(-staleChallenge)
	if fresh {
		cutoff = time.Now()
	}
	if err := m.dns.Sweep(ctx, cutoff); err != nil {
		m.log.Warn("challenge records left from before", "err", err)
	}
}

// staleChallenge is older than any challenge in flight (certmagic gives up
// on one within minutes).
const staleChallenge = 15 * time.Minute

// forget takes the managed certificates of the names planned before
// (the DNS-01 names of old, the HTTP-01 names prev) that keep does not
// hold out of the cache, which ends their renewal.
func (m *Manager) forget(old *setup, prev map[string]bool, keep []string) {
	var gone []certmagic.SubjectIssuer
	names := slices.Clone(old.dns01)
	for n := range prev {
		names = append(names, n)
	}
	for _, n := range names {
		if !slices.Contains(keep, n) {
			gone = append(gone, certmagic.SubjectIssuer{Subject: n})
		}
	}
	if len(gone) > 0 {
		m.cache.RemoveManaged(gone)
	}
}

func (m *Manager) newSetup(c Config) (*setup, error) {
	if c.DirectoryURL == "" {
		return nil, errors.New("certs: no ACME directory URL")
	}
	host, port, err := net.SplitHostPort(m.httpAddr)
	if err != nil {
		return nil, fmt.Errorf("certs: the proxy's HTTP address %q: %w", m.httpAddr, err)
	}
	httpPort, err := strconv.Atoi(port)
	if err != nil || httpPort == 0 {
		return nil, fmt.Errorf("certs: the proxy's HTTP port %q: %w", port, err)
	}
	s := &setup{email: c.Email, directory: c.DirectoryURL, dns01: slices.Clone(c.Plan.DNS01)}
	base := certmagic.Config{
		Storage: m.storage,
		OnEvent: m.onEvent,
		Logger:  zapLogger(m.log),
	}
	issuer := func(cfg *certmagic.Config, dns bool) *certmagic.ACMEIssuer {
		t := certmagic.ACMEIssuer{
			CA: c.DirectoryURL, TestCA: c.DirectoryURL, // never another CA behind the user's back
			Email: c.Email, Agreed: true,
			DisableTLSALPNChallenge: true,
			// The proxy holds the HTTP port, so certmagic cannot bind it
			// and leaves the answers to HTTPChallenge.
			ListenHost: host, AltHTTPPort: httpPort,
			TrustedRoots: m.o.Roots,
			Logger:       zapLogger(m.log),
		}
		if dns {
			t.DisableHTTPChallenge = true
			t.DNS01Solver = &certmagic.DNS01Solver{DNSManager: certmagic.DNSManager{
				DNSProvider: m.dns, Resolvers: m.o.Resolvers, PropagationTimeout: 2 * time.Minute, Logger: zapLogger(m.log),
			}}
		}
		return certmagic.NewACMEIssuer(cfg, t)
	}
	hc := base
	hc.OnDemand = &certmagic.OnDemandConfig{DecisionFunc: m.decide}
	s.httpCfg = certmagic.New(m.cache, hc)
	s.httpIssuer = issuer(s.httpCfg, false)
	s.httpCfg.Issuers = []certmagic.Issuer{s.httpIssuer}
	if len(s.dns01) > 0 {
		s.dnsCfg = certmagic.New(m.cache, base)
		s.dnsCfg.Issuers = []certmagic.Issuer{issuer(s.dnsCfg, true)}
	}
	return s, nil
}

// decide allows an on-demand issuance for the planned HTTP-01 names only.
func (m *Manager) decide(_ context.Context, name string) error {
	if (*m.allowed.Load())[normalize(name)] {
		return nil
	}
	return fmt.Errorf("certs: %q is not a name Docker Watcher serves", name)
}

// GetCertificate serves the TLS handshakes of the proxy.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	s := m.cur.Load()
	if s == nil {
		return nil, errors.New("certs: HTTPS is off (no domain, or ACME disabled)")
	}
	return s.httpCfg.GetCertificate(hello)
}

// Covered reports whether a valid certificate for host is at hand (HTTP
// requests to it may be redirected to HTTPS).
func (m *Manager) Covered(host string) bool {
	if m.cur.Load() == nil {
		return false
	}
	now := time.Now()
	for _, c := range m.cache.AllMatchingCertificates(normalize(host)) {
		if c.Leaf != nil && now.Before(c.Leaf.NotAfter) {
			return true
		}
	}
	return false
}

// HTTPChallenge answers an ACME HTTP-01 request for host and path: the
// key authorization, when the request is one of our challenges.
func (m *Manager) HTTPChallenge(host, path string) (string, bool) {
	s := m.cur.Load()
	if s == nil {
		return "", false
	}
	r := &http.Request{Method: http.MethodGet, Host: host, URL: &url.URL{Path: path}, Header: http.Header{}}
	w := &challengeWriter{h: http.Header{}}
	if !s.httpIssuer.HandleHTTPChallenge(w, r) || w.status != 0 && w.status != http.StatusOK {
		return "", false
	}
	return string(w.body), true
}

// challengeWriter keeps what certmagic writes in answer to a challenge.
type challengeWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *challengeWriter) Header() http.Header    { return w.h }
func (w *challengeWriter) WriteHeader(status int) { w.status = status }
func (w *challengeWriter) Write(b []byte) (int, error) {
	w.body = append(w.body, b...)
	return len(b), nil
}

// Renew renews every planned certificate now (obtaining those missing),
// in the background.
func (m *Manager) Renew() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.cur.Load()
	if s == nil {
		return errors.New("certs: HTTPS is off (no domain, or ACME disabled)")
	}
	for _, n := range m.planned(s) {
		cfg := s.httpCfg
		if slices.Contains(s.dns01, n) {
			cfg = s.dnsCfg
		}
		go func() {
			var err error
			if m.has(n) {
				err = cfg.RenewCertAsync(s.ctx, n, true)
			} else {
				err = cfg.ObtainCertAsync(s.ctx, n)
			}
			if err != nil && s.ctx.Err() == nil {
				m.log.Warn("certificate renewal asked by the user failed", "name", n, "err", err)
			}
		}()
	}
	return nil
}

func (m *Manager) planned(s *setup) []string {
	names := slices.Clone(s.dns01)
	for n := range *m.allowed.Load() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// has reports whether a certificate for exactly name is cached.
func (m *Manager) has(name string) bool {
	_, ok := m.cached(name)
	return ok
}

// cached is the newest certificate in the cache issued for exactly name
// (a wildcard certificate counts only for the wildcard name).
func (m *Manager) cached(name string) (certmagic.Certificate, bool) {
	var best certmagic.Certificate
	found := false
	for _, c := range m.cache.AllMatchingCertificates(name) {
		if c.Leaf == nil || !slices.Contains(c.Names, name) {
			continue
		}
		if !found || c.Leaf.NotAfter.After(best.Leaf.NotAfter) {
			best, found = c, true
		}
	}
	return best, found
}

// Close stops issuance, renewal and the cache's maintenance.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	if m.cancel != nil {
		m.cancel()
	}
	m.cache.Stop()
}

func (m *Manager) changed() {
	if m.o.Changed != nil {
		m.o.Changed()
	}
}
