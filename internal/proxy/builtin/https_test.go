package builtin

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// testCert is a self-signed certificate for the names, and a pool that
// trusts it.
func testCert(t *testing.T, names ...string) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// startTLS serves p over HTTPS on 127.0.0.1 with cert.
func startTLS(t *testing.T, p *Proxy, cert *tls.Certificate) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- p.ServeTLS(ln, func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if h.ServerName != "app.example.com" {
				return nil, fmt.Errorf("no certificate for %q", h.ServerName)
			}
			return cert, nil
		})
	}()
	t.Cleanup(func() {
		p.Shutdown(context.Background())
		if err := <-done; err != nil {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return ln.Addr().String()
}

// echoForwarded answers with the forwarding headers it got and the
// protocol of the hop.
func echoForwarded(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{
		"xff": r.Header.Get("X-Forwarded-For"), "proto": r.Header.Get("X-Forwarded-Proto"),
		"host": r.Host, "path": r.URL.RequestURI(), "hop": r.Proto,
	})
}

func httpsClient(pool *x509.CertPool, addr string, h2 bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "app.example.com", MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		},
		ForceAttemptHTTP2: h2,
	}
	if !h2 {
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// HTTPS answers over HTTP/1.1 and over HTTP/2 (through the bridge) with
// the same routing and forwarding headers: X-Forwarded-Proto https and
// the client's own address.
func TestServeTLSOverHTTP1AndHTTP2(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echoForwarded))
	defer up.Close()
	p, _ := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", up.URL, proxy.Active)})
	cert, pool := testCert(t, "app.example.com")
	addr := startTLS(t, p, cert)

	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2=%v", h2), func(t *testing.T) {
			res, err := httpsClient(pool, addr, h2).Get("https://app.example.com/a?b=c")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var got map[string]string
			json.NewDecoder(res.Body).Decode(&got)
			wantProto := "HTTP/1.1"
			if h2 {
				wantProto = "HTTP/2.0"
			}
			if res.StatusCode != 200 || res.Proto != wantProto || got["proto"] != "https" || got["xff"] != "127.0.0.1" ||
				got["host"] != "app.example.com" || got["path"] != "/a?b=c" {
				t.Fatalf("%s %s: %v", res.Proto, res.Status, got)
			}
			if res.Header.Get("Strict-Transport-Security") != "" {
				t.Fatal("HSTS without the setting")
			}
		})
	}

	// A name without a certificate fails the handshake.
	c := httpsClient(pool, addr, true)
	c.Transport.(*http.Transport).TLSClientConfig.ServerName = "other.example.com"
	if _, err := c.Get("https://other.example.com/"); err == nil {
		t.Fatal("a handshake for a name without a certificate")
	}
}

// An event stream passes over HTTP/2 as it is written.
func TestServeTLSStreamsOverHTTP2(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "data: second\n\n")
	}))
	defer up.Close()
	defer close(release)
	p, _ := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", up.URL, proxy.Active)})
	cert, pool := testCert(t, "app.example.com")
	addr := startTLS(t, p, cert)
	res, err := httpsClient(pool, addr, true).Get("https://app.example.com/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "data: first\n" || res.ProtoMajor != 2 {
		t.Fatalf("%s: %q %v", res.Proto, line, err)
	}
}

// Plain HTTP: our ACME challenges are answered, other requests under the
// path reach the app; with a certificate at hand requests are redirected
// to HTTPS, which then carries HSTS when asked.
func TestChallengeRedirectAndHSTS(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echoForwarded))
	defer up.Close()
	p, httpAddr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", up.URL, proxy.Active), route("plain.example.com", up.URL, proxy.Active)})
	cert, pool := testCert(t, "app.example.com")
	addr := startTLS(t, p, cert)
	_, port, _ := net.SplitHostPort(addr)
	var portN int
	fmt.Sscan(port, &portN)
	p.SetHTTPS(HTTPS{
		Challenge: func(host, path string) (string, bool) {
			if host == "app.example.com" && path == "/.well-known/acme-challenge/ours" {
				return "key-authorization", true
			}
			return "", false
		},
		Redirect: func(host string) bool { return host == "app.example.com" },
		Port:     portN,
		HSTS:     true,
	})

	res, body := get(t, httpAddr, "app.example.com", "/.well-known/acme-challenge/ours")
	if res.StatusCode != 200 || body != "key-authorization" {
		t.Fatalf("our challenge: %d %q", res.StatusCode, body)
	}
	if res, body := get(t, httpAddr, "plain.example.com", "/.well-known/acme-challenge/theirs"); res.StatusCode != 200 || !strings.Contains(body, `"path":"/.well-known/acme-challenge/theirs"`) {
		t.Fatalf("someone else's challenge: %d %q", res.StatusCode, body)
	}

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", "http://"+httpAddr+"/form?x=1", strings.NewReader("a=b"))
	req.Host = "app.example.com"
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if want := "https://app.example.com:" + port + "/form?x=1"; res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Fatalf("redirect: %d %q, want 308 %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if res, body := get(t, httpAddr, "plain.example.com", "/"); res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "" || !strings.Contains(body, `"proto":"http"`) {
		t.Fatalf("a name without a certificate over HTTP: %d %v %q", res.StatusCode, res.Header, body)
	}
	for _, h2 := range []bool{false, true} {
		res, err := httpsClient(pool, addr, h2).Get("https://app.example.com/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "max-age=31536000" {
			t.Fatalf("HSTS over %s: %d %v", res.Proto, res.StatusCode, res.Header)
		}
	}
}
