package builtin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
	"golang.org/x/net/http2"
)

var (
	acmePath  = []byte("/.well-known/acme-challenge/")
	hdrHSTS   = []byte("Strict-Transport-Security")
	hstsValue = []byte("max-age=31536000")
)

// challenge answers an ACME HTTP-01 request that is one of ours; any
// other request under the path goes on to the route (an app may run an
// ACME client of its own).
func (p *Proxy) challenge(ctx *fasthttp.RequestCtx, conf *HTTPS) bool {
	if !ctx.IsGet() {
		return false
	}
	body, ok := conf.Challenge(string(ctx.Host()), string(ctx.Path()))
	if !ok {
		return false
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType("text/plain")
	ctx.SetBodyString(body)
	return true
}

// redirect sends a plain HTTP request to the same URL over HTTPS; 308
// keeps the method and body.
func redirect(ctx *fasthttp.RequestCtx, host string, port int) {
	var b bytes.Buffer
	b.WriteString("https://")
	b.WriteString(host)
	if port != 0 && port != 443 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(port))
	}
	b.Write(ctx.Request.Header.RequestURI())
	ctx.Response.Reset()
	ctx.Response.Header.Set("Location", b.String())
	ctx.SetStatusCode(fasthttp.StatusPermanentRedirect)
}

// ServeTLS serves HTTPS on ln with the certificates getCert gives, until
// Shutdown. HTTP/1.1 goes to the proxy as plain HTTP does, over the TLS
// connection; HTTP/2 (what browsers pick) is spoken by Go's HTTP/2
// server, whose requests reach the proxy through an in-memory bridge, each
// on a connection of its own that carries the client's address.
func (p *Proxy) ServeTLS(ln net.Listener, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) error {
	t := &tlsFront{
		p: p, ln: ln, h1: newConnListener(ln.Addr()), bridge: fasthttputil.NewInmemoryListener(),
		conns: map[net.Conn]bool{},
		tc:    &tls.Config{GetCertificate: getCert, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12},
	}
	t.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host, r.Out.Host = "http", r.In.Host, r.In.Host
			r.Out = r.Out.WithContext(context.WithValue(r.Out.Context(), clientAddrKey{}, r.In.RemoteAddr))
		},
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var from net.Addr
				if a, err := net.ResolveTCPAddr("tcp", contextString(ctx, clientAddrKey{})); err == nil {
					from = a
				}
				return t.bridge.DialWithLocalAddr(from)
			},
			DisableKeepAlives:  true, // one bridge connection per request: it carries that client's address
			DisableCompression: true,
		},
		FlushInterval: -1, // streamed answers (SSE) pass at once
		ErrorLog:      slog.NewLogLogger(p.opts.Log.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			p.opts.Log.Warn("HTTP/2 bridge", "err", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	p.mu.Lock()
	if p.front != nil {
		p.mu.Unlock()
		return errors.New("proxy: already serving TLS")
	}
	p.front = t
	p.mu.Unlock()
	go func() { _ = p.server.Serve(t.h1) }()
	go func() { _ = p.bridgeServer().Serve(t.bridge) }()
	return t.accept()
}

type clientAddrKey struct{}

func contextString(ctx context.Context, key any) string {
	s, _ := ctx.Value(key).(string)
	return s
}

// tlsFront is the HTTPS listener: handshakes, then HTTP/1.1 connections to
// the proxy's server and HTTP/2 ones to Go's HTTP/2 server.
type tlsFront struct {
	p      *Proxy
	ln     net.Listener
	tc     *tls.Config
	h1     *connListener
	bridge *fasthttputil.InmemoryListener
	rp     *httputil.ReverseProxy
	h2     http2.Server

	mu     sync.Mutex
	conns  map[net.Conn]bool // HTTP/2 connections, closed at shutdown
	closed bool
}

func (t *tlsFront) accept() error {
	for {
		c, err := t.ln.Accept()
		if err != nil {
			t.mu.Lock()
			closed := t.closed
			t.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		go t.serve(c)
	}
}

func (t *tlsFront) serve(c net.Conn) {
	tc := tls.Server(c, t.tc)
	_ = tc.SetDeadline(time.Now().Add(t.p.opts.ReadTimeout))
	if err := tc.Handshake(); err != nil {
		_ = c.Close()
		return
	}
	_ = tc.SetDeadline(time.Time{})
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		if !t.h1.push(tc) {
			_ = tc.Close()
		}
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		_ = tc.Close()
		return
	}
	t.conns[tc] = true
	t.mu.Unlock()
	t.h2.ServeConn(tc, &http2.ServeConnOpts{Handler: t.rp, BaseConfig: &http.Server{
		ReadHeaderTimeout: t.p.opts.ReadTimeout, IdleTimeout: t.p.opts.IdleTimeout,
	}})
	t.mu.Lock()
	delete(t.conns, tc)
	t.mu.Unlock()
}

// close stops accepting and closes the HTTP/2 connections; the HTTP/1.1
// ones end with the proxy's server.
func (t *tlsFront) close() {
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = map[net.Conn]bool{}
	t.mu.Unlock()
	_ = t.ln.Close()
	for c := range conns {
		_ = c.Close()
	}
	t.h1.Close()
	_ = t.bridge.Close()
}

// bridgeServer is the proxy's server for the HTTP/2 bridge: the same
// handler, told that the requests came over TLS.
func (p *Proxy) bridgeServer() *fasthttp.Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bridge == nil {
		p.bridge = p.newServer(func(ctx *fasthttp.RequestCtx) { p.serve(ctx, true) })
	}
	return p.bridge
}

// connListener hands accepted connections to a server's Serve.
type connListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
