package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// Tracker is a router that creates entries elsewhere (Nginx Proxy
// Manager's proxy hosts) and knows which: route host to the entry's id.
// The syncer stores them, so that only those are ever changed or deleted,
// also after a restart.
type Tracker interface {
	Owned() map[string]int
}

// Key names a consumer.
type Key struct {
	Kind string // model.KindInstance or model.KindProxy
	ID   int64
}

// Route states a consumer shows beyond the route's own State.
const (
	NoRoute  = "none"     // no name to route (no domain set)
	Pending  = "pending"  // not applied yet: the router is being reached
	Conflict = "conflict" // the router holds the name for an entry not ours
	Failed   = "error"    // the router refused or could not be reached
)

// Status is how a consumer's route stands after the last sync, for the API.
type Status struct {
	Router string `json:"router"` // model.RouterBuiltin or model.RouterNPM
	State  string `json:"state"`  // a State, NoRoute, Pending, Conflict or Failed
	URL    string `json:"url,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Syncer keeps the chosen router's table in step with the store: the
// table is rebuilt from the store at start and on every event of the bus
// that concerns consumers or settings, at once (a route must exist before
// DNS points at it: the app subscribes the syncer before the DNS
// scheduler). The built-in proxy always serves; it gets the table when it
// is the chosen router and an empty one otherwise.
type Syncer struct {
	Store   *store.Store
	Builtin Router
	// Configure hands the settings to the built-in proxy (trusted
	// proxies, access log); may be nil.
	Configure func(model.ProxyConfig)
	// Open makes the router for an NPM configuration, seeded with the
	// proxy hosts created earlier at its URL.
	Open func(c model.NPMConfig, owned map[string]int) (Router, error)
	// URL is the address a route's host is reached at through router.
	URL func(router, host string) string
	// UI is where the UI and API listen (http://host:port of --listen):
	// the built-in proxy routes settings.ui_domain there, each request
	// carrying UIHeader, so that the API knows it came through this proxy.
	UI       *url.URL
	UIHeader map[string]string
	// RoutesChanged is called after a sync changed a consumer's route id
	// (DNS wants a record only for an instance with a route); may be nil.
	RoutesChanged func()
	// Resync (default 5 min) and Retry (after a failure, default 30 s)
	// time Run's syncs of a router reached over the network.
	Resync, Retry time.Duration
	Log           *slog.Logger

	initOnce sync.Once
	kick     chan struct{} // a sync for Run to do
	remote   atomic.Bool   // the last sync chose a router reached over the network
	mu       sync.Mutex    // one rebuild at a time, in order
	npm      Router        // the NPM router of npmCfg; nil while the built-in one is chosen
	npmCfg   model.NPMConfig
	status   atomic.Pointer[map[Key]Status]
	router   atomic.Value // string: the router of the last sync
}

// Status reports the route of a consumer as the last sync left it.
func (s *Syncer) Status(k Key) Status {
	if m := s.status.Load(); m != nil {
		if st, ok := (*m)[k]; ok {
			return st
		}
	}
	router, _ := s.router.Load().(string)
	if router == "" {
		router = model.RouterBuiltin
	}
	return Status{Router: router, State: Pending}
}

// Sync rebuilds the table from the store and applies it. It returns the
// router's problems; what could be served is served.
func (s *Syncer) Sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.Store.Settings(ctx)
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	instances, err := s.Store.Instances(ctx)
	if err != nil {
		return fmt.Errorf("read instances: %w", err)
	}
	proxies, err := s.Store.Proxies(ctx)
	if err != nil {
		return fmt.Errorf("read proxies: %w", err)
	}
	cfg := st.Proxy()
	if s.Configure != nil {
		s.Configure(cfg)
	}
	routes := Table(instances, proxies, st)

	var applyErr error
	if cfg.Router == model.RouterNPM {
		if err := s.Builtin.Apply(ctx, nil); err != nil {
			return err
		}
		applyErr = s.applyNPM(ctx, cfg.NPM, routes)
	} else {
		s.leaveNPM(ctx)
		table := routes
		if st.UIDomain != "" && s.UI != nil {
			table = append(slices.Clone(routes), Route{Host: st.UIDomain, Target: s.UI, Kind: model.KindUI, State: Active, Header: s.UIHeader})
		}
		applyErr = s.Builtin.Apply(ctx, table)
	}
	s.remote.Store(cfg.Router == model.RouterNPM)
	s.router.Store(cfg.Router)
	ids, status := s.outcome(cfg.Router, routes, applyErr, instances, proxies)
	s.status.Store(&status)
	changed, err := s.Store.SetRouteIDs(ctx, ids)
	if err != nil {
		return errors.Join(applyErr, err)
	}
	if changed && s.RoutesChanged != nil {
		s.RoutesChanged()
	}
	return applyErr
}

// applyNPM applies routes to the NPM of c, first removing our hosts from
// an NPM chosen before at another address.
func (s *Syncer) applyNPM(ctx context.Context, c model.NPMConfig, routes []Route) error {
	if s.npm != nil && s.npmCfg.URL != c.URL {
		s.leaveNPM(ctx)
	}
	if s.npm == nil || s.npmCfg != c {
		owned, err := s.Store.NPMHosts(ctx, c.URL)
		if err != nil {
			return fmt.Errorf("read the NPM proxy hosts we created: %w", err)
		}
		r, err := s.Open(c, owned)
		if err != nil {
			return err
		}
		s.npm, s.npmCfg = r, c
	}
	err := s.npm.Apply(ctx, routes)
	return errors.Join(err, s.track(ctx))
}

// leaveNPM removes the hosts we created from the NPM chosen until now,
// once; a failure is logged, and those hosts stay tracked (and untouched)
// until that NPM is chosen again.
func (s *Syncer) leaveNPM(ctx context.Context) {
	if s.npm == nil {
		return
	}
	if err := s.npm.Apply(ctx, nil); err != nil {
		s.Log.Error("remove our proxy hosts from the Nginx Proxy Manager no longer used", slog.String("npm_url", s.npmCfg.URL), slog.Any("err", err))
	}
	if err := s.track(ctx); err != nil {
		s.Log.Error("track NPM proxy hosts", slog.Any("err", err))
	}
	s.npm = nil
}

// track stores the NPM hosts the router holds.
func (s *Syncer) track(ctx context.Context) error {
	t, ok := s.npm.(Tracker)
	if !ok {
		return nil
	}
	if err := s.Store.SetNPMHosts(ctx, s.npmCfg.URL, t.Owned()); err != nil {
		return fmt.Errorf("store the NPM proxy hosts we created: %w", err)
	}
	return nil
}

// outcome derives each consumer's route id and status from an Apply. The
// built-in proxy's route id is the consumer's own id (it routes by the
// consumer); NPM's is its proxy host's id. A route that is not active
// keeps the id it had, so that a restarting instance keeps its name in
// DNS for the grace period.
func (s *Syncer) outcome(router string, routes []Route, applyErr error, instances []model.Instance, proxies []model.Proxy) ([]store.RouteID, map[Key]Status) {
	byHost, rest := HostErrors(applyErr)
	var owned map[string]int
	if t, ok := s.npm.(Tracker); ok && router == model.RouterNPM {
		owned = t.Owned()
	}
	stored := map[Key]int64{}
	for _, in := range instances {
		stored[Key{model.KindInstance, in.ID}] = in.ProxyRouteID
	}
	for _, p := range proxies {
		stored[Key{model.KindProxy, p.ID}] = p.ProxyRouteID
	}
	status := make(map[Key]Status, len(stored))
	ids := make([]store.RouteID, 0, len(stored))
	routed := map[Key]bool{}
	for _, r := range routes {
		k := Key{r.Kind, r.ID}
		routed[k] = true
		st := Status{Router: router, State: string(r.State), URL: s.url(router, r.Host)}
		id := r.ID
		if router == model.RouterNPM {
			id = int64(owned[r.Host])
			if r.State != Active && id == 0 {
				id = stored[k]
			}
		}
		var conflict *ConflictError
		switch err := byHost[r.Host]; {
		case errors.As(err, &conflict):
			st.State, st.Error = Conflict, err.Error()
		case err != nil:
			st.State, st.Error = Failed, err.Error()
		case len(rest) > 0:
			st.State, st.Error = Failed, errors.Join(rest...).Error()
		}
		status[k] = st
		ids = append(ids, store.RouteID{Kind: r.Kind, ID: r.ID, RouteID: id})
	}
	for k := range stored {
		if !routed[k] {
			status[k] = Status{Router: router, State: NoRoute}
			ids = append(ids, store.RouteID{Kind: k.Kind, ID: k.ID, RouteID: 0})
		}
	}
	return ids, status
}

func (s *Syncer) url(router, host string) string {
	if s.URL == nil {
		return "http://" + host + "/"
	}
	return s.URL(router, host)
}

// Start builds the table before the proxy serves: at once for the
// built-in proxy, in Run for a router reached over the network (so that
// an unreachable NPM never holds up the start).
func (s *Syncer) Start(ctx context.Context) error {
	st, err := s.Store.Settings(ctx)
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	if st.Proxy().Router != model.RouterBuiltin {
		s.signal()
		return nil
	}
	return s.Sync(ctx)
}

// Run does the syncs handed to it until ctx ends. While a router reached
// over the network is chosen it also syncs every Resync (repairing hosts
// edited or deleted there by hand), and Retry after a failed sync.
func (s *Syncer) Run(ctx context.Context) error {
	resync, retry := s.Resync, s.Retry
	if resync <= 0 {
		resync = 5 * time.Minute
	}
	if retry <= 0 {
		retry = 30 * time.Second
	}
	timer := time.NewTimer(resync)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.kicks():
		case <-timer.C:
			if !s.remote.Load() {
				timer.Reset(resync)
				continue
			}
		}
		sctx, cancel := context.WithTimeout(ctx, syncTimeout)
		err := s.Sync(sctx)
		cancel()
		next := resync
		if err != nil {
			s.Log.Error("apply the route table", slog.Any("err", err))
			next = retry
		}
		timer.Reset(next)
	}
}

// syncTimeout bounds one sync (NPM answers each call within its client's
// 30 s).
const syncTimeout = 2 * time.Minute

func (s *Syncer) kicks() chan struct{} {
	s.initOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	return s.kick
}

// signal asks Run for a sync; signals while one waits merge into it.
func (s *Syncer) signal() {
	select {
	case s.kicks() <- struct{}{}:
	default:
	}
}

// Handle takes an event of the bus. A change of consumers is applied to
// the built-in proxy at once, in the publisher's goroutine, so that the
// route exists before the DNS scheduler (subscribed after the syncer)
// acts. A change of settings, and anything for NPM, goes to Run: the
// publisher never waits on the network.
func (s *Syncer) Handle(e events.Event) {
	switch {
	case e.Kind == events.ConsumersChanged && !s.remote.Load():
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Sync(ctx); err != nil {
			s.Log.Error("apply the route table", slog.Any("err", err))
		}
	case e.Kind == events.ConsumersChanged || e.Kind == events.SettingsChanged:
		s.signal()
	}
}
