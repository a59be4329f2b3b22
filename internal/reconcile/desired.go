package reconcile

import (
	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Want is a record that should exist, with the consumer that needs it.
type Want struct {
	Record   dns.Record
	Consumer consumer.Consumer
}

// Desired returns the records the consumers need under the settings (an A
// record for the IPv4 target, an AAAA record for the IPv6 one), and apart
// those whose name lies outside the zone, which are never written.
func Desired(consumers []consumer.Consumer, s model.Settings) (want, outside []Want) {
	zone := s.DNSZoneName()
	seen := map[string]bool{}
	for _, c := range consumers {
		for _, t := range []struct{ typ, content string }{{"A", s.PublicIPv4}, {"AAAA", s.PublicIPv6}} {
			if t.content == "" {
				continue
			}
			w := Want{Consumer: c, Record: dns.Record{
				Name: c.FQDN, Type: t.typ, Content: t.content, TTL: s.DNSTTL, Proxied: s.DNS().Proxied,
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
