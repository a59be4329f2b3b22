package certs

import (
	"slices"
	"strings"
)

// Plan is which certificates should exist.
type Plan struct {
	// DNS01 are the names managed through DNS-01, each its own
	// certificate: "*.domain" and "domain" when DNS is managed; nil
	// otherwise.
	DNS01 []string
	// HTTP01 are the consumer names not covered by DNS01, sorted: each
	// gets a certificate of its own through HTTP-01, on demand.
	HTTP01 []string
}

// Empty reports whether no certificate should exist.
func (p Plan) Empty() bool { return len(p.DNS01) == 0 && len(p.HTTP01) == 0 }

// Input is what the plan is made from.
type Input struct {
	Enabled bool   // the acme_enabled setting
	Domain  string // the base domain
	// Builtin is whether the built-in proxy routes (with Nginx Proxy
	// Manager, NPM serves HTTPS itself).
	Builtin bool
	// Managed is whether DNS records are written to a provider, which can
	// then hold the DNS-01 challenge records.
	Managed bool
	// Names are the consumers' names: instances' FQDNs, standalone
	// proxies' domains, the UI's name.
	Names []string
}

// Want decides the plan.
func Want(in Input) Plan {
	domain := normalize(in.Domain)
	if !in.Enabled || !in.Builtin || domain == "" {
		return Plan{}
	}
	var p Plan
	if in.Managed {
		p.DNS01 = []string{"*." + domain, domain}
	}
	for _, n := range in.Names {
		n = normalize(n)
		if n == "" || strings.HasPrefix(n, "*.") || p.DNS01 != nil && Covers(domain, n) {
			continue
		}
		p.HTTP01 = append(p.HTTP01, n)
	}
	slices.Sort(p.HTTP01)
	p.HTTP01 = slices.Compact(p.HTTP01)
	return p
}

// Covers reports whether the pair of certificates of domain ("*.domain"
// and "domain") serves name: the domain itself, or one label below it.
func Covers(domain, name string) bool {
	if name == domain {
		return true
	}
	label, ok := strings.CutSuffix(name, "."+domain)
	return ok && label != "" && !strings.Contains(label, ".")
}

func normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}
