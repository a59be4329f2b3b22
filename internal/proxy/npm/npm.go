package npm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// Options configures a Router.
type Options struct {
	// URL is NPM's address, like "http://npm:81"; "/api" is added unless
	// the URL ends in it.
	URL      string
	Email    string
	Password string
	// ForwardHost, when set, is the forward host of instance routes: the
	// address at which NPM reaches the ports Docker Watcher publishes.
	ForwardHost string
	// HTTPClient defaults to one with a 30-second timeout.
	HTTPClient *http.Client
	// Now is the clock for token refreshes; time.Now if nil.
	Now func() time.Time
	// Owned seeds the tracking of the proxy hosts the router created:
	// route host to NPM proxy-host id.
	Owned map[string]int
}

// Router is the proxy.Router for Nginx Proxy Manager. Its methods are safe
// for concurrent use; Applies run one at a time.
type Router struct {
	opts Options
	base string
	hc   *http.Client
	now  func() time.Time

	applyMu            sync.Mutex // serialises Apply; guards the token
	token              string
	expires, refreshAt time.Time

	ownedMu sync.Mutex
	owned   map[string]int
}

var _ proxy.Router = (*Router)(nil)

// ConflictError is a route left unserved because a proxy host the router
// did not create holds its domain; it is proxy's, so that routers share it.
type ConflictError = proxy.ConflictError

// New returns a Router; it does not reach NPM until the first Apply.
func New(o Options) (*Router, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("npm: the URL %q is no http(s) address", o.URL)
	}
	if o.Email == "" || o.Password == "" {
		return nil, errors.New("npm: an email and a password are needed")
	}
	base := strings.TrimSuffix(o.URL, "/")
	if !strings.HasSuffix(base, "/api") {
		base += "/api"
	}
	r := &Router{opts: o, base: base, hc: o.HTTPClient, now: o.Now, owned: maps.Clone(o.Owned)}
	if r.hc == nil {
		r.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.owned == nil {
		r.owned = map[string]int{}
	}
	return r, nil
}

// Owned returns the proxy hosts the router created: route host to NPM id.
func (r *Router) Owned() map[string]int {
	r.ownedMu.Lock()
	defer r.ownedMu.Unlock()
	return maps.Clone(r.owned)
}

func (r *Router) own(host string, id int) {
	r.ownedMu.Lock()
	defer r.ownedMu.Unlock()
	if id == 0 {
		delete(r.owned, host)
	} else {
		r.owned[host] = id
	}
}

// hostBody is the part of a proxy host the router sets: the body of its
// creates and updates, every field one of NPM v2.15.1's schema.
type hostBody struct {
	DomainNames           []string `json:"domain_names"`
	ForwardScheme         string   `json:"forward_scheme"`
	ForwardHost           string   `json:"forward_host"`
	ForwardPort           int      `json:"forward_port"`
	CertificateID         int      `json:"certificate_id"`
	SSLForced             bool     `json:"ssl_forced"`
	BlockExploits         bool     `json:"block_exploits"`
	AllowWebsocketUpgrade bool     `json:"allow_websocket_upgrade"`
	HTTP2Support          bool     `json:"http2_support"`
}

// hostJSON is a proxy host as NPM answers it, the fields the router reads.
type hostJSON struct {
	ID int `json:"id"`
	hostBody
	Meta struct {
		NginxOnline *bool `json:"nginx_online"`
		NginxErr    any   `json:"nginx_err"`
	} `json:"meta"`
}

// same reports whether NPM's host h holds what b sets.
func (h *hostJSON) same(b hostBody) bool {
	return slices.EqualFunc(sortedLower(h.DomainNames), b.DomainNames, strings.EqualFold) &&
		h.ForwardScheme == b.ForwardScheme && h.ForwardHost == b.ForwardHost && h.ForwardPort == b.ForwardPort &&
		h.CertificateID == b.CertificateID && h.SSLForced == b.SSLForced && h.BlockExploits == b.BlockExploits &&
		h.AllowWebsocketUpgrade == b.AllowWebsocketUpgrade && h.HTTP2Support == b.HTTP2Support
}

// nginxErr is the failed `nginx -t` of a saved host, or nil.
func (h *hostJSON) nginxErr(host string) error {
	if h.Meta.NginxOnline == nil || *h.Meta.NginxOnline {
		return nil
	}
	msg := "no message"
	if h.Meta.NginxErr != nil {
		msg = strings.TrimSpace(fmt.Sprint(h.Meta.NginxErr))
	}
	return fmt.Errorf("npm: proxy host %d for %s is saved but nginx refuses its configuration (nginx_online false): %s", h.ID, host, msg)
}

func sortedLower(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	slices.Sort(out)
	return out
}

// body is the proxy host of an active route.
func (r *Router) body(rt proxy.Route) (hostBody, error) {
	t := rt.Target
	if t == nil || (t.Scheme != "http" && t.Scheme != "https") || t.Hostname() == "" {
		return hostBody{}, fmt.Errorf("npm: route %s: the target %v is no http(s) address", rt.Host, t)
	}
	port := 80
	if t.Scheme == "https" {
		port = 443
	}
	if p := t.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return hostBody{}, fmt.Errorf("npm: route %s: the target's port %q is out of range", rt.Host, p)
		}
		port = n
	}
	fwd := t.Hostname()
	if rt.Kind == model.KindInstance && r.opts.ForwardHost != "" {
		fwd = r.opts.ForwardHost
	}
	return hostBody{
		DomainNames: []string{strings.ToLower(rt.Host)}, ForwardScheme: t.Scheme, ForwardHost: fwd, ForwardPort: port,
		AllowWebsocketUpgrade: true, BlockExploits: true,
	}, nil
}

const hostsPath = "/nginx/proxy-hosts"

// Apply makes NPM hold one proxy host per active route, touching only the
// hosts the router created. It applies all it can and returns the
// problems of each route joined; a route whose domain a host not ours
// holds is a *proxy.ConflictError.
func (r *Router) Apply(ctx context.Context, routes []proxy.Route) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()

	var errs []error
	want := map[string]hostBody{}
	for _, rt := range routes {
		if rt.State != proxy.Active {
			continue
		}
		b, err := r.body(rt)
		if err != nil {
			errs = append(errs, &proxy.RouteError{Host: rt.Host, Err: err})
			continue
		}
		want[b.DomainNames[0]] = b
	}

	var list []hostJSON
	if err := r.do(ctx, http.MethodGet, hostsPath, nil, &list); err != nil {
		return errors.Join(append(errs, fmt.Errorf("npm: listing proxy hosts: %w", err))...)
	}
	byID := map[int]*hostJSON{}
	byDomain := map[string]*hostJSON{}
	for i := range list {
		h := &list[i]
		byID[h.ID] = h
		for _, d := range h.DomainNames {
			byDomain[strings.ToLower(d)] = h
		}
	}
	owned := r.Owned()
	for host, id := range owned {
		if byID[id] == nil { // deleted by hand: no longer ours
			delete(owned, host)
			r.own(host, 0)
		}
	}

	for _, host := range slices.Sorted(maps.Keys(want)) {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := r.ensure(ctx, host, want[host], owned, byID, byDomain); err != nil {
			errs = append(errs, &proxy.RouteError{Host: host, Err: err})
		}
	}
	for _, host := range slices.Sorted(maps.Keys(owned)) {
		if _, ok := want[host]; ok {
			continue
		}
		id := owned[host]
		err := r.do(ctx, http.MethodDelete, hostsPath+"/"+strconv.Itoa(id), nil, nil)
		if err != nil && !notFound(err) {
			errs = append(errs, &proxy.RouteError{Host: host, Err: fmt.Errorf("npm: deleting proxy host %d of %s: %w", id, host, err)})
			continue
		}
		r.own(host, 0)
	}
	return errors.Join(errs...)
}

// ensure makes NPM hold b for host: our host updated when drifted, or a
// new one when we have none and no other host holds the domain.
func (r *Router) ensure(ctx context.Context, host string, b hostBody, owned map[string]int, byID map[int]*hostJSON, byDomain map[string]*hostJSON) error {
	if id, ok := owned[host]; ok {
		if h := byID[id]; h.same(b) {
			return h.nginxErr(host)
		}
		var got hostJSON
		err := r.do(ctx, http.MethodPut, hostsPath+"/"+strconv.Itoa(id), b, &got)
		if msg, ok := inUse(err); ok {
			return &proxy.ConflictError{Host: host, Detail: "NPM: " + msg}
		}
		if err != nil {
			return fmt.Errorf("npm: updating proxy host %d of %s: %w", id, host, err)
		}
		return got.nginxErr(host)
	}
	if h := byDomain[host]; h != nil {
		return &proxy.ConflictError{Host: host, Detail: fmt.Sprintf("NPM proxy host %d holds it", h.ID)}
	}
	var got hostJSON
	err := r.do(ctx, http.MethodPost, hostsPath, b, &got)
	if msg, ok := inUse(err); ok {
		return &proxy.ConflictError{Host: host, Detail: "NPM: " + msg}
	}
	if err != nil {
		return fmt.Errorf("npm: creating a proxy host for %s: %w", host, err)
	}
	if got.ID <= 0 {
		return fmt.Errorf("npm: creating a proxy host for %s: the answer has no id", host)
	}
	r.own(host, got.ID)
	// NPM answers a create before nginx is configured; the outcome of
	// its test shows on the next read.
	var fresh hostJSON
	if err := r.do(ctx, http.MethodGet, hostsPath+"/"+strconv.Itoa(got.ID), nil, &fresh); err != nil {
		return fmt.Errorf("npm: reading proxy host %d of %s back: %w", got.ID, host, err)
	}
	return fresh.nginxErr(host)
}

// Test logs in and lists the proxy hosts the account sees, for the
// settings' Test button: it changes nothing.
func (r *Router) Test(ctx context.Context) (hosts int, err error) {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	r.token = "" // prove the credentials, not an earlier token
	var list []hostJSON
	if err := r.do(ctx, http.MethodGet, hostsPath, nil, &list); err != nil {
		return 0, err
	}
	return len(list), nil
}
