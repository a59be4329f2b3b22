// Package app wires Docker Watcher together: it parses the command line,
// opens the store, creates the first user, serves the API and UI, and shuts
// everything down in order on SIGINT or SIGTERM.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/dns/providers"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
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

// Serve runs Docker Watcher until ctx ends, then shuts down gracefully:
// in-flight requests finish (up to 15 s), then the database closes.
func Serve(ctx context.Context, cfg config.Config, logOut io.Writer) error {
	log := newLogger(cfg, logOut)
	log.Info("starting docker-watcher", slog.String("version", version()), slog.Any("config", cfg))

	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("open database in %s: %w", cfg.DataDir, err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", slog.Any("err", err))
		}
	}()

	authn := auth.NewService(st, bcryptCost)
	generated, err := authn.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return err
	}
	if generated != "" {
		// Printed this once; it is stored only hashed.
		log.Warn("created the admin user with a random password; note it now, it is not shown again "+
			"(set DW_ADMIN_PASSWORD to choose one)", slog.String("username", auth.AdminUser), slog.String("password", generated))
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	dnsProviders := providers.Factory(providers.Options{CloudflareAPIURL: cfg.CloudflareAPIURL})
	rec := reconcile.New(st, dnsProviders, log, reg)
	sched := reconcile.NewScheduler(rec, log, hookDebounce)
	handler := api.New(api.Deps{Store: st, Auth: authn, Log: log, Metrics: reg, UI: web.Handler(),
		DNS: dnsProviders, Reconciler: rec, Hooks: sched, TrustedProxies: cfg.TrustedProxies})
	bg, stopBackground := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { sched.Run(bg) })
	defer func() {
		stopBackground()
		wg.Wait() // a sync in progress ends before the database closes
	}()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10, // far more than a browser sends; the default is 1 MB
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving the UI and API", slog.String("url", "http://"+displayAddr(ln.Addr().String())))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still running at shutdown were cut", slog.Any("err", err))
	}
	return nil
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
