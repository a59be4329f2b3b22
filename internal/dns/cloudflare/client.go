package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/accounts"
	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/user"
	"github.com/cloudflare/cloudflare-go/v6/zones"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// DefaultBaseURL is Cloudflare's API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// Options configure a Provider. Zero values take the defaults noted.
type Options struct {
	Token    string // API token (required)
	ZoneID   string // zone to manage (required for records)
	ZoneName string // its name, for messages and relative names
	Marker   string // ownership marker put in the record comment (required for writes)
	BaseURL  string // DefaultBaseURL

	MaxRetries     int           // retries after the first try: 3; -1 for none
	RetryBackoff   time.Duration // first backoff, doubling: 500ms
	RequestTimeout time.Duration // one attempt: 30s
	MaxWait        time.Duration // longest Retry-After honoured: 60s
	CallTimeout    time.Duration // one call with all its retries: 2m
	RateLimit      int           // requests per RateWindow: 1200; -1 for none
	RateWindow     time.Duration // 5m
	BatchSize      int           // operations per batch call: 200 (Free plan)
	PageSize       int           // records per list page: 5000
	HTTPClient     *http.Client  // http.DefaultClient
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxRetries, 3)
	def(&o.RateLimit, 1200)
	def(&o.BatchSize, 200)
	def(&o.PageSize, 5000)
	defDur(&o.RetryBackoff, 500*time.Millisecond)
	defDur(&o.RequestTimeout, 30*time.Second)
	defDur(&o.MaxWait, 60*time.Second)
	defDur(&o.CallTimeout, 2*time.Minute)
	defDur(&o.RateWindow, 5*time.Minute)
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if !strings.HasSuffix(o.BaseURL, "/") {
		o.BaseURL += "/"
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
}

// Provider is one Cloudflare zone.
type Provider struct {
	opts    Options
	records *cfdns.RecordService
	zones   *zones.ZoneService
	userTok *user.TokenService
	acctTok *accounts.TokenService
	limiter *windowLimiter
	calls   atomic.Int64
}

var (
	_ dns.Provider   = (*Provider)(nil)
	_ dns.Batcher    = (*Provider)(nil)
	_ dns.ZoneLister = (*Provider)(nil)
	_ dns.ZoneReader = (*Provider)(nil)
	_ dns.Verifier   = (*Provider)(nil)

	_ dns.ListedBatcher = (*Provider)(nil)
	_ dns.CallCounter   = (*Provider)(nil)
)

// New returns a provider. It makes no call.
func New(o Options) (*Provider, error) {
	if o.Token == "" {
		return nil, errors.New("cloudflare: an API token is required")
	}
	o.defaults()
	p := &Provider{opts: o}
	if o.RateLimit > 0 {
		// Cloudflare counts a request when it arrives, we when we send it:
		// a 2% longer window keeps the two counts from meeting at its edge.
		p.limiter = newWindowLimiter(o.RateLimit, o.RateWindow+o.RateWindow/50)
	}
	// The services are built without cloudflare.NewClient on purpose: it
	// reads CLOUDFLARE_API_KEY, CLOUDFLARE_EMAIL and friends from the
	// environment and would send those credentials too.
	opts := []option.RequestOption{
		option.WithBaseURL(o.BaseURL),
		option.WithAPIToken(o.Token),
		option.WithHTTPClient(o.HTTPClient),
		option.WithMaxRetries(0), // retries are ours, below
		option.WithMiddleware(p.middleware),
	}
	p.records = cfdns.NewRecordService(opts...)
	p.zones = zones.NewZoneService(opts...)
	p.userTok = user.NewTokenService(opts...)
	p.acctTok = accounts.NewTokenService(opts...)
	return p, nil
}

// Calls is the number of HTTP requests sent to Cloudflare so far, retries
// included.
func (p *Provider) Calls() int64 { return p.calls.Load() }

// middleware wraps every SDK request: rate limit, bounded retries within
// CallTimeout, Retry-After, call counting, and the success:false guard.
func (p *Provider) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	ctx := req.Context()
	deadline := time.Now().Add(p.opts.CallTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	op := req.Method + " " + strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(basePath(p.opts.BaseURL), "/"))
	var lastErr *dns.Error
	giveUp := func(why string) error {
		lastErr.Message += " (" + why + ")"
		return lastErr
	}
	for attempt := 0; ; attempt++ {
		if p.limiter != nil {
			if err := p.limiter.wait(ctx, deadline); err != nil {
				return nil, &dns.Error{Provider: "cloudflare", Op: op, Message: "waiting for the client-side rate limit: " + err.Error(), Transient: true, Err: err}
			}
		}
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		res, err := p.attempt(r, next)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, err
		case err != nil:
			lastErr = &dns.Error{Provider: "cloudflare", Op: op, Message: err.Error(), Transient: true, Err: err}
			wait = p.backoff(attempt)
		case dns.TransientStatus(res.StatusCode):
			lastErr = responseError(op, res)
			wait = p.backoff(attempt)
			if ra, ok := retryAfter(res.Header.Get("Retry-After")); ok {
				if ra > p.opts.MaxWait {
					return nil, giveUp(fmt.Sprintf("Cloudflare asks to wait %s, longer than the %s this client waits", ra, p.opts.MaxWait))
				}
				wait = ra
			}
		default:
			return res, p.guardSuccess(op, res)
		}
		if attempt >= p.opts.MaxRetries || p.opts.MaxRetries < 0 {
			return nil, giveUp(fmt.Sprintf("gave up after %d attempts", attempt+1))
		}
		if time.Now().Add(wait).After(deadline) {
			return nil, giveUp(fmt.Sprintf("gave up after %d attempts: no time left for another within %s", attempt+1, p.opts.CallTimeout))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// attempt sends one request with its own timeout and reads the whole body,
// so that the timeout may end before the SDK decodes it.
func (p *Provider) attempt(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), p.opts.RequestTimeout)
	defer cancel()
	p.calls.Add(1)
	res, err := next(r.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

func (p *Provider) backoff(attempt int) time.Duration {
	d := p.opts.RetryBackoff << min(attempt, 10)
	d = min(d, 30*time.Second)
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// envelope is the part of Cloudflare's answer the guard reads.
type envelope struct {
	Success *bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Source  struct {
			Pointer string `json:"pointer"`
		} `json:"source"`
	} `json:"errors"`
}

// guardSuccess turns a 2xx answer with success:false into an error: the
// SDK would take it for a success.
func (p *Provider) guardSuccess(op string, res *http.Response) error {
	if res.StatusCode >= 300 {
		return nil // the SDK makes its own error from it
	}
	var env envelope
	body := peek(res)
	if json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success {
		return nil
	}
	e := responseError(op, res)
	e.Transient = false
	return e
}

func peek(res *http.Response) []byte {
	b, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// responseError makes a dns.Error from an answer, with Cloudflare's words.
func responseError(op string, res *http.Response) *dns.Error {
	e := &dns.Error{Provider: "cloudflare", Op: op, Status: res.StatusCode, Transient: dns.TransientStatus(res.StatusCode)}
	var env envelope
	if json.Unmarshal(peek(res), &env) == nil && len(env.Errors) > 0 {
		e.Code = env.Errors[0].Code
		msgs := make([]string, len(env.Errors))
		for i, x := range env.Errors {
			msgs[i] = x.Message
		}
		e.Message = strings.Join(msgs, "; ")
	} else {
		e.Message = fmt.Sprintf("HTTP %d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return e
}

func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t)), true
	}
	return 0, false
}

func basePath(base string) string {
	if i := strings.Index(base, "://"); i >= 0 {
		if j := strings.Index(base[i+3:], "/"); j >= 0 {
			return base[i+3+j:]
		}
	}
	return "/"
}
