package certs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
)

// Certificate states, as the API shows them.
const (
	StateValid     = "valid"     // served, not due for renewal
	StatePending   = "pending"   // planned, not obtained yet (HTTP-01: at the first HTTPS request)
	StateObtaining = "obtaining" // none yet, the first one being obtained
	StateRenewing  = "renewing"  // served, a renewal under way
	StateExpiring  = "expiring"  // served, due for renewal, and the last attempt failed
	StateError     = "error"     // none to serve, and the last attempt failed
)

// Status is one planned certificate (certmagic keeps one per name).
type Status struct {
	Names     []string   `json:"names"`
	Challenge string     `json:"challenge"` // dns-01 or http-01
	Issuer    string     `json:"issuer"`
	NotBefore *time.Time `json:"not_before"`
	NotAfter  *time.Time `json:"not_after"`
	State     string     `json:"state"`
	LastError string     `json:"last_error"`
	RenewalAt *time.Time `json:"renewal_at"` // when certmagic renews it, at the latest
	// LastAttemptAt is when the last attempt to obtain or renew it ended
	// (obtained or failed), in this process; nil before the first.
	LastAttemptAt *time.Time `json:"last_attempt_at"`
}

// Enabled reports whether certificates are planned.
func (m *Manager) Enabled() bool { return m.cur.Load() != nil }

// Status lists the planned certificates, DNS-01 ones first.
func (m *Manager) Status() []Status {
	s := m.cur.Load()
	if s == nil {
		return []Status{}
	}
	allowed := *m.allowed.Load()
	http01 := make([]string, 0, len(allowed))
	for n := range allowed {
		http01 = append(http01, n)
	}
	slices.Sort(http01)
	out := make([]Status, 0, len(s.dns01)+len(http01))
	now := time.Now()
	for _, n := range append(slices.Clone(s.dns01), http01...) {
		st := Status{Names: []string{n}, Challenge: "http-01", State: StatePending}
		if slices.Contains(s.dns01, n) {
			st.Challenge = "dns-01"
		}
		m.stateMu.Lock()
		var ns nameState
		if p := m.states[n]; p != nil {
			ns = *p
		}
		m.stateMu.Unlock()
		st.LastError = ns.lastError
		if !ns.attemptAt.IsZero() {
			at := ns.attemptAt.UTC()
			st.LastAttemptAt = &at
		}
		c, ok := m.cached(n)
		if ok {
			leaf := c.Leaf
			nb, na := leaf.NotBefore, leaf.NotAfter
			renewal := renewalTime(nb, na)
			st.NotBefore, st.NotAfter, st.RenewalAt = &nb, &na, &renewal
			st.Names = slices.Clone(c.Names)
			st.Issuer = issuerName(leaf.Issuer.CommonName, leaf.Issuer.Organization)
		}
		st.State = stateOf(ok, ns, st.NotAfter, st.RenewalAt, now)
		out = append(out, st)
	}
	return out
}

// stateOf is a planned certificate's state: whether one is cached (its
// end and renewal time then), what the events said of the name, and now.
func stateOf(cached bool, ns nameState, notAfter, renewal *time.Time, now time.Time) string {
	switch {
	case !cached && ns.obtaining:
		return StateObtaining
	case !cached && ns.lastError != "":
		return StateError
	case !cached:
		return StatePending
	case ns.obtaining:
		return StateRenewing
	case !now.Before(*notAfter):
		return StateError
	case !now.Before(*renewal) && ns.lastError != "":
		return StateExpiring
	default:
		return StateValid
	}
}

// renewalTime is when certmagic's default window (the last third of the
// lifetime) opens.
func renewalTime(notBefore, notAfter time.Time) time.Time {
	life := notAfter.Sub(notBefore)
	return notAfter.Add(-time.Duration(float64(life) * certmagic.DefaultRenewalWindowRatio))
}

func issuerName(cn string, org []string) string {
	if cn != "" {
		return cn
	}
	return strings.Join(org, ", ")
}

// onEvent follows certmagic's events: obtaining, obtained, failed.
func (m *Manager) onEvent(_ context.Context, event string, data map[string]any) error {
	name, _ := data["identifier"].(string)
	renewal, _ := data["renewal"].(bool)
	kind := "issue"
	if renewal {
		kind = "renewal"
	}
	switch event {
	case "cert_obtaining":
		m.setState(name, func(s *nameState) { s.obtaining = true })
	case "cert_obtained":
		m.setState(name, func(s *nameState) { s.obtaining, s.lastError, s.attemptAt = false, "", time.Now() })
		m.metrics.obtained.WithLabelValues(kind).Inc()
		m.log.Info("certificate obtained", "name", name, "kind", kind)
	case "cert_failed":
		msg := fmt.Sprint(data["error"])
		m.setState(name, func(s *nameState) { s.obtaining, s.lastError, s.attemptAt = false, msg, time.Now() })
		m.metrics.failures.WithLabelValues(kind).Inc()
		m.log.Warn("certificate not obtained", "name", name, "kind", kind, "err", msg)
	case "cached_managed_cert":
		m.changed()
	}
	return nil
}

func (m *Manager) setState(name string, f func(*nameState)) {
	if name == "" {
		return
	}
	m.stateMu.Lock()
	s := m.states[name]
	if s == nil {
		s = &nameState{}
		m.states[name] = s
	}
	f(s)
	m.stateMu.Unlock()
	m.changed()
}

// metrics are the certificate metrics: counts of issuances and failures,
// and each planned certificate's expiry, read from the cache when
// scraped.
type metrics struct {
	obtained, failures *prometheus.CounterVec
	expiry             *prometheus.Desc
	m                  *Manager
}

func newMetrics(reg prometheus.Registerer, m *Manager) (*metrics, error) {
	x := &metrics{
		obtained: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dw_certificates_obtained_total",
			Help: "Certificates obtained from the ACME CA, by kind (issue or renewal)."}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dw_certificate_failures_total",
			Help: "Failed attempts to obtain a certificate, by kind (issue or renewal)."}, []string{"kind"}),
		expiry: prometheus.NewDesc("dw_certificate_expiry_timestamp_seconds",
			"When each planned certificate expires (Unix time), by name.", []string{"name"}, nil),
		m: m,
	}
	if reg == nil {
		return x, nil
	}
	for _, c := range []prometheus.Collector{x.obtained, x.failures, x} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("certs: metrics: %w", err)
		}
	}
	return x, nil
}

func (x *metrics) Describe(ch chan<- *prometheus.Desc) { ch <- x.expiry }

func (x *metrics) Collect(ch chan<- prometheus.Metric) {
	for _, s := range x.m.Status() {
		if s.NotAfter != nil {
			ch <- prometheus.MustNewConstMetric(x.expiry, prometheus.GaugeValue, float64(s.NotAfter.Unix()), s.Names[0])
		}
	}
}

// Serving is the certificate in list that serves name: its own, or the
// wildcard's (the apex's for the domain itself). One Status call can
// answer for many names.
func Serving(list []Status, name string) (Status, bool) {
	name = normalize(name)
	var wildcard string
	if i := strings.IndexByte(name, '.'); i > 0 {
		wildcard = "*" + name[i:]
	}
	var found Status
	ok := false
	for _, s := range list {
		switch s.Names[0] {
		case name:
			return s, true
		case wildcard:
			found, ok = s, true
		}
	}
	return found, ok
}
