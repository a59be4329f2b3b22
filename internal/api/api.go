package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// Deps is what the API needs from the rest of Docker Watcher.
type Deps struct {
	Store   *store.Store
	Auth    *auth.Service
	Log     *slog.Logger
	Metrics *prometheus.Registry // the API registers its collectors here
	UI      http.Handler         // the web app, served for every other path
	DNS     ProviderFactory      // builds the DNS provider of the settings

	Reconciler *reconcile.Reconciler // DNS syncs
	Events     Publisher             // told what a handler saved
	Routing    Routing
	Deployer   Deployer     // nil: deploys answer 502
	Hooks      Hooks        // the registry watcher, for the push webhook
	Certs      Certificates // nil: no certificates
	// ACMEForbidden: the server may ask no CA at all (DW_ACME=off),
	// whatever the settings say.
	ACMEForbidden bool
	// Registry reads the tags of an app's repository for the deploy form:
	// a registry.Client (Docker's config when an app has no credentials)
	// when nil.
	Registry registry.Source

	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (config DW_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// ProxySecret is what the built-in proxy sends in ProxyHeader on the
	// UI's route; "" when it does not route the UI.
	ProxySecret string
}

// Server serves the HTTP API and the web UI.
type Server struct {
	store   *store.Store
	auth    *auth.Service
	log     *slog.Logger
	limits  *auth.Limiter // failed logins, per user name and client address
	trusted []netip.Prefix
	// proxySecret proves a request came through the built-in proxy.
	proxySecret string
	handler     http.Handler
	metrics     http.Handler

	dnsProviders ProviderFactory
	reconciler   *reconcile.Reconciler
	events       Publisher
	routing      Routing
	deployer     Deployer
	hooks        Hooks
	certs        Certificates
	// acmeForbidden: DW_ACME=off (Deps.ACMEForbidden).
	acmeForbidden bool
	registry      registry.Source
	tagsTimeout   time.Duration // bounds GET /api/apps/{id}/tags
	streams       chan struct{} // closed by EndStreams
	endStreams    sync.Once
	settingsMu    sync.Mutex // one settings change at a time
}

// route is one entry of the route table.
type route struct {
	pattern string // http.ServeMux pattern: "METHOD /path/{param}"
	public  bool   // reachable without authentication
	handle  func(http.ResponseWriter, *http.Request) error
}

func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /healthz", public: true, handle: s.health},
		{pattern: "GET /metrics", handle: s.serveMetrics},
		{pattern: "GET /api/openapi.json", public: true, handle: s.openAPI},
		{pattern: "POST /api/auth/login", public: true, handle: s.login},
		{pattern: "POST /api/auth/logout", handle: s.logout},
		{pattern: "GET /api/auth/me", handle: s.me},
		{pattern: "PUT /api/auth/password", handle: s.changePassword},
		{pattern: "DELETE /api/auth/sessions", handle: s.endSessions},

		{pattern: "GET /api/tokens", handle: s.listTokens},
		{pattern: "POST /api/tokens", handle: s.createToken},
		{pattern: "DELETE /api/tokens/{id}", handle: s.deleteToken},

		{pattern: "GET /api/settings", handle: s.getSettings},
		{pattern: "PUT /api/settings", handle: s.putSettings},

		{pattern: "POST /api/dns/test", handle: s.dnsTest},
		{pattern: "GET /api/dns/zones", handle: s.dnsZones},
		{pattern: "POST /api/dns/sync", handle: s.dnsSync},
		{pattern: "GET /api/dns/plan", handle: s.dnsPlan},
		{pattern: "GET /api/dns/records", handle: s.dnsRecords},
		{pattern: "DELETE /api/dns/records/{fqdn}", handle: s.dnsDeleteRecord},

		{pattern: "GET /api/proxies", handle: s.listProxies},
		{pattern: "POST /api/proxies", handle: s.createProxy},
		{pattern: "GET /api/proxies/{id}", handle: s.getProxy},
		{pattern: "PUT /api/proxies/{id}", handle: s.updateProxy},
		{pattern: "DELETE /api/proxies/{id}", handle: s.deleteProxy},
		{pattern: "POST /api/proxies/{id}/check", handle: s.checkProxy},
		{pattern: "POST /api/proxy/test", handle: s.proxyTest},

		{pattern: "GET /api/apps", handle: s.listApps},
		{pattern: "POST /api/apps", handle: s.createApp},
		{pattern: "GET /api/apps/{id}", handle: s.getApp},
		{pattern: "PUT /api/apps/{id}", handle: s.updateApp},
		{pattern: "DELETE /api/apps/{id}", handle: s.deleteApp},

		{pattern: "POST /api/apps/{id}/deploy", handle: s.deployApp},
		{pattern: "GET /api/apps/{id}/tags", handle: s.appTags},

		{pattern: "GET /api/events", handle: s.eventStream},
		{pattern: "GET /api/summary", handle: s.getSummary},

		{pattern: "GET /api/certificates", handle: s.listCertificates},
		{pattern: "POST /api/certificates/renew", handle: s.renewCertificates},

		{pattern: "GET /api/instances", handle: s.listInstances},
		{pattern: "GET /api/instances/{id}", handle: s.getInstance},
		{pattern: "DELETE /api/instances/{id}", handle: s.deleteInstance},
		{pattern: "GET /api/instances/{id}/logs", handle: s.instanceLogs},
		{pattern: "POST /api/instances/{id}/start", handle: s.instanceAction("start")},
		{pattern: "POST /api/instances/{id}/stop", handle: s.instanceAction("stop")},
		{pattern: "POST /api/instances/{id}/restart", handle: s.instanceAction("restart")},
		{pattern: "POST /api/instances/{id}/redeploy", handle: s.instanceAction("redeploy")},
		{pattern: "POST /api/instances/{id}/rollback", handle: s.instanceAction("rollback")},

		// Its own authentication: the webhook secret.
		{pattern: "POST /api/hooks/registry", public: true, handle: s.registryHook},

		// Unknown API paths get a JSON 404 (after authentication), never
		// the web app.
		{pattern: "/api/", handle: func(http.ResponseWriter, *http.Request) error {
			return errorf(http.StatusNotFound, "", "no such API route")
		}},
	}
}

// New builds the server and its route table.
func New(d Deps) *Server {
	s := &Server{
		store:       d.Store,
		auth:        d.Auth,
		log:         d.Log,
		limits:      auth.NewLimiter(),
		trusted:     d.TrustedProxies,
		proxySecret: d.ProxySecret,

		dnsProviders:  d.DNS,
		reconciler:    d.Reconciler,
		events:        d.Events,
		routing:       d.Routing,
		deployer:      d.Deployer,
		hooks:         d.Hooks,
		certs:         d.Certs,
		acmeForbidden: d.ACMEForbidden,
		registry:      d.Registry,
		tagsTimeout:   tagsTimeout,
		streams:       make(chan struct{}),
	}
	if s.registry == nil {
		s.registry = &registry.Client{}
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dw_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "dw_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	d.Metrics.MustRegister(requests, durations)

	s.metrics = promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})

	mux := http.NewServeMux()
	instrument := func(pattern string, h http.Handler) http.Handler {
		l := prometheus.Labels{"route": pattern}
		return promhttp.InstrumentHandlerDuration(durations.MustCurryWith(l),
			promhttp.InstrumentHandlerCounter(requests.MustCurryWith(l), h))
	}
	routes := s.routes()
	for _, rt := range routes {
		mux.Handle(rt.pattern, instrument(rt.pattern, s.wrap(rt)))
	}
	// A known path with another method: the method-less pattern of the
	// same path loses to every METHOD pattern, so it sees only the rest.
	for _, rt := range methodNotAllowedRoutes(routes) {
		mux.Handle(rt.pattern, instrument(rt.pattern, s.wrap(rt)))
	}
	mux.Handle("/", instrument("/", d.UI))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errorBody{Error: "cross-origin request refused"})
	}))
	s.handler = securityHeaders(cop.Handler(mux))
	return s
}

// securityHeaders sets the headers every answer carries, UI and API. The
// policy here forbids everything, which suits JSON; the UI's page replaces
// it with the one it needs (web.ContentSecurityPolicy), no framing either.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type callerKey struct{}

// wrap authenticates non-public routes and writes the handler's error.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.public {
			c, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if !c.mayWrite() && r.Method != http.MethodGet && r.Method != http.MethodHead {
				s.writeError(w, r, errorf(http.StatusForbidden, "", "this API token is read-only: it may only GET"))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
		}
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// methodNotAllowedRoutes gives each path of the route table a route that
// answers 405 with an Allow header naming that path's methods (HEAD
// included where GET is, as http.ServeMux serves it). A catch-all such as
// "/api/" would otherwise swallow ServeMux's own 405 as a 404. The 405 is
// public only when every route of the path is.
func methodNotAllowedRoutes(routes []route) []route {
	methods := map[string][]string{}
	public := map[string]bool{}
	var paths []string
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			continue // already matches every method
		}
		if _, seen := methods[path]; !seen {
			paths = append(paths, path)
			public[path] = true
		}
		methods[path] = append(methods[path], method)
		if method == http.MethodGet {
			methods[path] = append(methods[path], http.MethodHead)
		}
		public[path] = public[path] && rt.public
	}
	out := make([]route, 0, len(paths))
	for _, path := range paths {
		ms := methods[path]
		slices.Sort(ms)
		allow := strings.Join(slices.Compact(ms), ", ")
		out = append(out, route{pattern: path, public: public[path], handle: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return errorf(http.StatusMethodNotAllowed, "", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow)
		}})
	}
	return out
}

// callerOf is the authenticated caller; wrap guarantees it on private
// routes.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// user is the authenticated caller's user.
func user(r *http.Request) model.User { return callerOf(r).user }

// pathID parses the {id} of a route.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errorf(http.StatusBadRequest, "id", "id must be a positive whole number")
	}
	return id, nil
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "database": err.Error()})
	}
	// Without the engine Docker Watcher still serves (proxies, DNS): it
	// is healthy, and says the engine is unreachable.
	engine := "unreachable"
	if s.deployer != nil && s.deployer.EngineUp() {
		engine = "ok"
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok", "docker": engine})
}
