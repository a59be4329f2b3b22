package cfemu

import (
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// What the DNS responder answers, decided from a copy of one zone: no I/O
// and no lock here (dnsserver.go does both).

// Timers of the synthesized SOA: Cloudflare's documented defaults
// (developers.cloudflare.com/dns/manage-dns-records/reference/
// dns-record-types/#soa), with its admin mailbox dns.cloudflare.com.
const (
	soaRName   = "dns.cloudflare.com."
	soaTTL     = 3600
	soaRefresh = 10000
	soaRetry   = 2400
	soaExpire  = 604800
	soaMinTTL  = 1800 // also the TTL of negative answers (RFC 2308)

	// autoTTL is what Cloudflare serves for a record of "automatic" TTL
	// (ttl 1): 300 seconds, as the same page says.
	autoTTL = 300

	// maxCNAMEChain bounds the CNAMEs followed inside a zone, so that a
	// loop (which Cloudflare's rules do not forbid) ends.
	maxCNAMEChain = 8
)

// zoneSnapshot is what the responder reads of a zone, copied under the lock.
type zoneSnapshot struct {
	name    string // lower case, no trailing dot
	serial  uint32
	records []Record
}

// bareName is a DNS name as the store spells it: lower case, no final dot.
func bareName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// inZone reports whether name (lower case, no trailing dot) is zone or
// below it.
func inZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// answer resolves one question in the zone as its authoritative server
// does: the rcode, the answer section and the authority section.
func (z zoneSnapshot) answer(q dns.Question) (int, []dns.RR, []dns.RR) {
	name := bareName(q.Name)
	owner := q.Name // answers keep the asker's spelling (0x20 case checks)
	var ans []dns.RR
	for range maxCNAMEChain {
		rrs, target, exists := z.lookup(name, owner, q.Qtype)
		ans = append(ans, rrs...)
		switch {
		case target != "" && inZone(target, z.name):
			// Follow the CNAME where this server knows the target, so
			// a resolver gets the whole chain in one answer.
			name, owner = target, dns.Fqdn(target)
		case len(rrs) > 0:
			return dns.RcodeSuccess, ans, nil
		case exists:
			return dns.RcodeSuccess, ans, []dns.RR{z.soa(dns.Fqdn(z.name), soaMinTTL)} // NODATA
		default:
			return dns.RcodeNameError, ans, []dns.RR{z.soa(dns.Fqdn(z.name), soaMinTTL)}
		}
	}
	return dns.RcodeServerFailure, nil, nil // a CNAME loop
}

// lookup answers qtype at one name: the records, the CNAME target when the
// name is an alias instead, and whether the name exists at all (an empty
// non-terminal exists). A name that does not exist is answered from the
// wildcard at its closest encloser, if any (RFC 4592).
func (z zoneSnapshot) lookup(name, owner string, qtype uint16) ([]dns.RR, string, bool) {
	if name == z.name {
		switch qtype {
		case dns.TypeSOA:
			return []dns.RR{z.soa(owner, soaTTL)}, "", true
		case dns.TypeNS:
			// The emulator takes no NS records, so the apex NS set is
			// always Cloudflare's pair.
			var rrs []dns.RR
			for _, ns := range nameServers {
				rrs = append(rrs, &dns.NS{Hdr: header(owner, dns.TypeNS, soaTTL), Ns: dns.Fqdn(ns)})
			}
			return rrs, "", true
		}
	}
	at := z.recordsAt(name)
	if !z.hasName(name) {
		if at = z.recordsAt(z.wildcardFor(name)); len(at) == 0 {
			return nil, "", false
		}
	}
	var rrs []dns.RR
	var cname *Record
	for _, r := range at {
		if dns.StringToType[r.Type] == qtype {
			rrs = append(rrs, toRR(owner, r))
		}
		if r.Type == "CNAME" {
			cname = &r
		}
	}
	if len(rrs) == 0 && cname != nil {
		// Other types may share a name with a CNAME at Cloudflare; only
		// when the asked type is absent does the alias answer.
		return []dns.RR{toRR(owner, *cname)}, cname.Content, true
	}
	return rrs, "", true
}

func (z zoneSnapshot) recordsAt(name string) []Record {
	var out []Record
	for _, r := range z.records {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// hasName reports whether name exists: the apex, a record's name or an
// empty non-terminal above one.
func (z zoneSnapshot) hasName(name string) bool {
	return name == z.name || slices.ContainsFunc(z.records, func(r Record) bool {
		return r.Name == name || strings.HasSuffix(r.Name, "."+name)
	})
}

// wildcardFor names the wildcard that may answer for name, which does not
// exist: "*." plus its closest existing ancestor.
func (z zoneSnapshot) wildcardFor(name string) string {
	for anc := name; anc != z.name; {
		_, anc, _ = strings.Cut(anc, ".")
		if z.hasName(anc) {
			return "*." + anc
		}
	}
	return "*." + z.name
}

func (z zoneSnapshot) soa(owner string, ttl uint32) dns.RR {
	return &dns.SOA{
		Hdr: header(owner, dns.TypeSOA, ttl),
		Ns:  dns.Fqdn(nameServers[0]), Mbox: soaRName, Serial: z.serial,
		Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, Minttl: soaMinTTL,
	}
}

// toRR turns a stored record into its answer. A proxied record is answered
// with its stored origin: Cloudflare would give its own anycast addresses,
// which the emulator has no proxy behind.
func toRR(owner string, r Record) dns.RR {
	ttl := uint32(r.TTL)
	if r.TTL == 1 {
		ttl = autoTTL
	}
	hdr := header(owner, dns.StringToType[r.Type], ttl)
	switch r.Type {
	case "A":
		return &dns.A{Hdr: hdr, A: net.ParseIP(r.Content).To4()}
	case "AAAA":
		return &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(r.Content)}
	case "CNAME":
		return &dns.CNAME{Hdr: hdr, Target: dns.Fqdn(r.Content)}
	case "MX":
		return &dns.MX{Hdr: hdr, Preference: uint16(r.Priority), Mx: dns.Fqdn(r.Content)}
	default: // TXT; its content was checked when stored
		strs, _ := txtStrings(r.Content)
		for i, s := range strs {
			strs[i] = escapeTXT(s) // miekg/dns packs the escaped form
		}
		return &dns.TXT{Hdr: hdr, Txt: strs}
	}
}

func header(owner string, typ uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: typ, Class: dns.ClassINET, Ttl: ttl}
}
