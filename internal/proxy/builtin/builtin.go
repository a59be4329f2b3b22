// Package builtin is Docker Watcher's own reverse proxy: host-based
// routing on --proxy-listen, the route table an immutable value swapped
// atomically, fasthttp on both sides for speed (see docs/proxy.md for the
// choice and its figures), WebSocket upgrades tunnelled over a hijacked
// connection, and responses of unknown length streamed unbuffered.
package builtin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// Options configure the proxy. Zero values take the defaults.
type Options struct {
	TrustedProxies []netip.Prefix // whose X-Forwarded-* are kept; Configure changes it
	MaxBodyBytes   int            // request bodies beyond it: 413; default 100 MiB
	DialTimeout    time.Duration  // default 5 s
	// ResponseTimeout bounds the wait for an upstream's response headers
	// and each read of its body; default 60 s.
	ResponseTimeout time.Duration
	ReadTimeout     time.Duration // a client's request must arrive within it; default 60 s
	IdleTimeout     time.Duration // keep-alive of client connections; default 2 min
	AccessLog       bool          // Configure changes it
	Log             *slog.Logger
	Metrics         prometheus.Registerer // may be nil
}

func (o *Options) defaults() {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 100 << 20
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.ResponseTimeout == 0 {
		o.ResponseTimeout = 60 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 60 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Proxy is the built-in router: a proxy.Router that serves what it is
// given.
type Proxy struct {
	opts    Options
	table   atomic.Pointer[table]
	conf    atomic.Pointer[Config]
	https   atomic.Pointer[HTTPS]
	server  *fasthttp.Server
	metrics *metrics
	front   *tlsFront        // the HTTPS listener, once ServeTLS runs
	bridge  *fasthttp.Server // HTTP/2 requests from front

	mu       sync.Mutex // Apply, inflight
	clients  map[string]*fasthttp.HostClient
	inflight map[string]*atomic.Int64 // by upstream address
}

var _ proxy.Router = (*Proxy)(nil)

// table is one route table; requests hold the entry they started with, so
// a swap never cuts them.
type table struct {
	routes map[string]*entry
}

// lookup finds the route for a Host header. A lower-case ASCII name with
// an optional port, the usual case, is looked up without allocating;
// anything else goes through proxy.NormalizeHost.
func (t *table) lookup(host []byte) *entry {
	name := host
	for i, c := range host {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' {
			continue
		}
		if c != ':' || !allDigits(host[i+1:]) {
			return t.routes[proxy.NormalizeHost(string(host))]
		}
		name = host[:i] // as net.SplitHostPort would cut it
		break
	}
	if n := len(name); n > 0 && name[n-1] == '.' {
		name = name[:n-1]
	}
	return t.routes[string(name)] // no allocation: the compiler converts in place
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

type entry struct {
	route  proxy.Route
	addr   string // host:port to dial
	tls    bool
	client *fasthttp.HostClient
	m      routeMetrics
	// inflight counts the requests to addr not yet answered in full,
	// over every table (Drain waits for it).
	inflight *atomic.Int64
}

// New returns a proxy with an empty table.
func New(o Options) *Proxy {
	o.defaults()
	p := &Proxy{opts: o, clients: map[string]*fasthttp.HostClient{}, inflight: map[string]*atomic.Int64{},
		metrics: newMetrics(o.Metrics)}
	p.table.Store(&table{routes: map[string]*entry{}})
	p.Configure(Config{TrustedProxies: o.TrustedProxies, AccessLog: o.AccessLog})
	p.SetHTTPS(HTTPS{})
	p.server = p.newServer(p.handle)
	return p
}

// newServer is a fasthttp server of the proxy with handler h.
func (p *Proxy) newServer(h fasthttp.RequestHandler) *fasthttp.Server {
	return &fasthttp.Server{
		Handler:               h,
		Name:                  "",
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		NoDefaultDate:         true,
		LazyRequestTime:       true, // the clock is read once, by ctx.Time in handle
		ReadTimeout:           p.opts.ReadTimeout,
		IdleTimeout:           p.opts.IdleTimeout,
		MaxRequestBodySize:    p.opts.MaxBodyBytes,
		StreamRequestBody:     true,
		ReduceMemoryUsage:     false,
		CloseOnShutdown:       true,
		// The tunnel closes its hijacked connection itself, as soon as
		// the upstream ends (fasthttp would only after both copies end).
		KeepHijackedConns: true,
		Logger:            fasthttpLogger{p.opts.Log},
	}
}

// Config is what the settings change while the proxy serves.
type Config struct {
	TrustedProxies []netip.Prefix // whose X-Forwarded-* are kept
	AccessLog      bool           // one log line per request, at info
}

// HTTPS is how plain HTTP relates to HTTPS; the certificate manager sets
// it.
type HTTPS struct {
	// Challenge answers ACME HTTP-01 requests on plain HTTP: the body for
	// host and path when the request is one of our challenges.
	Challenge func(host, path string) (string, bool)
	// Redirect reports whether plain HTTP requests to a routed host go to
	// HTTPS (a certificate is at hand); nil: never. It is called on the
	// request path, so it must be quick.
	Redirect func(host string) bool
	// Port is the port of HTTPS in redirects; 443 is left out.
	Port int
	// HSTS adds Strict-Transport-Security to HTTPS answers.
	HSTS bool
}

// SetHTTPS takes h for the requests that start from now on.
func (p *Proxy) SetHTTPS(h HTTPS) { p.https.Store(&h) }

// Configure takes c for the requests that start from now on.
func (p *Proxy) Configure(c Config) {
	c.TrustedProxies = slices.Clone(c.TrustedProxies)
	p.conf.Store(&c)
}

// Apply swaps in a new table built from routes. It makes no network call.
func (p *Proxy) Apply(_ context.Context, routes []proxy.Route) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := &table{routes: make(map[string]*entry, len(routes))}
	used, addrs := map[string]bool{}, map[string]bool{}
	for _, r := range routes {
		if r.Target == nil {
			continue
		}
		e := &entry{route: r, addr: r.Target.Host, tls: r.Target.Scheme == "https", m: p.metrics.route(r.Host)}
		key := r.Target.Scheme + "://" + e.addr
		c := p.clients[key]
		if c == nil {
			c = p.newClient(e.addr, e.tls)
			p.clients[key] = c
		}
		e.client, used[key] = c, true
		addrs[e.addr] = true
		if e.inflight = p.inflight[e.addr]; e.inflight == nil {
			e.inflight = new(atomic.Int64)
			p.inflight[e.addr] = e.inflight
		}
		t.routes[r.Host] = e
	}
	for key := range p.clients {
		if !used[key] {
			delete(p.clients, key) // its idle connections expire; requests still on it finish
		}
	}
	for addr, n := range p.inflight {
		if n.Load() == 0 && !addrs[addr] {
			delete(p.inflight, addr) // a request that starts later holds its entry's counter
		}
	}
	for host := range p.table.Load().routes {
		if t.routes[host] == nil {
			p.metrics.forget(host)
		}
	}
	p.table.Store(t)
	return nil
}

// upstreamTLS is the TLS of an https target. Its certificate is not
// verified, as nginx (so Nginx Proxy Manager) does by default: such
// targets are mostly services inside the network with a self-signed
// certificate (a NAS, a hypervisor's UI); the hop is still encrypted.
func upstreamTLS(addr string) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, ServerName: hostOnly(addr), InsecureSkipVerify: true} //nolint:gosec // see above
}

// Drain waits until no request to target (host:port) is in flight, or ctx
// ends: a replaced container is stopped only once its requests are
// answered. Upgraded connections (WebSockets) are not waited for.
func (p *Proxy) Drain(ctx context.Context, target string) error {
	p.mu.Lock()
	n := p.inflight[target]
	p.mu.Unlock()
	if n == nil {
		return nil
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for n.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d requests to %s still in flight: %w", n.Load(), target, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

func (p *Proxy) newClient(addr string, isTLS bool) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         isTLS,
		TLSConfig:                     upstreamTLS(addr),
		MaxConns:                      1024,
		MaxIdleConnDuration:           90 * time.Second,
		ReadTimeout:                   p.opts.ResponseTimeout,
		WriteTimeout:                  p.opts.ResponseTimeout,
		Dial:                          func(addr string) (net.Conn, error) { return fasthttp.DialTimeout(addr, p.opts.DialTimeout) },
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		NoDefaultUserAgentHeader:      true,
		MaxIdemponentCallAttempts:     1,
	}
}

// Serve serves on ln until Shutdown.
func (p *Proxy) Serve(ln net.Listener) error { return p.server.Serve(ln) }

// Shutdown stops accepting connections (HTTP and HTTPS) and waits for
// in-flight requests, until ctx ends.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	front, bridge := p.front, p.bridge
	p.mu.Unlock()
	if front != nil {
		front.close()
	}
	var err error
	if bridge != nil {
		err = bridge.ShutdownWithContext(ctx)
	}
	return errors.Join(p.server.ShutdownWithContext(ctx), err)
}

// Routes reports the table being served, for the UI.
func (p *Proxy) Routes() []proxy.Route {
	t := p.table.Load()
	out := make([]proxy.Route, 0, len(t.routes))
	for _, e := range t.routes {
		out = append(out, e.route)
	}
	return out
}

func (p *Proxy) handle(ctx *fasthttp.RequestCtx) { p.serve(ctx, ctx.IsTLS()) }

// serve answers a request; secure says it came over TLS (on the HTTPS
// listener, or HTTP/2 through the bridge).
func (p *Proxy) serve(ctx *fasthttp.RequestCtx, secure bool) {
	start := ctx.Time()
	conf := p.https.Load()
	if !secure && conf.Challenge != nil && bytes.HasPrefix(ctx.Path(), acmePath) && p.challenge(ctx, conf) {
		return
	}
	e := p.table.Load().lookup(ctx.Host())
	if e == nil {
		errorPage(ctx, fasthttp.StatusNotFound, "No site is served under this name.")
		p.accessLog(ctx, start)
		return
	}
	defer e.m.observe(ctx, start)
	defer p.accessLog(ctx, start)
	if secure && conf.HSTS {
		defer ctx.Response.Header.SetCanonical(hdrHSTS, hstsValue)
	} else if !secure && conf.Redirect != nil && conf.Redirect(e.route.Host) {
		redirect(ctx, e.route.Host, conf.Port)
		return
	}
	if e.route.State != proxy.Active {
		errorPage(ctx, fasthttp.StatusServiceUnavailable, "This site is starting or stopped. Try again in a moment.")
		ctx.Response.Header.Set("Retry-After", "5")
		return
	}
	if cl := ctx.Request.Header.ContentLength(); cl > p.opts.MaxBodyBytes {
		errorPage(ctx, fasthttp.StatusRequestEntityTooLarge, "The request body is too large.")
		return
	}
	p.forwarded(ctx, secure)
	for k, v := range e.route.Header {
		ctx.Request.Header.Set(k, v)
	}
	if isUpgrade(&ctx.Request.Header) {
		p.tunnel(ctx, e)
		return
	}
	// The client's "Connection: close" is for its own connection, which
	// is closed after the answer; the header is not passed on.
	if ctx.Request.Header.ConnectionClose() {
		defer ctx.SetConnectionClose()
	}
	removeHopHeaders(&ctx.Request.Header)
	var limit *limitedBody
	if ctx.Request.Header.ContentLength() == -1 { // chunked: counted as it streams
		limit = &limitedBody{r: ctx.RequestBodyStream(), left: int64(p.opts.MaxBodyBytes)}
		ctx.Request.SetBodyStream(limit, -1)
	}
	e.inflight.Add(1) // for Drain, until the answer is written
	streamed, err := p.roundTrip(ctx, e)
	if !streamed {
		e.inflight.Add(-1)
	}
	if err != nil {
		if limit != nil && limit.over {
			errorPage(ctx, fasthttp.StatusRequestEntityTooLarge, "The request body is too large.")
			return
		}
		e.m.upstreamErrors.Inc()
		var ne net.Error
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || errors.As(err, &ne) && ne.Timeout() {
			errorPage(ctx, fasthttp.StatusGatewayTimeout, "The site did not answer in time.")
			return
		}
		errorPage(ctx, fasthttp.StatusBadGateway, "The site cannot be reached.")
	}
}

// smallBody is the largest body of known length read whole; anything else
// is streamed, each read flushed to the client.
const smallBody = 64 << 10

var errInterim = errors.New("too many informational responses")

// roundTrip sends the request on one of e's pooled upstream connections
// and reads the answer's header straight into ctx.Response, and a small
// body too. (HostClient.Do would read into a Response of its own, to be
// copied, and allocate a stream for every body.)
func (p *Proxy) roundTrip(ctx *fasthttp.RequestCtx, e *entry) (streamed bool, err error) {
	hc := e.client
	cc, err := hc.AcquireConn(0, false)
	if err != nil {
		return false, err
	}
	conn := cc.Conn()
	// A request without a body fits in the empty send buffer of a
	// connection whose last answer was read whole: its write cannot block,
	// so only a body gets a write deadline (cleared for the next use).
	hasBody := ctx.Request.IsBodyStream() || len(ctx.Request.Body()) > 0
	if hasBody {
		if err := conn.SetWriteDeadline(time.Now().Add(p.opts.ResponseTimeout)); err != nil {
			hc.CloseConn(cc)
			return false, err
		}
	}
	ctx.Request.URI().DisablePathNormalizing = true // the path goes on as it came
	bw := hc.AcquireWriter(conn)
	err = ctx.Request.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	hc.ReleaseWriter(bw)
	if err == nil && hasBody {
		err = conn.SetWriteDeadline(time.Time{})
	}
	if err == nil {
		err = conn.SetReadDeadline(time.Now().Add(p.opts.ResponseTimeout))
	}
	if err != nil {
		hc.CloseConn(cc)
		return false, err
	}

	br := hc.AcquireReader(conn)
	// done gives the connection back, or closes it.
	done := func(reuse bool) {
		hc.ReleaseReader(br)
		if reuse {
			hc.ReleaseConn(cc)
		} else {
			hc.CloseConn(cc)
		}
	}
	h := &ctx.Response.Header
	h.DisableNormalizing() // the upstream's header names as they come
	err = h.Read(br)
	for n := 0; err == nil && h.StatusCode() < 200 && h.StatusCode() != fasthttp.StatusSwitchingProtocols; n++ {
		if n == 8 {
			err = errInterim
			break
		}
		err = h.Read(br) // a 100 Continue or 103 Early Hints: the real answer follows
	}
	if err != nil {
		done(false)
		return false, err
	}
	keep := !h.ConnectionClose() // the upstream's wish, not the client's connection
	removeResponseHopHeaders(h)
	status, cl := h.StatusCode(), h.ContentLength()
	switch {
	case ctx.IsHead() || status < 200 || status == fasthttp.StatusNoContent || status == fasthttp.StatusNotModified:
		done(keep)
	case cl >= 0 && cl <= smallBody:
		err = ctx.Response.ReadBody(br, 0) // into the response itself: one copy
		done(keep && err == nil)
		return false, err
	default:
		// A closure of its own: one that done escaped into would be
		// allocated for every request.
		streamed = true
		p.stream(ctx, br, conn, cl, func(eof bool) {
			e.inflight.Add(-1) // the stream is over: the request with it
			hc.ReleaseReader(br)
			if keep && eof {
				hc.ReleaseConn(cc)
			} else {
				hc.CloseConn(cc)
			}
		})
	}
	return streamed, nil
}

// stream hands the client a body of unknown or large length as chunks,
// each flushed as soon as it is read (SSE, long polls, downloads).
func (p *Proxy) stream(ctx *fasthttp.RequestCtx, br *bufio.Reader, conn net.Conn, cl int, done func(eof bool)) {
	up := fasthttp.AcquireResponse()
	up.Header.SetContentLength(cl) // how the upstream frames it: chunked, until close or a length
	up.StreamBody = true
	up.ReadBody(br, 0) // sets up the stream only
	ctx.Response.ImmediateHeaderFlush = true
	ctx.Response.SetBodyStream(&upstreamBody{up: up, r: up.BodyStream(), conn: conn, timeout: p.opts.ResponseTimeout, done: done}, -1)
}

// upstreamBody is a streamed upstream body; fasthttp's server writes each
// read as a chunk and flushes it, then closes it, which gives the
// connection back (or closes it if the body was not read to its end).
type upstreamBody struct {
	up      *fasthttp.Response
	r       io.Reader
	conn    net.Conn
	timeout time.Duration
	done    func(eof bool)
	eof     bool
}

func (b *upstreamBody) Read(p []byte) (int, error) {
	if err := b.conn.SetReadDeadline(time.Now().Add(b.timeout)); err != nil { // each read waits at most the response timeout
		return 0, err
	}
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *upstreamBody) Close() error {
	b.up.CloseBodyStream()
	fasthttp.ReleaseResponse(b.up)
	b.done(b.eof)
	return nil
}

// forwarded sets X-Forwarded-For, -Proto and -Host; incoming values are
// kept only from a trusted proxy. The upstream sees the original Host.
// The values are built in stack buffers: no allocation per request.
func (p *Proxy) forwarded(ctx *fasthttp.RequestCtx, secure bool) {
	h := &ctx.Request.Header
	var buf [128]byte
	xff := buf[:0]
	trusted := false
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(a.IP)
		ip = ip.Unmap()
		for _, pfx := range p.conf.Load().TrustedProxies {
			if pfx.Contains(ip) {
				trusted = true
				break
			}
		}
		if prior := h.PeekBytes(hdrForwardedFor); trusted && len(prior) > 0 {
			xff = append(append(xff, prior...), ", "...)
		}
		xff = ip.AppendTo(xff)
	}
	h.SetCanonical(hdrForwardedFor, xff)
	if !trusted || len(h.PeekBytes(hdrForwardedProto)) == 0 {
		proto := strHTTP
		if secure {
			proto = strHTTPS
		}
		h.SetCanonical(hdrForwardedProto, proto)
	}
	if !trusted || len(h.PeekBytes(hdrForwardedHost)) == 0 {
		h.SetCanonical(hdrForwardedHost, ctx.Host())
	}
}

// Header names in canonical form, for SetCanonical.
var (
	hdrForwardedFor   = []byte("X-Forwarded-For")
	hdrForwardedProto = []byte("X-Forwarded-Proto")
	hdrForwardedHost  = []byte("X-Forwarded-Host")
	strHTTP           = []byte("http")
	strHTTPS          = []byte("https")
)

// limitedBody streams a request body of unknown length and fails once it
// passes the limit, so the upstream never gets more.
type limitedBody struct {
	r    io.Reader
	left int64
	over bool
}

var errTooLarge = errors.New("request body too large")

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.r == nil {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	if l.left -= int64(n); l.left < 0 {
		l.over = true
		return 0, errTooLarge
	}
	return n, err
}

func isUpgrade(h *fasthttp.RequestHeader) bool {
	return len(h.Peek("Upgrade")) > 0 && bytes.Contains(bytes.ToLower(h.Peek("Connection")), []byte("upgrade"))
}

// tunnel hands an upgrade (WebSocket) to a hijacked connection: the
// request goes to the upstream as it came, and from then on bytes flow
// both ways until either side closes.
func (p *Proxy) tunnel(ctx *fasthttp.RequestCtx, e *entry) {
	var head bytes.Buffer
	bw := bufio.NewWriter(&head)
	if err := ctx.Request.Write(bw); err != nil || bw.Flush() != nil {
		errorPage(ctx, fasthttp.StatusBadRequest, "The request could not be read.")
		return
	}
	dialer := &net.Dialer{Timeout: p.opts.DialTimeout}
	var up net.Conn
	var err error
	if e.tls {
		up, err = tls.DialWithDialer(dialer, "tcp", e.addr, upstreamTLS(e.addr))
	} else {
		up, err = dialer.Dial("tcp", e.addr)
	}
	if err != nil {
		e.m.upstreamErrors.Inc()
		errorPage(ctx, fasthttp.StatusBadGateway, "The site cannot be reached.")
		return
	}
	ctx.SetStatusCode(fasthttp.StatusSwitchingProtocols) // for the metrics; the upstream writes the real answer
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		defer c.Close()
		defer up.Close()
		if _, err := up.Write(head.Bytes()); err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			io.Copy(up, c)
			if tc, ok := up.(interface{ CloseWrite() error }); ok {
				tc.CloseWrite()
			}
			close(done)
		}()
		io.Copy(c, up)
		c.Close()
		<-done
	})
}

func hostOnly(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// hopHeaders are the connection's own, never forwarded (RFC 9110 7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Upgrade"}

const hopTrailer = 6 // the index of Trailer in hopHeaders

// removeHopHeaders deletes the hop-by-hop headers h has. One pass over the
// headers finds them, as most requests and responses have none or one; a
// Del per name would normalise the name and scan all headers twice. (A
// function per header type: through an interface, All's closures would
// be allocated.)
func removeHopHeaders(h *fasthttp.RequestHeader) {
	var hops foundHops
	for k := range h.All() {
		hops.add(k)
	}
	hops.delete(h)
}

func removeResponseHopHeaders(h *fasthttp.ResponseHeader) {
	var hops foundHops
	for k := range h.All() {
		hops.add(k)
	}
	hops.delete(h)
}

// foundHops are the hop-by-hop names of one header: bit i for
// hopHeaders[i], and the names spelled otherwise (an upstream's response
// headers keep their case, and Del matches a name exactly).
type foundHops struct {
	bits uint
	odd  [][]byte
}

func (f *foundHops) add(k []byte) {
	for i, hop := range hopHeaders {
		if len(k) == len(hop) && bytes.EqualFold(k, []byte(hop)) {
			f.bits |= 1 << i
			if string(k) != hop {
				f.odd = append(f.odd, bytes.Clone(k))
			}
			return
		}
	}
}

func (f *foundHops) delete(h interface {
	Del(string)
	DelBytes([]byte)
}) {
	if f.bits&(1<<hopTrailer) != 0 {
		f.bits = ^uint(0) // deleting Trailer moves announced trailers back among the headers
	}
	for i, hop := range hopHeaders {
		if f.bits&(1<<i) != 0 {
			h.Del(hop)
		}
	}
	for _, k := range f.odd {
		h.DelBytes(k)
	}
}

// errorPage answers a short page that names no internals.
func errorPage(ctx *fasthttp.RequestCtx, status int, msg string) {
	ctx.Response.Reset()
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBodyString("<!doctype html><title>" + strconv.Itoa(status) + " " + fasthttp.StatusMessage(status) +
		"</title><h1>" + fasthttp.StatusMessage(status) + "</h1><p>" + msg + "</p>\n")
}

func (p *Proxy) accessLog(ctx *fasthttp.RequestCtx, start time.Time) {
	if p.conf.Load().AccessLog {
		p.opts.Log.Info("proxy", slog.String("host", string(ctx.Host())), slog.String("method", string(ctx.Method())),
			slog.String("path", string(ctx.Path())), slog.Int("status", ctx.Response.StatusCode()),
			slog.Duration("duration", time.Since(start)), slog.String("client", ctx.RemoteIP().String()))
	}
}

type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("proxy server", slog.String("msg", fmtSprintf(format, args...)))
}
