package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dockerwatcher/docker-watcher/internal/certs/pebbletest"
)

// addressDNS answers every A question with 127.0.0.1 (and AAAA with
// nothing, so pebble connects over IPv4): where pebble's VA finds the
// names it validates over HTTP-01.
func addressDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, q *mdns.Msg) {
		r := new(mdns.Msg)
		r.SetReply(q)
		r.Authoritative = true
		for _, qq := range q.Question {
			if qq.Qtype == mdns.TypeA {
				r.Answer = append(r.Answer, &mdns.A{Hdr: mdns.RR_Header{Name: qq.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 1},
					A: net.IPv4(127, 0, 0, 1)})
			}
		}
		_ = w.WriteMsg(r)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// challengeServer answers HTTP-01 on a free 127.0.0.1 port through
// m.HTTPChallenge, as the built-in proxy does, and counts the requests by
// host.
type challengeServer struct {
	addr string
	mu   sync.Mutex
	m    *Manager
	hits map[string]int
}

func newChallengeServer(t *testing.T) *challengeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := &challengeServer{addr: ln.Addr().String(), hits: map[string]int{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		cs.mu.Lock()
		cs.hits[host]++
		m := cs.m
		cs.mu.Unlock()
		if m != nil {
			if body, ok := m.HTTPChallenge(r.Host, r.URL.Path); ok {
				_, _ = w.Write([]byte(body))
				return
			}
		}
		http.NotFound(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return cs
}

func (cs *challengeServer) use(m *Manager) { cs.mu.Lock(); cs.m = m; cs.mu.Unlock() }

func (cs *challengeServer) count(host string) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.hits[host]
}

func (cs *challengeServer) port(t *testing.T) int {
	_, p, _ := net.SplitHostPort(cs.addr)
	var n int
	for _, c := range p {
		n = n*10 + int(c-'0')
	}
	return n
}

// tlsFront serves TLS handshakes with m's certificates.
func tlsFront(t *testing.T, m *Manager) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: m.GetCertificate, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(time.Minute))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// handshake connects to addr as name, verifying against roots, and
// returns the certificate served.
func handshake(addr, name string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 90 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: name, RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

func newManager(t *testing.T, dir string, p *pebbletest.Pebble, cs *challengeServer, extra func(*Options)) *Manager {
	t.Helper()
	o := Options{DataDir: dir, HTTPAddr: cs.addr, Roots: p.ServerRoots(), Log: slog.New(slog.DiscardHandler)}
	if extra != nil {
		extra(&o)
	}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	cs.use(m)
	return m
}

func waitState(t *testing.T, m *Manager, name, state string, limit time.Duration) Status {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		for _, s := range m.Status() {
			if s.Names[0] == name && s.State == state {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %s within %v: %+v", name, state, limit, m.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// HTTP-01 certificates are obtained on demand, at the first handshake,
// for planned names only; a name outside the plan gets no request at all;
// a restart serves the stored certificate without a new issuance.
func TestHTTP01OnDemandForPlannedNamesOnly(t *testing.T) {
	cs := newChallengeServer(t)
	p := pebbletest.Start(t, pebbletest.Options{DNSServer: addressDNS(t), HTTPPort: cs.port(t)})
	dir := t.TempDir()
	m := newManager(t, dir, p, cs, nil)
	cfg := Config{DirectoryURL: p.DirectoryURL(), Email: "ops@example.com", Plan: Plan{HTTP01: []string{"blog.example.org"}}}
	if err := m.Apply(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if s := m.Status(); len(s) != 1 || s[0].State != StatePending || s[0].Challenge != "http-01" {
		t.Fatalf("before the first handshake: %+v", s)
	}
	front := tlsFront(t, m)
	roots := p.IssuerRoots(t)

	if _, err := handshake(front, "evil.example.org", roots); err == nil {
		t.Fatal("a handshake for a name outside the plan succeeded")
	}
	leaf, err := handshake(front, "blog.example.org", roots)
	if err != nil {
		t.Fatalf("the planned name: %v\npebble's log:\n%s", err, p.Log())
	}
	if leaf.VerifyHostname("blog.example.org") != nil {
		t.Fatalf("served %v", leaf.DNSNames)
	}
	if cs.count("blog.example.org") == 0 || cs.count("evil.example.org") != 0 {
		t.Fatalf("challenge requests: blog %d, evil %d", cs.count("blog.example.org"), cs.count("evil.example.org"))
	}
	s := waitState(t, m, "blog.example.org", StateValid, 10*time.Second)
	if s.NotAfter == nil || !s.NotAfter.Equal(leaf.NotAfter) || s.Issuer == "" || s.LastError != "" {
		t.Fatalf("status %+v", s)
	}
	if !m.Covered("blog.example.org") || m.Covered("evil.example.org") {
		t.Fatal("Covered")
	}
	for _, n := range []string{"evil.example.org"} {
		m.stateMu.Lock()
		_, asked := m.states[n]
		m.stateMu.Unlock()
		if asked {
			t.Fatalf("an issuance was started for %s", n)
		}
	}

	// A restart: the certificate comes from storage, with no request to
	// the CA (no challenge is answered) and served before any handshake.
	m.Close()
	hits := cs.count("blog.example.org")
	m2 := newManager(t, dir, p, cs, nil)
	if err := m2.Apply(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if s := waitState(t, m2, "blog.example.org", StateValid, 5*time.Second); !s.NotAfter.Equal(leaf.NotAfter) {
		t.Fatalf("after the restart: %+v", s)
	}
	front2 := tlsFront(t, m2)
	again, err := handshake(front2, "blog.example.org", roots)
	if err != nil || !again.Equal(leaf) || cs.count("blog.example.org") != hits {
		t.Fatalf("after the restart: %v, same certificate %v, challenge requests %d → %d", err, again != nil && again.Equal(leaf), hits, cs.count("blog.example.org"))
	}

	// Out of the plan: no longer served.
	if err := m2.Apply(t.Context(), Config{DirectoryURL: p.DirectoryURL(), Plan: Plan{HTTP01: []string{"other.example.org"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(front2, "blog.example.org", roots); err == nil {
		t.Fatal("a name taken out of the plan is still served")
	}
}

// An unreachable CA shows its error on the certificate. (Each test has
// names of its own: certmagic keeps the issuances under way per name,
// process-wide.)
func TestUnreachableCAShowsTheError(t *testing.T) {
	cs := newChallengeServer(t)
	name := fmt.Sprintf("down-%d.example.org", time.Now().UnixNano()) // its obtain outlives the test
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	m, err := New(Options{DataDir: t.TempDir(), HTTPAddr: cs.addr, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cs.use(m)
	if err := m.Apply(context.Background(), Config{DirectoryURL: "https://" + dead + "/dir", Plan: Plan{HTTP01: []string{name}}}); err != nil {
		t.Fatal(err)
	}
	front := tlsFront(t, m)
	// The handshake waits for the issuance (certmagic holds it up to 3
	// minutes); the error shows meanwhile.
	go func() {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", front, &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12})
		if err == nil {
			c.Close()
		}
	}()
	s := waitState(t, m, name, StateError, 30*time.Second)
	if !strings.Contains(s.LastError, dead) && !strings.Contains(s.LastError, "connect") {
		t.Fatalf("the error does not say the CA is unreachable: %q", s.LastError)
	}
}

// A certificate near its expiry is renewed in the background (Pebble
// issues 30-second certificates here; the renewal check runs every
// second): a new certificate is served, and the renewal is counted.
func TestRenewalNearExpiry(t *testing.T) {
	cs := newChallengeServer(t)
	p := pebbletest.Start(t, pebbletest.Options{DNSServer: addressDNS(t), HTTPPort: cs.port(t), CertificateValidity: 30 * time.Second})
	m := newManager(t, t.TempDir(), p, cs, func(o *Options) { o.RenewCheckInterval = time.Second })
	if err := m.Apply(t.Context(), Config{DirectoryURL: p.DirectoryURL(), Plan: Plan{HTTP01: []string{"renew.example.org"}}}); err != nil {
		t.Fatal(err)
	}
	front := tlsFront(t, m)
	roots := p.IssuerRoots(t)
	first, err := handshake(front, "renew.example.org", roots)
	if err != nil {
		t.Fatal(err)
	}
	s := waitState(t, m, "renew.example.org", StateValid, 10*time.Second)
	if !s.RenewalAt.Before(*s.NotAfter) || !s.RenewalAt.After(*s.NotBefore) {
		t.Fatalf("renewal at %v, outside %v..%v", s.RenewalAt, s.NotBefore, s.NotAfter)
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		leaf, err := handshake(front, "renew.example.org", roots)
		if err == nil && leaf.SerialNumber.Cmp(first.SerialNumber) != 0 {
			if !leaf.NotAfter.After(first.NotAfter) {
				t.Fatalf("the renewed certificate ends %v, the first %v", leaf.NotAfter, first.NotAfter)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not renewed before %v (first ends %v): %v %+v", deadline, first.NotAfter, err, m.Status())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := testutil.ToFloat64(m.metrics.obtained.WithLabelValues("renewal")); n < 1 {
		t.Fatalf("%v renewals counted", n)
	}
}
