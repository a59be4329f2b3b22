// Package consumer holds the pure list of consumers: everything that needs
// a name. An instance (running, or stopped within its grace period) or a
// standalone proxy, with its FQDN and the target its traffic goes to. The
// DNS reconciler derives its wanted records from this list, and the proxy
// router its routes. It imports the model only, and does no I/O.
package consumer

import (
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Target is where a consumer's traffic goes.
type Target struct {
	Scheme string // "http" or "https"
	Host   string
	Port   int
}

// Consumer is anything that needs a name.
type Consumer struct {
	Kind   string // model.KindInstance or model.KindProxy
	ID     int64
	Name   string // subdomain of an instance, domain of a proxy
	FQDN   string
	Target Target
	// GraceUntil is set for a stopped instance: it keeps its name until
	// then. Zero for an active consumer.
	GraceUntil time.Time
}

// Active reports whether the consumer is served now (not only kept for its
// grace period).
func (c Consumer) Active() bool { return c.GraceUntil.IsZero() }

// List returns the consumers of instances and proxies: instances that run
// with a proxy route, stopped ones still within the grace period, every
// standalone proxy, and the UI's own name when the built-in proxy serves
// it (settings.ui_domain), in that order.
func List(instances []model.Instance, proxies []model.Proxy, s model.Settings, now time.Time) []Consumer {
	var out []Consumer
	grace := time.Duration(s.DNSDeleteGraceSeconds) * time.Second
	for _, in := range instances {
		fqdn := in.FQDN(s.Domain)
		if fqdn == "" || in.ProxyRouteID == 0 {
			continue
		}
		c := Consumer{Kind: model.KindInstance, ID: in.ID, Name: in.Subdomain, FQDN: fqdn,
			Target: Target{Scheme: "http", Host: s.PublishTarget(), Port: in.HostPort}}
		switch in.Status {
		case model.StatusRunning:
		case model.StatusStopped, model.StatusFailed, model.StatusDeploying:
			// Restarts and redeploys pass through these: keep the name
			// for the grace period so they cause no churn.
			until := in.StatusChangedAt.Add(grace)
			if !now.Before(until) {
				continue
			}
			c.GraceUntil = until
		default:
			continue
		}
		out = append(out, c)
	}
	for _, p := range proxies {
		out = append(out, Consumer{Kind: model.KindProxy, ID: p.ID, Name: p.Domain, FQDN: p.Domain,
			Target: Target{Scheme: p.ForwardScheme, Host: p.ForwardHost, Port: p.ForwardPort}})
	}
	if s.UIDomain != "" && s.Proxy().Router == model.RouterBuiltin {
		out = append(out, Consumer{Kind: model.KindUI, Name: s.UIDomain, FQDN: s.UIDomain})
	}
	return out
}

// NextGraceEnd is when the earliest grace period among the consumers ends,
// or zero.
func NextGraceEnd(cs []Consumer) time.Time {
	var next time.Time
	for _, c := range cs {
		if !c.Active() && (next.IsZero() || c.GraceUntil.Before(next)) {
			next = c.GraceUntil
		}
	}
	return next
}
