package cfemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiPrefix is where Cloudflare serves API v4; clients are given
// <base>/client/v4 as their base URL, like https://api.cloudflare.com/client/v4.
const apiPrefix = "/client/v4"

// Options configures a Server. The zero value emulates Cloudflare's
// defaults: zones on the Free plan and the global rate limit of 1200
// requests per 5 minutes.
type Options struct {
	// AccountID and AccountName name the single account that owns every
	// zone. A random 32-hex id and "Emulator Account" when empty.
	AccountID   string
	AccountName string
	// Plan is the plan given to zones by AddZone: "free" (the default),
	// "pro", "business" or "enterprise". SetPlan changes one zone.
	Plan string
	// RateLimit is the number of requests allowed per RateWindow: 0 means
	// Cloudflare's 1200, a negative number turns the limit off.
	RateLimit int
	// RateWindow is the rate-limit window: 0 means Cloudflare's 5 minutes.
	RateWindow time.Duration
	// Now is the clock for timestamps and the rate limit; time.Now if nil.
	Now func() time.Time
}

// Server is the emulator. It is an http.Handler serving the API under
// /client/v4; all its methods are safe for concurrent use.
type Server struct {
	mux     *http.ServeMux
	now     func() time.Time
	plan    string
	limiter *limiter
	faults  faults
	calls   callCounter

	mu      sync.Mutex // guards the data below
	account account
	zones   []*zoneData // in creation order
	tokens  map[string]*token

	lnMu    sync.Mutex
	httpSrv *http.Server
	baseURL string
}

type account struct{ id, name string }

// New returns an emulator with no zones and no tokens. It panics on an
// unknown Options.Plan, a programming error in the caller (see CheckPlan).
func New(opts Options) *Server {
	if opts.Plan == "" {
		opts.Plan = "free"
	}
	if err := CheckPlan(opts.Plan); err != nil {
		panic(err) // a programming error; callers with user input use CheckPlan first
	}
	if opts.AccountID == "" {
		opts.AccountID = newID()
	}
	if opts.AccountName == "" {
		opts.AccountName = "Emulator Account"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		mux:     http.NewServeMux(),
		now:     opts.Now,
		plan:    opts.Plan,
		limiter: newLimiter(opts.RateLimit, opts.RateWindow),
		account: account{id: opts.AccountID, name: opts.AccountName},
		tokens:  map[string]*token{},
	}
	s.routes()
	return s
}

// routes is the one route table. Each path also gets a method-less pattern
// so that a known path called with the wrong method answers like Cloudflare
// (405) instead of "no route".
func (s *Server) routes() {
	s.handle("GET /zones", s.listZones)
	s.handle("GET /zones/{zone_id}", s.getZone)
	s.handle("GET /zones/{zone_id}/dns_records", s.listRecords)
	s.handle("POST /zones/{zone_id}/dns_records", s.createRecord)
	s.handle("POST /zones/{zone_id}/dns_records/batch", s.batchRecords)
	s.handle("GET /zones/{zone_id}/dns_records/{dns_record_id}", s.getRecord)
	s.handle("PUT /zones/{zone_id}/dns_records/{dns_record_id}", s.putRecord)
	s.handle("PATCH /zones/{zone_id}/dns_records/{dns_record_id}", s.patchRecord)
	s.handle("DELETE /zones/{zone_id}/dns_records/{dns_record_id}", s.deleteRecord)
	s.handleVerify("GET /user/tokens/verify", s.verifyUserToken)
	s.handleVerify("GET /accounts/{account_id}/tokens/verify", s.verifyAccountToken)

	for _, p := range []string{
		"/zones", "/zones/{zone_id}", "/zones/{zone_id}/dns_records",
		"/zones/{zone_id}/dns_records/{dns_record_id}",
		"/user/tokens/verify", "/accounts/{account_id}/tokens/verify",
	} {
		s.mux.HandleFunc(apiPrefix+p, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, errMethodNotAllowed(r.Method))
		})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNoRoute(strings.TrimPrefix(r.URL.Path, apiPrefix)))
	})
}

// reply is what an endpoint answers on success.
type reply struct {
	result   any
	info     *resultInfo
	messages []message
}

// endpoint is an API handler: it gets the caller's token and returns a
// reply or an error that writeError maps to Cloudflare's envelope.
type endpoint func(r *http.Request, t *token) (reply, error)

// handle registers an endpoint that needs an active token.
func (s *Server) handle(pattern string, fn endpoint) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		t, err := s.authenticate(r)
		if err != nil {
			writeError(w, err)
			return
		}
		s.serve(w, r, t, fn)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, t *token, fn endpoint) {
	rep, err := fn(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, envelope{
		Result: rep.result, ResultInfo: rep.info, Success: true,
		Errors: []errorItem{}, Messages: orEmpty(rep.messages),
	})
}

// Handler returns the emulator as an http.Handler, for
// httptest.NewServer(srv.Handler()); the Server is one itself.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP counts the call, applies injected faults and the rate limit,
// then routes. Faults come first because they stand for trouble between
// client and API, which Cloudflare's own limits never see.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	key := endpointKey(r, pattern)
	s.calls.add(key)

	if d := s.faults.delay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if s.faults.takeDrop(key) {
		dropConnection(w)
		return
	}
	if status, ok := s.faults.takeFailure(key); ok {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, errInjected(status))
		return
	}
	if !s.limiter.admit(w, s.now()) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// endpointKey names the endpoint a request hit, like
// "GET /zones/{zone_id}/dns_records", for call counters and fault rules.
func endpointKey(r *http.Request, pattern string) string {
	_, path, found := strings.Cut(pattern, " ")
	if !found {
		path = pattern
	}
	if path == "" || path == "/" {
		path = r.URL.Path
	}
	return r.Method + " " + strings.TrimPrefix(path, apiPrefix)
}

// dropConnection closes the connection without writing a response, the way
// a broken network or proxy does.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2): the server aborts the stream instead.
	panic(http.ErrAbortHandler)
}

// envelope is Cloudflare's response wrapper.
type envelope struct {
	Result     any         `json:"result"`
	ResultInfo *resultInfo `json:"result_info,omitempty"`
	Success    bool        `json:"success"`
	Errors     []errorItem `json:"errors"`
	Messages   []message   `json:"messages"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// message is an informational entry; Cloudflare sends "type": null.
type message struct {
	Code    int     `json:"code"`
	Message string  `json:"message"`
	Type    *string `json:"type"`
}

func orEmpty(m []message) []message {
	if m == nil {
		return []message{}
	}
	return m
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newError(http.StatusInternalServerError, 10013, err.Error())
	}
	writeJSON(w, ae.status, envelope{Success: false, Errors: ae.items, Messages: []message{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Listen serves the emulator on addr (like "127.0.0.1:0") until Close and
// returns the base URL to give clients, ending in /client/v4.
func (s *Server) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cfemu: listen: %w", err)
	}
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.httpSrv != nil {
		_ = ln.Close()
		return "", errors.New("cfemu: already listening")
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.httpSrv = srv
	s.baseURL = "http://" + ln.Addr().String() + apiPrefix
	// srv, not s.httpSrv: a Close before the goroutine runs sets that to nil.
	go func() { _ = srv.Serve(ln) }()
	return s.baseURL, nil
}

// URL is the base URL given by Listen, empty before.
func (s *Server) URL() string {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	return s.baseURL
}

// Close stops a server started with Listen, waiting briefly for requests
// in flight.
func (s *Server) Close() error {
	s.lnMu.Lock()
	srv := s.httpSrv
	s.httpSrv, s.baseURL = nil, ""
	s.lnMu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return srv.Close()
	}
	return nil
}

// newID returns a Cloudflare-style identifier: 32 lower-case hex digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isID reports whether s has the shape of a Cloudflare identifier.
func isID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// timestamp formats like Cloudflare: UTC, microseconds, trailing zeros cut
// ("2025-10-25T12:48:34.17977Z").
func timestamp(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// queryInt reads an integer query parameter, def when absent or not a
// number. The API types page and per_page as numbers, so "5.0" is read as 5.
func queryInt(v string, def int) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return def
		}
		n = int(f)
	}
	return n
}
