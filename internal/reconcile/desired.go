package reconcile

import (
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Consumer is anything that needs a name.
type Consumer struct {
	Kind string // model.KindInstance or model.KindProxy
	ID   int64
	Name string // subdomain of an instance, domain of a proxy
	FQDN string
	// GraceUntil is set for a stopped instance: it keeps its record until
	// then. Zero for an active consumer.
	GraceUntil time.Time
}

// Consumers lists the consumers of instances and proxies: instances that
// run with a proxy route, stopped ones still within the grace period, and
// every standalone proxy.
func Consumers(instances []model.Instance, proxies []model.Proxy, s model.Settings, now time.Time) []Consumer {
	var out []Consumer
	grace := time.Duration(s.DNSDeleteGraceSeconds) * time.Second
	for _, in := range instances {
		fqdn := in.FQDN(s.Domain)
		if fqdn == "" || in.ProxyRouteID == 0 {
			continue
		}
		c := Consumer{Kind: model.KindInstance, ID: in.ID, Name: in.Subdomain, FQDN: fqdn}
		switch in.Status {
		case model.StatusRunning:
		case model.StatusStopped, model.StatusFailed, model.StatusDeploying:
			// Restarts and redeploys pass through these: keep the record
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
		out = append(out, Consumer{Kind: model.KindProxy, ID: p.ID, Name: p.Domain, FQDN: p.Domain})
	}
	return out
}

// Want is a record that should exist, with the consumer that needs it.
type Want struct {
	Record   dns.Record
	Consumer Consumer
}

// Desired returns the records the consumers need under the settings (an A
// record for the IPv4 target, an AAAA record for the IPv6 one), and apart
// those whose name lies outside the zone, which are never written.
func Desired(consumers []Consumer, s model.Settings) (want, outside []Want) {
	zone := s.DNSZoneName()
	seen := map[string]bool{}
	for _, c := range consumers {
		for _, t := range []struct{ typ, content string }{{"A", s.PublicIPv4}, {"AAAA", s.PublicIPv6}} {
			if t.content == "" {
				continue
			}
			w := Want{Consumer: c, Record: dns.Record{
				Name: c.FQDN, Type: t.typ, Content: t.content, TTL: s.DNSTTL, Proxied: s.CloudflareProxied,
			}.Normalize()}
			k := key(w.Record.Name, w.Record.Type)
			if seen[k] {
				continue // two consumers of one name: the first wins
			}
			seen[k] = true
			if zone == "" || !dnsname.InZone(w.Record.Name, zone) {
				outside = append(outside, w)
				continue
			}
			want = append(want, w)
		}
	}
	return want, outside
}

func key(name, typ string) string { return name + " " + typ }
