// Package proxy holds the routing layer: a Route per consumer (host to
// target), and the Router interface that serves a whole route table. The
// table is derived from the store by one pure function; routers (the
// built-in reverse proxy in builtin/, Nginx Proxy Manager in npm/) are fed
// the whole table each time, so applying it is idempotent and a restart
// rebuilds it. This package never reaches a DNS provider or the API.
package proxy

import (
	"context"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// State is whether a route's target serves now.
type State string

// Route states.
const (
	Active    State = "active"
	Stopped   State = "stopped"   // an instance that does not run: 503
	Deploying State = "deploying" // an instance on its way up: 503
)

// Route is one name served by a router.
type Route struct {
	Host   string   // normalised FQDN: lower case, punycode, no trailing dot
	Target *url.URL // scheme://host:port
	Kind   string   // model.KindInstance, model.KindProxy or model.KindUI
	ID     int64
	State  State
	// Header is set on every request of the route: the UI route's proof
	// that a request came through this proxy.
	Header map[string]string
}

// Router serves a route table. Apply is given the whole table each time.
type Router interface {
	Apply(ctx context.Context, routes []Route) error
}

// Table is the route table of the store's instances and proxies: every
// standalone proxy, and every instance with a subdomain under the domain
// (active when running, else stopped or deploying). When two consumers
// share a name the proxy wins, then the lower id; the API refuses such
// pairs, so this only orders what an older database may hold.
func Table(instances []model.Instance, proxies []model.Proxy, s model.Settings) []Route {
	byHost := map[string]Route{}
	add := func(r Route) {
		if old, ok := byHost[r.Host]; ok && (old.Kind == model.KindProxy || old.ID < r.ID) && r.Kind != model.KindProxy {
			return
		}
		byHost[r.Host] = r
	}
	for _, in := range instances {
		fqdn := in.FQDN(s.Domain)
		if fqdn == "" {
			continue
		}
		state := Stopped
		switch in.Status {
		case model.StatusRunning:
			state = Active
		case model.StatusDeploying:
			state = Deploying
		}
		add(Route{Host: fqdn, Target: targetURL(consumer.Target{Scheme: "http", Host: s.PublishTarget(), Port: in.HostPort}),
			Kind: model.KindInstance, ID: in.ID, State: state})
	}
	for _, p := range proxies {
		add(Route{Host: p.Domain, Target: targetURL(consumer.Target{Scheme: p.ForwardScheme, Host: p.ForwardHost, Port: p.ForwardPort}),
			Kind: model.KindProxy, ID: p.ID, State: Active})
	}
	out := make([]Route, 0, len(byHost))
	for _, r := range byHost {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}

func targetURL(t consumer.Target) *url.URL {
	return &url.URL{Scheme: t.Scheme, Host: net.JoinHostPort(t.Host, strconv.Itoa(t.Port))}
}

// NormalizeHost turns a request's Host into the form routes are keyed by:
// the port stripped, lower case, no trailing dot, an IDN in punycode. It
// returns "" for a host that is no valid name.
func NormalizeHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c >= 0x80 || c >= 'A' && c <= 'Z' {
			n, err := dnsname.NormalizeName(host)
			if err != nil {
				return ""
			}
			return n
		}
	}
	return host
}
