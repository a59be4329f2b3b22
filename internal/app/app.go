// Package app wires Docker Watcher together: it parses the command line,
// opens the store, creates the first user, serves the API and UI, and shuts
// everything down in order on SIGINT or SIGTERM.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/dns/providers"
	"github.com/dockerwatcher/docker-watcher/internal/docker"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/builtin"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/npm"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
	"github.com/dockerwatcher/docker-watcher/internal/store"
	"github.com/dockerwatcher/docker-watcher/web"
)

// bcryptCost is the password hash cost; 0 is auth's default. Tests lower it:
// the default is slow by design, and slower still under the race detector.
var bcryptCost = 0

// hookDebounce is how long a hook waits for more hooks before a sync: a
// burst of changes becomes one sync, a single change still reaches the
// provider well within a second.
const hookDebounce = 300 * time.Millisecond

// shutdownGrace is how long in-flight requests may take to finish at
// shutdown; tests shorten it.
var shutdownGrace = 15 * time.Second

// Version is set at build time with -ldflags "-X .../internal/app.Version=...".
var Version = "dev"

const usage = `Docker Watcher deploys container images, routes a subdomain to each and keeps DNS in step.

Usage:
  docker-watcher serve [flags]   run the UI, API and background work
  docker-watcher version         print the version
  docker-watcher help            show this help

Run "docker-watcher serve --help" for the flags of serve.
`

// Main runs the command line and returns the process exit code.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, err := config.Parse("docker-watcher serve", args[1:], getenv, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "docker-watcher:", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Serve(ctx, cfg, stderr); err != nil {
			fmt.Fprintln(stderr, "docker-watcher:", err)
			return 1
		}
		return 0
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "docker-watcher", version())
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "docker-watcher: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

// App is Docker Watcher's object graph: the store, authentication, the
// DNS providers, reconciler and scheduler, the event bus and the API, built
// once by New for serve and for the tests.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	Store      *store.Store
	Auth       *auth.Service
	Bus        *events.Bus
	Reconciler *reconcile.Reconciler
	Scheduler  *reconcile.Scheduler
	Metrics    *prometheus.Registry
	Proxy      *builtin.Proxy // the built-in reverse proxy, on --proxy-listen
	Routes     *proxy.Syncer
	Deployer   *docker.Deployer  // instances as containers
	Watcher    *registry.Watcher // registries polled, push webhooks
	Certs      *certs.Manager    // the built-in proxy's certificates
	https      *https
	API        *api.Server
	Handler    http.Handler // the UI and the API
}

// Option changes how New builds the graph; tests use them.
type Option func(*options)

type options struct {
	bcryptCost  int
	debounce    time.Duration
	routeResync time.Duration
	wrap        func(http.Handler) http.Handler
}

// WithBcryptCost sets the password hash cost (tests lower it: the default
// is slow by design).
func WithBcryptCost(cost int) Option { return func(o *options) { o.bcryptCost = cost } }

// WithHookDebounce sets how long the DNS scheduler waits for more changes
// before a sync.
func WithHookDebounce(d time.Duration) Option { return func(o *options) { o.debounce = d } }

// WithRouteResync sets how often the routes are synced with a router
// reached over the network (NPM), and retried after a failure.
func WithRouteResync(d time.Duration) Option { return func(o *options) { o.routeResync = d } }

// WithHandlerWrap puts wrap around the handler of the UI and the API
// (tests check every request and answer against the API's document).
func WithHandlerWrap(wrap func(http.Handler) http.Handler) Option {
	return func(o *options) { o.wrap = wrap }
}

// New builds the graph: it opens the store (Close closes it), creates the
// admin user at first start, and wires the bus: the DNS scheduler hears
// every change that API handlers save.
func New(ctx context.Context, cfg config.Config, logOut io.Writer, opts ...Option) (*App, error) {
	o := options{bcryptCost: bcryptCost, debounce: hookDebounce}
	for _, opt := range opts {
		opt(&o)
	}
	a := &App{Config: cfg, Log: newLogger(cfg, logOut), Bus: &events.Bus{}, Metrics: prometheus.NewRegistry()}
	a.Log.Info("starting docker-watcher", slog.String("version", version()), slog.Any("config", cfg))
	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open database in %s: %w", cfg.DataDir, err)
	}
	a.Store = st
	a.Auth = auth.NewService(st, o.bcryptCost)
	generated, err := a.Auth.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		st.Close()
		return nil, err
	}
	if generated != "" {
		// Printed this once; it is stored only hashed.
		a.Log.Warn("created the admin user with a random password; note it now, it is not shown again "+
			"(set DW_ADMIN_PASSWORD to choose one)", slog.String("username", auth.AdminUser), slog.String("password", generated))
	}

	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	dnsProviders := providers.Factory(providers.Options{CloudflareAPIURL: cfg.CloudflareAPIURL})
	// The router first: a route must exist before DNS points at it.
	a.Proxy = builtin.New(builtin.Options{TrustedProxies: cfg.TrustedProxies, Log: a.Log, Metrics: a.Metrics})
	secret := rand.Text()
	ui := &url.URL{Scheme: "http", Host: loopback(cfg.Listen)}
	a.Routes = &proxy.Syncer{Store: st, Builtin: a.Proxy, Log: a.Log, Open: openNPM, URL: routeURL(cfg.ProxyListen),
		UI: ui, UIHeader: map[string]string{api.ProxyHeader: secret},
		Resync: o.routeResync, Retry: o.routeResync,
		Configure: func(c model.ProxyConfig) {
			// DW_TRUSTED_PROXIES (in front of everything) and the setting's.
			trusted := append(slices.Clone(cfg.TrustedProxies), c.TrustedProxies...)
			a.Proxy.Configure(builtin.Config{TrustedProxies: trusted, AccessLog: c.AccessLog})
		}}
	if err := a.Routes.Start(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("build the route table: %w", err)
	}
	a.Bus.Subscribe(a.Routes.Handle)
	a.Reconciler, a.Scheduler = reconcile.Wire(st, dnsProviders, a.Log, a.Metrics, o.debounce, a.Bus)
	a.Routes.RoutesChanged = func() { a.Scheduler.Handle(events.Event{Kind: events.ConsumersChanged, Subject: "route"}) }
	if err := a.newDeployer(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := a.newHTTPS(dnsProviders); err != nil {
		st.Close()
		return nil, err
	}
	a.API = api.New(api.Deps{Deployer: a.Deployer, Hooks: a.Watcher, Certs: a.Certs, ACMEForbidden: !cfg.ACME, Store: st, Auth: a.Auth, Log: a.Log, Metrics: a.Metrics, UI: web.Handler(),
		DNS: dnsProviders, Reconciler: a.Reconciler, Events: a.Bus, TrustedProxies: cfg.TrustedProxies, ProxySecret: secret,
		Routing: api.Routing{Status: a.Routes.Status, ProxyAddr: loopback(cfg.ProxyListen), TestNPM: testNPM,
			SecureURL: secureURL(cfg.ProxyTLSListen)}})
	a.Handler = a.API
	if o.wrap != nil {
		a.Handler = o.wrap(a.Handler)
	}
	return a, nil
}

// newDeployer builds the deployer on the engine of DOCKER_HOST (the
// local socket by default; the API version negotiated), and the registry
// watcher that drives it. An engine that does not answer is no error: it
// is followed until it does.
func (a *App) newDeployer(ctx context.Context) error {
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("docker client: %w", err)
	}
	st, err := a.Store.Settings(ctx)
	if err != nil {
		return err
	}
	a.Deployer = docker.New(docker.Options{Client: cli, Store: a.Store, Events: a.Bus, Log: a.Log,
		Installation: st.InstallationID, Drain: a.drain})
	a.Watcher = registry.NewWatcher(registry.Options{Source: &registry.Client{}, Apps: watchedApps{a.Store},
		Deployer: watchDeployer{a.Deployer}, Reporter: appReporter{a.Store, a.Bus}, Logger: a.Log})
	a.Bus.Subscribe(func(e events.Event) {
		if e.Kind == events.AppsChanged && e.Subject != checkSubject {
			go a.Watcher.Reload(context.Background())
		}
	})
	return nil
}

// npmSettle is how long a container replaced under Nginx Proxy Manager
// keeps running after the route switch.
const npmSettle = 5 * time.Second

// drain waits for the requests in flight to a replaced container. The
// built-in proxy counts them. Nginx Proxy Manager's nginx cannot be asked:
// its API answers once nginx is told to reload, and the new workers take
// over within moments while the old ones finish what they accepted, so the
// old container gets npmSettle (within the drain timeout, ctx) and then
// its graceful stop.
func (a *App) drain(ctx context.Context, target string) error {
	if st, err := a.Store.Settings(ctx); err == nil && st.Proxy().Router == model.RouterNPM {
		t := time.NewTimer(npmSettle)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return nil
	}
	return a.Proxy.Drain(ctx, target)
}

// openNPM makes the router of an Nginx Proxy Manager.
func openNPM(c model.NPMConfig, owned map[string]int) (proxy.Router, error) {
	return npm.New(npm.Options{URL: c.URL, Email: c.Email, Password: c.Password, ForwardHost: c.ForwardHost, Owned: owned})
}

// testNPM logs in to an NPM and lists its proxy hosts.
func testNPM(ctx context.Context, c model.NPMConfig) (int, error) {
	r, err := npm.New(npm.Options{URL: c.URL, Email: c.Email, Password: c.Password})
	if err != nil {
		return 0, err
	}
	return r.Test(ctx)
}

// loopback is an address of this host where a listener on addr answers.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// routeURL is where a route's host is reached: the port of --proxy-listen
// for the built-in proxy (none when it is 80), NPM's port 80 for NPM.
func routeURL(proxyListen string) func(router, host string) string {
	_, port, _ := net.SplitHostPort(proxyListen)
	return func(router, host string) string {
		if router != model.RouterBuiltin || port == "80" || port == "" {
			return "http://" + host + "/"
		}
		return "http://" + net.JoinHostPort(host, port) + "/"
	}
}

// secureURL is where a host is reached over HTTPS through the built-in
// proxy: the port of --proxy-tls-listen (none when it is 443).
func secureURL(tlsListen string) func(host string) string {
	_, port, _ := net.SplitHostPort(tlsListen)
	return func(host string) string {
		if port == "443" || port == "" {
			return "https://" + host + "/"
		}
		return "https://" + net.JoinHostPort(host, port) + "/"
	}
}

// Close closes the store.
func (a *App) Close() error { return a.Store.Close() }

// Serve runs Docker Watcher until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, cfg config.Config, logOut io.Writer, opts ...Option) error {
	a, err := New(ctx, cfg, logOut, opts...)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			a.Log.Error("close database", slog.Any("err", err))
		}
	}()
	return a.Run(ctx)
}

// Run serves the UI and API on the configured address and runs the
// background work, each long-running part under one errgroup, until ctx
// ends or a part fails. At shutdown, in-flight requests finish (up to
// 15 s); then the requests' base context ends what is still running (a
// sync with retries), and Run returns once every part has stopped, so the
// database can close.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
	}
	proxyLn, err := net.Listen("tcp", a.Config.ProxyListen)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on %s (--proxy-listen): %w", a.Config.ProxyListen, err)
	}
	tlsLn, err := net.Listen("tcp", a.Config.ProxyTLSListen)
	if err != nil {
		ln.Close()
		proxyLn.Close()
		return fmt.Errorf("listen on %s (--proxy-tls-listen): %w", a.Config.ProxyTLSListen, err)
	}
	g, gctx := errgroup.WithContext(ctx)
	requests, endRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer endRequests()
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10, // far more than a browser sends; the default is 1 MB
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return requests },
	}
	srv.RegisterOnShutdown(a.API.EndStreams)
	g.Go(func() error { return a.Scheduler.Run(gctx) })
	g.Go(func() error { return a.Routes.Run(gctx) })
	g.Go(func() error { return a.Deployer.Watch(gctx) })
	g.Go(func() error { return a.Watcher.Run(gctx) })
	g.Go(func() error { return a.https.run(gctx, proxyLn.Addr().String(), tlsLn.Addr().String()) })
	g.Go(func() error {
		if err := a.Proxy.ServeTLS(tlsLn, a.Certs.GetCertificate); err != nil {
			return fmt.Errorf("serve the proxy's HTTPS: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := a.Proxy.Serve(proxyLn); err != nil {
			return fmt.Errorf("serve the proxy: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		a.Log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := a.Proxy.Shutdown(shutdownCtx); err != nil {
				a.Log.Warn("proxied requests still running at shutdown were cut", slog.Any("err", err))
			}
		})
		if err := srv.Shutdown(shutdownCtx); err != nil {
			a.Log.Warn("requests still running at shutdown were cut", slog.Any("err", err))
		}
		wg.Wait()
		a.Deployer.Close() // deploys in progress end; a restart marks them failed
		endRequests()
		return nil
	})
	a.Log.Info("serving the UI and API", slog.String("url", "http://"+displayAddr(ln.Addr().String())),
		slog.String("proxy", displayAddr(proxyLn.Addr().String())), slog.String("proxy_tls", displayAddr(tlsLn.Addr().String())))
	return g.Wait()
}

func newLogger(cfg config.Config, out io.Writer) *slog.Logger {
	level, _ := cfg.SlogLevel() // validated
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// displayAddr makes a listen address clickable: 0.0.0.0 and :: become
// 127.0.0.1.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
