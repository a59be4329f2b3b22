package npmemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// apiPrefix is where NPM serves its API (port 81, /api); clients are given
// <base>/api as their base URL.
const apiPrefix = "/api"

// Version is the NPM release whose behaviour the emulator follows, as
// GET /api reports it.
const Version = "2.15.1"

// Options configures a Server. The zero value emulates NPM's defaults.
type Options struct {
	// TokenExpiry is the lifetime of tokens from POST /api/tokens and of
	// refreshed ones without ?expiry: 0 means NPM's "1d".
	TokenExpiry time.Duration
	// Now is the clock for timestamps and token expiry; time.Now if nil.
	Now func() time.Time
}

// Server is the emulator. It is an http.Handler serving the API under
// /api; all its methods are safe for concurrent use.
type Server struct {
	mux    *http.ServeMux
	now    func() time.Time
	expiry time.Duration
	faults faults
	calls  callCounter

	mu     sync.Mutex // guards the data below
	users  []*user    // by id - 1
	hosts  []*Host    // by id - 1, soft-deleted ones included
	tokens map[string]*token

	lnMu sync.Mutex
	ln   *listening
}

// New returns an emulator with no users and no hosts.
func New(opts Options) *Server {
	if opts.TokenExpiry <= 0 {
		opts.TokenExpiry = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		mux:    http.NewServeMux(),
		now:    opts.Now,
		expiry: opts.TokenExpiry,
		tokens: map[string]*token{},
		calls:  callCounter{n: map[string]int{}},
	}
	s.routes()
	return s
}

// routes is the one route table; anything else under /api answers NPM's
// catch-all 404, whatever the method (Express routes by method too).
func (s *Server) routes() {
	s.handle("GET /", s.health)
	s.handle("POST /tokens", s.requestToken)
	s.handle("GET /tokens", s.refreshToken)
	s.handle("POST /tokens/2fa", s.loginWith2FA)
	s.handle("GET /nginx/proxy-hosts", s.listHosts)
	s.handle("POST /nginx/proxy-hosts", s.createHost)
	s.handle("GET /nginx/proxy-hosts/{hostID}", s.getHost)
	s.handle("PUT /nginx/proxy-hosts/{hostID}", s.updateHost)
	s.handle("DELETE /nginx/proxy-hosts/{hostID}", s.deleteHost)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errNoRoute(strings.TrimPrefix(r.URL.Path, apiPrefix)))
	})
}

// endpoint is an API handler: it returns the status and body of a success,
// or an error that writeError maps to NPM's error JSON.
type endpoint func(r *http.Request) (int, any, error)

func (s *Server) handle(pattern string, fn endpoint) {
	method, path, _ := strings.Cut(pattern, " ")
	h := func(w http.ResponseWriter, r *http.Request) {
		status, body, err := fn(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, status, body)
	}
	if path == "/" { // GET /api and GET /api/ alike
		s.mux.HandleFunc(method+" "+apiPrefix, h)
		path = "/{$}"
	}
	s.mux.HandleFunc(method+" "+apiPrefix+path, h)
}

// Handler returns the emulator as an http.Handler, for
// httptest.NewServer(srv.Handler()); the Server is one itself.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP counts the call, applies injected faults, then routes. Faults
// stand for trouble between client and NPM (a proxy in front, the
// network), so they come before anything NPM itself would do.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	key := callKey(r, pattern)
	s.calls.add(key)

	if !s.faults.wait(r.Context().Done()) {
		return
	}
	switch f, ok := s.faults.take(key); {
	case ok && f.drop:
		hangUp(w)
		return
	case ok:
		writeError(w, r, errInjected(f.status))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// callKey names the endpoint of a request, like
// "PUT /nginx/proxy-hosts/{hostID}", for call counters and fault rules;
// an unrouted request is named by its method and raw path.
func callKey(r *http.Request, pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		path = strings.TrimSuffix(strings.TrimPrefix(path, apiPrefix), "{$}")
		if path == "" {
			path = "/"
		}
		return r.Method + " " + path
	}
	return r.Method + " " + strings.TrimPrefix(r.URL.Path, apiPrefix)
}

// hangUp ends the request with the connection closed and no answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: the stream is reset instead
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errDenied) {
		err = errNoRoute(strings.TrimPrefix(r.URL.Path, apiPrefix))
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errInternal(http.StatusInternalServerError)
	}
	writeJSON(w, ae.status, ae.body())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// health is GET /api (backend/routes/main.js): setup is true once a user
// exists (NPM asks for an admin; the emulator has no setup wizard).
func (s *Server) health(*http.Request) (int, any, error) {
	s.mu.Lock()
	setup := len(s.users) > 0
	s.mu.Unlock()
	var major, minor, revision int
	_, _ = fmt.Sscanf(Version, "%d.%d.%d", &major, &minor, &revision)
	return http.StatusOK, map[string]any{
		"status": "OK", "setup": setup,
		"version": map[string]int{"major": major, "minor": minor, "revision": revision},
	}, nil
}

// listening is a Listen in progress.
type listening struct {
	srv *http.Server
	url string
}

// Listen serves the emulator on addr (like "127.0.0.1:0") until Close and
// returns the base URL to give clients, ending in /api.
func (s *Server) Listen(addr string) (string, error) {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln != nil {
		return "", errors.New("npmemu: already listening")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("npmemu: listen: %w", err)
	}
	s.ln = &listening{
		srv: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		url: "http://" + ln.Addr().String() + apiPrefix,
	}
	go s.ln.srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on Close
	return s.ln.url, nil
}

// URL is the base URL given by Listen, empty before and after Close.
func (s *Server) URL() string {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.url
}

// Close stops a server started with Listen; requests in flight get a few
// seconds, then their connections are closed.
func (s *Server) Close() error {
	s.lnMu.Lock()
	ln := s.ln
	s.ln = nil
	s.lnMu.Unlock()
	if ln == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ln.srv.Shutdown(ctx) != nil {
		return ln.srv.Close()
	}
	return nil
}

// isoTime formats like NPM's JSON dates: UTC, milliseconds, "Z"
// ("2025-10-30T01:12:05.000Z").
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
