package cfemu

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Zone is a zone of the emulator.
type Zone struct {
	ID        string
	Name      string
	Plan      string // "free", "pro", "business" or "enterprise"
	AccountID string
	CreatedOn time.Time
}

type zoneData struct {
	Zone
	records []Record // in creation order
	// serial is the SOA serial the DNS responder gives: it starts at the
	// zone's creation time, as many servers' serials do, and grows by one
	// at every change of the records, so a resolver sees the zone change.
	serial uint32
}

// nameServers are the two Cloudflare name servers every zone is given, as
// the zone's name_servers and in the NS and SOA answers of the DNS
// responder; Cloudflare picks a pair of such names per account.
var nameServers = []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}

// plan holds what differs between plans for the DNS API. Limits:
// comments 100 characters on Free, 500 on paid plans (record-attributes
// docs, see errCommentTooLong); batch operations 200 on Free, 3,500 on Pro,
// Business and Enterprise (developers.cloudflare.com/dns/manage-dns-records/
// how-to/batch-record-changes); minimum TTL 60, 30 on Enterprise (the API
// schema's ttl description).
type plan struct {
	id, name, legacyID string
	price              float64
	commentMax         int
	batchMax           int
	minTTL             int
}

var plans = map[string]plan{
	"free":       {"0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "Free Website", "free", 0, 100, 200, 60},
	"pro":        {"94f3b7b768b0458b56d2cac4fe5ec0f9", "Pro Website", "pro", 20, 500, 3500, 60},
	"business":   {"6d8b4c1b2c7f4e1f9a3b2c1d0e9f8a7b", "Business Website", "business", 200, 500, 3500, 60},
	"enterprise": {"e1c3b5a7d9f24b6c8e0a1b3c5d7e9f10", "Enterprise Website", "enterprise", 5000, 500, 3500, 30},
}

// AddZone adds an active zone on the server's default plan and returns it.
// The name is stored in lower case without a trailing dot.
func (s *Server) AddZone(name string) Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	created := s.now().UTC()
	z := &zoneData{Zone: Zone{
		ID:        newID(),
		Name:      strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), "."),
		Plan:      s.plan,
		AccountID: s.account.id,
		CreatedOn: created,
	}, serial: uint32(created.Unix())}
	s.zones = append(s.zones, z)
	return z.Zone
}

// CheckPlan reports whether name is a plan the emulator knows: "free",
// "pro", "business" or "enterprise".
func CheckPlan(name string) error {
	if _, ok := plans[name]; !ok {
		return fmt.Errorf("cfemu: unknown plan %q (want free, pro, business or enterprise)", name)
	}
	return nil
}

// SetPlan moves a zone to another plan.
func (s *Server) SetPlan(zoneID, planName string) error {
	if err := CheckPlan(planName); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return fmt.Errorf("cfemu: no zone %s", zoneID)
	}
	z.Plan = planName
	return nil
}

// Zones returns the zones in creation order.
func (s *Server) Zones() []Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Zone, len(s.zones))
	for i, z := range s.zones {
		out[i] = z.Zone
	}
	return out
}

// AccountID is the id of the account that owns every zone, for
// account-owned tokens and /accounts/{id}/tokens/verify.
func (s *Server) AccountID() string { return s.account.id }

// zone finds a zone by id; s.mu must be held.
func (s *Server) zone(id string) *zoneData {
	for _, z := range s.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

// zoneFor resolves the request's {zone_id} for the token; s.mu must be
// held. An id that names no zone is "no route", as Cloudflare answers a
// wrong zone id; a zone the token does not reach, or a write without DNS
// write permission, is an authentication error.
func (s *Server) zoneFor(r *http.Request, t *token, write bool) (*zoneData, error) {
	z := s.zone(r.PathValue("zone_id"))
	if z == nil {
		return nil, errNoRoute(strings.TrimPrefix(r.URL.Path, apiPrefix))
	}
	if !t.canSee(z) || write && !t.CanEdit {
		return nil, errNoPermission()
	}
	return z, nil
}

func (s *Server) getZone(r *http.Request, t *token) (reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneFor(r, t, false)
	if err != nil {
		return reply{}, err
	}
	return reply{result: s.zoneJSON(z, t)}, nil
}

// listZones implements GET /zones: the zones the token reaches, filtered by
// name (with the documented "op:value" operators), status, account.id and
// account.name, combined with match=all|any, ordered and paginated
// (per_page 5..50, default 20).
func (s *Server) listZones(r *http.Request, t *token) (reply, error) {
	q := r.URL.Query()
	var conds []func(*zoneData) bool
	if v := q.Get("name"); v != "" {
		m := stringMatcher(v)
		conds = append(conds, func(z *zoneData) bool { return m(z.Name) })
	}
	if v := q.Get("status"); v != "" {
		conds = append(conds, func(*zoneData) bool { return v == "active" })
	}
	if v := q.Get("account.id"); v != "" {
		conds = append(conds, func(z *zoneData) bool { return z.AccountID == v })
	}
	if v := q.Get("account.name"); v != "" {
		m := stringMatcher(v)
		conds = append(conds, func(*zoneData) bool { return m(s.account.name) })
	}
	matchAny := q.Get("match") == "any"

	s.mu.Lock()
	defer s.mu.Unlock()
	var zones []*zoneData
	for _, z := range s.zones {
		if t.canSee(z) && matches(z, conds, matchAny) {
			zones = append(zones, z)
		}
	}
	key := func(z *zoneData) string { return z.Name }
	switch q.Get("order") {
	case "account.id":
		key = func(z *zoneData) string { return z.AccountID }
	case "account.name":
		key = func(*zoneData) string { return s.account.name }
	}
	slices.SortStableFunc(zones, func(a, b *zoneData) int {
		c := cmp.Compare(key(a), key(b))
		if q.Get("direction") == "desc" {
			c = -c
		}
		return c
	})
	page, info := paginate(zones, q, 20, 5, 50)
	out := make([]any, len(page))
	for i, z := range page {
		out[i] = s.zoneJSON(z, t)
	}
	return reply{result: out, info: &info}, nil
}

// stringMatcher implements the zone list's name filter: "value" or
// "op:value" with op one of equal, not_equal, starts_with, ends_with,
// contains, and the *_case_sensitive variants; other ops are case-blind.
func stringMatcher(v string) func(string) bool {
	op, val, found := strings.Cut(v, ":")
	if !found {
		op, val = "equal", v
	}
	sensitive := strings.HasSuffix(op, "_case_sensitive")
	op = strings.TrimSuffix(op, "_case_sensitive")
	norm := func(s string) string {
		if sensitive {
			return s
		}
		return strings.ToLower(s)
	}
	val = norm(val)
	switch op {
	case "not_equal":
		return func(s string) bool { return norm(s) != val }
	case "starts_with":
		return func(s string) bool { return strings.HasPrefix(norm(s), val) }
	case "ends_with":
		return func(s string) bool { return strings.HasSuffix(norm(s), val) }
	case "contains":
		return func(s string) bool { return strings.Contains(norm(s), val) }
	case "equal":
		return func(s string) bool { return norm(s) == val }
	default: // not an operator: a name that holds a colon
		whole := norm(v)
		return func(s string) bool { return norm(s) == whole }
	}
}

// zoneJSON renders a zone with the fields Cloudflare returns; permissions
// reflect the token, as Cloudflare reports the caller's permissions.
func (s *Server) zoneJSON(z *zoneData, t *token) map[string]any {
	p := plans[z.Plan]
	perms := []string{"#zone:read", "#dns_records:read"}
	if t.CanEdit {
		perms = append(perms, "#dns_records:edit")
	}
	created := timestamp(z.CreatedOn)
	return map[string]any{
		"id":                    z.ID,
		"name":                  z.Name,
		"status":                "active",
		"paused":                false,
		"type":                  "full",
		"development_mode":      0,
		"name_servers":          slices.Clone(nameServers),
		"original_name_servers": nil,
		"original_registrar":    nil,
		"original_dnshost":      nil,
		"created_on":            created,
		"modified_on":           created,
		"activated_on":          created,
		"meta": map[string]any{
			"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3,
			"phishing_detected": false,
		},
		"owner":       map[string]any{"id": nil, "type": "user", "email": nil},
		"account":     map[string]any{"id": z.AccountID, "name": s.account.name},
		"tenant":      map[string]any{"id": nil, "name": nil},
		"tenant_unit": map[string]any{"id": nil},
		"permissions": perms,
		"plan": map[string]any{
			"id": p.id, "name": p.name, "price": p.price, "currency": "USD",
			"frequency": "", "is_subscribed": p.price > 0, "can_subscribe": false,
			"legacy_id": p.legacyID, "legacy_discount": false, "externally_managed": false,
		},
	}
}
