package npmemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Host is a proxy host as NPM stores it (the proxy_host table). Hosts
// returns them for inspection, soft-deleted ones included.
type Host struct {
	ID                    int
	CreatedOn, ModifiedOn time.Time
	OwnerUserID           int
	DomainNames           []string
	ForwardScheme         string
	ForwardHost           string
	ForwardPort           int
	AccessListID          int
	CertificateID         int
	SSLForced             bool
	CachingEnabled        bool
	BlockExploits         bool
	AllowWebsocketUpgrade bool
	HTTP2Support          bool
	Enabled               bool
	HSTSEnabled           bool
	HSTSSubdomains        bool
	TrustForwardedProto   bool
	AdvancedConfig        string
	Meta                  map[string]any
	Locations             []map[string]any // nil until a client sends some: NPM answers null
	IsDeleted             bool
}

// clone copies h deeply enough that callers cannot reach the stored host.
func (h *Host) clone() Host {
	c := *h
	c.DomainNames = slices.Clone(h.DomainNames)
	c.Meta = cloneJSON(h.Meta)
	c.Locations = cloneJSON(h.Locations)
	return c
}

func cloneJSON[T any](v T) T {
	data, _ := json.Marshal(v)
	var out T
	if string(data) != "null" {
		_ = json.Unmarshal(data, &out)
	}
	return out
}

// AddHost stores a proxy host owned by ownerUserID, as if that user had
// made it by hand in NPM's UI, and returns it. Its domains must be free,
// as in the UI. Zero fields take NPM's column defaults (forward_scheme
// "http", meta {}); Enabled is taken as given.
func (s *Server) AddHost(ownerUserID int, h Host) (Host, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userLocked(ownerUserID) == nil {
		return Host{}, fmt.Errorf("npmemu: no user %d", ownerUserID)
	}
	if len(h.DomainNames) == 0 {
		return Host{}, fmt.Errorf("npmemu: a host needs a domain name")
	}
	if taken := s.takenLocked(h.DomainNames, 0); taken != "" {
		return Host{}, fmt.Errorf("npmemu: %s is already in use", taken)
	}
	if h.ForwardScheme == "" {
		h.ForwardScheme = "http"
	}
	if h.Meta == nil {
		h.Meta = map[string]any{"nginx_online": true, "nginx_err": nil}
	}
	now := s.now()
	h.ID, h.OwnerUserID, h.CreatedOn, h.ModifiedOn, h.IsDeleted = len(s.hosts)+1, ownerUserID, now, now, false
	stored := h.clone()
	slices.Sort(stored.DomainNames)
	cleanSSL(&stored)
	s.hosts = append(s.hosts, &stored)
	return stored.clone(), nil
}

// Hosts returns every proxy host ever stored, in id order, soft-deleted
// ones included (IsDeleted).
func (s *Server) Hosts() []Host {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Host, len(s.hosts))
	for i, h := range s.hosts {
		out[i] = h.clone()
	}
	return out
}

// takenLocked returns the first of names already used by a host that is
// not deleted, other than the host ignoreID, compared without regard to
// case (backend/internal/host.js isHostnameTaken); "" when all are free.
func (s *Server) takenLocked(names []string, ignoreID int) string {
	for _, name := range names {
		for _, h := range s.hosts {
			if h.IsDeleted || h.ID == ignoreID {
				continue
			}
			if slices.ContainsFunc(h.DomainNames, func(d string) bool { return strings.EqualFold(d, name) }) {
				return name
			}
		}
	}
	return ""
}

// visibleLocked returns the live host id as u may see it (NPM's get
// query: not deleted, and owned by u unless u's visibility is "all").
func (s *Server) visibleLocked(u *user, id int) *Host {
	if id < 1 || id > len(s.hosts) {
		return nil
	}
	h := s.hosts[id-1]
	if h.IsDeleted || (u.Visibility != "all" && h.OwnerUserID != u.id) {
		return nil
	}
	return h
}

// cleanSSL is internal/host.js cleanSslHstsData: no certificate, no forced
// SSL nor HTTP/2; no forced SSL, no HSTS; no HSTS, no HSTS subdomains.
func cleanSSL(h *Host) {
	if h.CertificateID == 0 {
		h.SSLForced, h.HTTP2Support = false, false
	}
	if !h.SSLForced {
		h.HSTSEnabled = false
	}
	if !h.HSTSEnabled {
		h.HSTSSubdomains = false
	}
}

// configureLocked stands for internal/nginx.js configure: the host's file
// is written and nginx tested; the outcome is merged into meta.
func (s *Server) configureLocked(h *Host) {
	meta := maps.Clone(h.Meta)
	if meta == nil {
		meta = map[string]any{}
	}
	if stderr := s.faults.nginxTest(); stderr != "" {
		meta["nginx_online"], meta["nginx_err"] = false, stderr
	} else {
		meta["nginx_online"], meta["nginx_err"] = true, nil
	}
	h.Meta = meta
}

// apply copies the validated (coerced) request fields onto h.
func apply(h *Host, body map[string]any) error {
	for k, v := range body {
		switch k {
		case "domain_names":
			names := []string{}
			for _, d := range v.([]any) {
				names = append(names, d.(string))
			}
			slices.Sort(names) // ProxyHost $beforeInsert / $beforeUpdate
			h.DomainNames = names
		case "forward_scheme":
			h.ForwardScheme = v.(string)
		case "forward_host":
			h.ForwardHost = v.(string)
		case "forward_port":
			h.ForwardPort = int(v.(int64))
		case "access_list_id":
			h.AccessListID = int(v.(int64))
		case "certificate_id":
			n, ok := v.(int64)
			if !ok {
				return errValidation(`npmemu: certificate_id "new" (a Let's Encrypt certificate requested with the host) is not emulated`)
			}
			h.CertificateID = int(n)
		case "advanced_config":
			h.AdvancedConfig = v.(string)
		case "meta":
			h.Meta = cloneJSON(v.(map[string]any))
		case "locations":
			h.Locations = []map[string]any{}
			for _, l := range v.([]any) {
				h.Locations = append(h.Locations, cloneJSON(l.(map[string]any)))
			}
		default:
			*boolField(h, k) = v.(bool)
		}
	}
	return nil
}

func boolField(h *Host, name string) *bool {
	return map[string]*bool{
		"ssl_forced": &h.SSLForced, "caching_enabled": &h.CachingEnabled,
		"block_exploits": &h.BlockExploits, "allow_websocket_upgrade": &h.AllowWebsocketUpgrade,
		"http2_support": &h.HTTP2Support, "enabled": &h.Enabled, "hsts_enabled": &h.HSTSEnabled,
		"hsts_subdomains": &h.HSTSSubdomains, "trust_forwarded_proto": &h.TrustForwardedProto,
	}[name]
}

// hostJSON is a host as NPM answers it (components/proxy-host-object.json),
// in NPM's field order, without is_deleted (the "omissions" of
// internal/proxy-host.js). The expanded relations appear only when asked
// for; the emulator has no certificates or access lists, so those two are
// always null, as NPM answers for an id that matches no row.
type hostJSON struct {
	ID                    int              `json:"id"`
	CreatedOn             string           `json:"created_on"`
	ModifiedOn            string           `json:"modified_on"`
	OwnerUserID           int              `json:"owner_user_id"`
	DomainNames           []string         `json:"domain_names"`
	ForwardHost           string           `json:"forward_host"`
	ForwardPort           int              `json:"forward_port"`
	AccessListID          int              `json:"access_list_id"`
	CertificateID         int              `json:"certificate_id"`
	SSLForced             bool             `json:"ssl_forced"`
	CachingEnabled        bool             `json:"caching_enabled"`
	BlockExploits         bool             `json:"block_exploits"`
	AdvancedConfig        string           `json:"advanced_config"`
	Meta                  map[string]any   `json:"meta"`
	AllowWebsocketUpgrade bool             `json:"allow_websocket_upgrade"`
	HTTP2Support          bool             `json:"http2_support"`
	ForwardScheme         string           `json:"forward_scheme"`
	Enabled               bool             `json:"enabled"`
	Locations             []map[string]any `json:"locations"`
	HSTSEnabled           bool             `json:"hsts_enabled"`
	HSTSSubdomains        bool             `json:"hsts_subdomains"`
	TrustForwardedProto   bool             `json:"trust_forwarded_proto"`
	Certificate           json.RawMessage  `json:"certificate,omitempty"`
	Owner                 *ownerJSON       `json:"owner,omitempty"`
	AccessList            json.RawMessage  `json:"access_list,omitempty"`
}

// expansion is the relations asked for with ?expand=.
type expansion struct{ owner, certificate, accessList bool }

var expandAll = expansion{owner: true, certificate: true, accessList: true}

// parseExpand reads ?expand=a,b. Objection refuses relations outside the
// model's allowGraph "[owner,access_list.[clients,items],certificate]"
// with an error NPM does not mark public: 500 "Internal Error".
func parseExpand(r *http.Request) (expansion, error) {
	var e expansion
	v, ok := r.URL.Query()["expand"]
	if !ok {
		return e, nil
	}
	for _, rel := range strings.Split(v[0], ",") {
		switch strings.TrimSpace(rel) {
		case "owner":
			e.owner = true
		case "certificate":
			e.certificate = true
		case "access_list", "access_list.clients", "access_list.items", "access_list.[clients,items]", "access_list.[items,clients]":
			e.accessList = true
		default:
			return e, errInternal(http.StatusInternalServerError)
		}
	}
	return e, nil
}

func (s *Server) jsonLocked(h *Host, e expansion) hostJSON {
	out := hostJSON{
		ID: h.ID, CreatedOn: isoTime(h.CreatedOn), ModifiedOn: isoTime(h.ModifiedOn),
		OwnerUserID: h.OwnerUserID, DomainNames: slices.Clone(h.DomainNames),
		ForwardHost: h.ForwardHost, ForwardPort: h.ForwardPort,
		AccessListID: h.AccessListID, CertificateID: h.CertificateID,
		SSLForced: h.SSLForced, CachingEnabled: h.CachingEnabled, BlockExploits: h.BlockExploits,
		AdvancedConfig: h.AdvancedConfig, Meta: cloneJSON(h.Meta),
		AllowWebsocketUpgrade: h.AllowWebsocketUpgrade, HTTP2Support: h.HTTP2Support,
		ForwardScheme: h.ForwardScheme, Enabled: h.Enabled, Locations: cloneJSON(h.Locations),
		HSTSEnabled: h.HSTSEnabled, HSTSSubdomains: h.HSTSSubdomains, TrustForwardedProto: h.TrustForwardedProto,
	}
	if out.Meta == nil {
		out.Meta = map[string]any{}
	}
	if e.certificate {
		out.Certificate = json.RawMessage("null")
	}
	if e.accessList {
		out.AccessList = json.RawMessage("null")
	}
	if u := s.userLocked(h.OwnerUserID); e.owner && u != nil {
		o := u.json()
		out.Owner = &o
	}
	return out
}

// jsParseInt is JavaScript's Number.parseInt(v, 10), which NPM's PUT and
// DELETE routes apply to the id: leading digits count, none is NaN (ok
// false).
func jsParseInt(v string) (int, bool) {
	v = strings.TrimLeft(v, " \t\n")
	end := 0
	if end < len(v) && (v[end] == '-' || v[end] == '+') {
		end++
	}
	start := end
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == start {
		return 0, false
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}

// hostUser is the start of every proxy-host endpoint: the token (its
// errors first, as NPM's jwtdecode runs before the route).
func (s *Server) hostUser(r *http.Request, op string) (*user, error) {
	t, err := s.bearer(r)
	if err != nil {
		return nil, err
	}
	u, err := s.caller(t)
	if err != nil {
		return nil, err
	}
	if !u.can(op) {
		return nil, errDenied
	}
	return u, nil
}

// listHosts is GET /api/nginx/proxy-hosts (internal/proxy-host.js getAll):
// hosts not deleted, the caller's own unless its visibility is "all",
// filtered by ?query (a substring of the domain names), ordered by domain
// names.
func (s *Server) listHosts(r *http.Request) (int, any, error) {
	if _, err := s.bearer(r); err != nil {
		return 0, nil, err
	}
	e, err := parseExpand(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	search := q.Get("query")
	if q.Has("query") && (search == "" || len(search) > 255) {
		return 0, nil, errInternal(http.StatusBadRequest) // the route's own validator
	}
	u, err := s.hostUser(r, "view")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type row struct {
		key string
		h   *Host
	}
	var rows []row
	for _, h := range s.hosts {
		if s.visibleLocked(u, h.ID) == nil {
			continue
		}
		key, _ := json.Marshal(h.DomainNames)
		if search != "" && !strings.Contains(strings.ToLower(string(key)), strings.ToLower(search)) {
			continue
		}
		rows = append(rows, row{string(key), h})
	}
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.key, b.key) })
	out := []hostJSON{}
	for _, rw := range rows {
		out = append(out, s.jsonLocked(rw.h, e))
	}
	return http.StatusOK, out, nil
}

// getHost is GET /api/nginx/proxy-hosts/{hostID}. The route validates the
// id itself (an integer >= 1, else InternalValidationError: 400
// "Internal Error"); a host the caller may not see is "Not Found - <id>".
func (s *Server) getHost(r *http.Request) (int, any, error) {
	if _, err := s.bearer(r); err != nil {
		return 0, nil, err
	}
	id, ok := coerce("integer", r.PathValue("hostID"))
	if !ok || id.(int64) < 1 {
		return 0, nil, errInternal(http.StatusBadRequest)
	}
	e, err := parseExpand(r)
	if err != nil {
		return 0, nil, err
	}
	u, err := s.hostUser(r, "view")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.visibleLocked(u, int(id.(int64)))
	if h == nil {
		return 0, nil, errNotFound(int(id.(int64)), true)
	}
	return http.StatusOK, s.jsonLocked(h, e), nil
}

// createHost is POST /api/nginx/proxy-hosts (internal/proxy-host.js
// create): the body is checked against the schema, then the permission,
// then every domain against every live host of any user. NPM answers 201
// with the host as read back before nginx is configured, so the answer's
// meta is the one sent; the nginx outcome (nginx_online, nginx_err) is
// stored and seen by the next GET.
func (s *Server) createHost(r *http.Request) (int, any, error) {
	body, err := s.hostRequest(r, createHostSchema)
	if err != nil {
		return 0, nil, err
	}
	u, err := s.hostUser(r, "manage")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if taken := s.takenLocked(requestDomains(body), 0); taken != "" {
		return 0, nil, errValidation(taken + " is already in use")
	}
	now := s.now()
	h := &Host{ID: len(s.hosts) + 1, CreatedOn: now, ModifiedOn: now, OwnerUserID: u.id,
		ForwardScheme: "http", Enabled: true, Meta: map[string]any{}}
	if err := apply(h, body); err != nil {
		return 0, nil, err
	}
	cleanSSL(h)
	s.hosts = append(s.hosts, h)
	answer := s.jsonLocked(h, expandAll)
	s.configureLocked(h)
	return http.StatusCreated, answer, nil
}

// updateHost is PUT /api/nginx/proxy-hosts/{hostID} (internal/proxy-host.js
// update): the fields sent replace the stored ones. The domain check comes
// before the host is looked up, as in NPM. An enabled host is configured
// again and the answer carries the new meta, nginx_online false and
// nginx_err when `nginx -t` failed; a disabled one is not.
func (s *Server) updateHost(r *http.Request) (int, any, error) {
	body, err := s.hostRequest(r, updateHostSchema)
	if err != nil {
		return 0, nil, err
	}
	id, idOK := jsParseInt(r.PathValue("hostID"))
	u, err := s.hostUser(r, "manage")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if taken := s.takenLocked(requestDomains(body), id); taken != "" {
		return 0, nil, errValidation(taken + " is already in use")
	}
	h := s.visibleLocked(u, id)
	if !idOK || h == nil {
		return 0, nil, errNotFound(id, idOK)
	}
	next := h.clone()
	if err := apply(&next, body); err != nil {
		return 0, nil, err
	}
	cleanSSL(&next)
	next.ModifiedOn = s.now()
	*h = next
	if h.Enabled {
		s.configureLocked(h)
	}
	return http.StatusOK, s.jsonLocked(h, expandAll), nil
}

// deleteHost is DELETE /api/nginx/proxy-hosts/{hostID}: a soft delete
// (is_deleted = 1) answered with `true`; the host vanishes from every GET
// and its domains are free again.
func (s *Server) deleteHost(r *http.Request) (int, any, error) {
	if _, err := s.bearer(r); err != nil {
		return 0, nil, err
	}
	id, idOK := jsParseInt(r.PathValue("hostID"))
	u, err := s.hostUser(r, "manage")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.visibleLocked(u, id)
	if !idOK || h == nil {
		return 0, nil, errNotFound(id, idOK)
	}
	h.IsDeleted = true
	h.ModifiedOn = s.now()
	return http.StatusOK, true, nil
}

// hostRequest reads the body of a create or update in NPM's order: the
// token first (jwtdecode runs before the route), then the schema; the
// permission is checked after both.
func (s *Server) hostRequest(r *http.Request, sc *schema) (map[string]any, error) {
	if _, err := s.bearer(r); err != nil {
		return nil, err
	}
	return readBody(r, sc)
}

// requestDomains is the domain_names of a validated body, nil if absent.
func requestDomains(body map[string]any) []string {
	list, _ := body["domain_names"].([]any)
	var out []string
	for _, d := range list {
		out = append(out, d.(string))
	}
	return out
}
