package api

import (
	"net/netip"
	"time"
)

// What the tests of package api_test (which build the server through
// app.New) need to see of the package.

type (
	ErrorBody       = errorBody
	AppView         = appView
	InstanceView    = instanceView
	CreatedToken    = createdToken
	UserResponse    = userResponse
	DNSTestResponse = dnsTestResponse
)

const (
	SessionCookie   = sessionCookie
	MaxBody         = maxBody
	MaxUsername     = maxUsername
	MaxPassword     = maxPassword
	MaxSecret       = maxSecret
	MaxUserAttempts = maxUserAttempts
)

// RouteInfo is a route of the table, as the tests walk it.
type RouteInfo struct {
	Pattern string
	Public  bool
}

// Routes lists the route table and the 405 routes made from it.
func (s *Server) Routes() []RouteInfo {
	routes := s.routes()
	var out []RouteInfo
	for _, rt := range append(routes, methodNotAllowedRoutes(routes)...) {
		out = append(out, RouteInfo{Pattern: rt.pattern, Public: rt.public})
	}
	return out
}

// RouteTable lists the route table alone.
func (s *Server) RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes() {
		out = append(out, RouteInfo{Pattern: rt.pattern, Public: rt.public})
	}
	return out
}

// SetTrustedProxies replaces the trusted proxies.
func (s *Server) SetTrustedProxies(p []netip.Prefix) { s.trusted = p }

// LimiterLen is the number of keys the login limiter tracks.
func (s *Server) LimiterLen() int { return s.limits.Len() }

// SetTagsTimeout bounds the registry calls of GET /api/apps/{id}/tags.
func (s *Server) SetTagsTimeout(d time.Duration) { s.tagsTimeout = d }

// MaxTags is the most tags GET /api/apps/{id}/tags answers.
const MaxTags = maxTags

// SortTags is the order of GET /api/apps/{id}/tags.
var SortTags = sortTags
