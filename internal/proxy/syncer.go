package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// Syncer keeps a router's table in step with the store: the table is
// rebuilt from the store at start and on every event of the bus that
// concerns consumers or settings, at once (a route must exist before DNS
// points at it: the app subscribes the syncer before the DNS scheduler).
type Syncer struct {
	Store  *store.Store
	Router Router
	Log    *slog.Logger

	mu sync.Mutex // one rebuild at a time, in order
}

// Sync rebuilds the table from the store and applies it.
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
	return s.Router.Apply(ctx, Table(instances, proxies, st))
}

// Handle takes an event of the bus. A failure is logged: the change is
// saved, and the next event or a restart rebuilds the table.
func (s *Syncer) Handle(e events.Event) {
	if e.Kind != events.ConsumersChanged && e.Kind != events.SettingsChanged {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		s.Log.Error("rebuild the route table", slog.Any("err", err))
	}
}
