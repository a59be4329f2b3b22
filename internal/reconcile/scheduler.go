package reconcile

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// Scheduler decides when syncs run: at start, periodically, shortly after
// hooks (a burst of hooks is one run), when a stopped instance's grace
// period ends, and on demand. Runs never overlap: triggers during a run
// give one more run, not many.
type Scheduler struct {
	r          *Reconciler
	log        *slog.Logger
	debounce   time.Duration
	notify     chan struct{}
	reschedule chan struct{}
	settings   chan struct{}
}

// Wire builds the DNS part of Docker Watcher's object graph: the
// reconciler, and its scheduler subscribed to the bus. app.New builds the
// graph with it, and so do this package's tests (which cannot import app).
func Wire(st *store.Store, providers ProviderFactory, log *slog.Logger, reg prometheus.Registerer, debounce time.Duration, bus *events.Bus) (*Reconciler, *Scheduler) {
	r := New(st, providers, log, reg)
	r.events = bus
	s := NewScheduler(r, log, debounce)
	bus.Subscribe(s.Handle)
	return r, s
}

// NewScheduler returns a scheduler whose hooks wait debounce for more
// hooks before running.
func NewScheduler(r *Reconciler, log *slog.Logger, debounce time.Duration) *Scheduler {
	return &Scheduler{r: r, log: log, debounce: debounce,
		notify: make(chan struct{}, 1), reschedule: make(chan struct{}, 1), settings: make(chan struct{}, 1)}
}

// Handle takes an event of the bus: a change of consumers asks for a sync
// soon; saved settings are compared, in the scheduler's loop, with the ones
// it saw last: a change that concerns DNS records asks for a sync (which
// first cleans up after an earlier zone), a change of the interval alone
// re-times the next run. It never blocks.
func (s *Scheduler) Handle(e events.Event) {
	switch e.Kind {
	case events.ConsumersChanged:
		s.Notify()
	case events.SettingsChanged:
		signal(s.settings)
	}
}

// Notify asks for a sync soon. It never blocks and never fails: hooks call
// it after their own work is done, whatever DNS does.
func (s *Scheduler) Notify() { signal(s.notify) }

// Reschedule says the sync interval changed: the next periodic run is
// counted from the last run with the new interval, without a sync now.
func (s *Scheduler) Reschedule() { signal(s.reschedule) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // one is pending already: it covers this one
	}
}

// Run runs syncs until ctx ends; it returns nil then.
func (s *Scheduler) Run(ctx context.Context) error {
	timer := time.NewTimer(0) // the start-up run
	defer timer.Stop()
	var last time.Time // when the last run ended
	seen, _ := s.r.store.Settings(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.settings:
			st, err := s.r.store.Settings(ctx)
			if err != nil {
				continue
			}
			old := seen
			seen = st
			switch {
			case SettingsChanged(old, st):
				s.Notify()
			case old.DNSSyncIntervalSeconds != st.DNSSyncIntervalSeconds:
				s.Reschedule()
			}
			continue
		case <-s.reschedule:
			if !last.IsZero() {
				resetTimer(timer, s.due(ctx, last))
			}
			continue
		case <-s.notify:
			// Let a burst of hooks arrive, then plan them together: the
			// hooks of the burst are all covered by this run.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(s.debounce):
			}
			select {
			case <-s.notify:
			default:
			}
		case <-timer.C:
		}
		s.runOnce(ctx)
		last = time.Now()
		resetTimer(timer, s.due(ctx, last))
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(max(d, 0))
}

// interval is the periodic sync interval of the settings.
func (s *Scheduler) interval(ctx context.Context) time.Duration {
	if st, err := s.r.store.Settings(ctx); err == nil && st.DNSSyncIntervalSeconds > 0 {
		return time.Duration(st.DNSSyncIntervalSeconds) * time.Second
	}
	return 10 * time.Minute
}

// runOnce syncs and logs what it did.
func (s *Scheduler) runOnce(ctx context.Context) {
	rep, err := s.r.Sync(ctx, false)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		s.log.Warn("DNS sync failed; it is tried again at the next run", slog.Any("err", err))
	case rep.Created+rep.Updated+rep.Deleted+rep.Errors+rep.Conflicts > 0:
		s.log.Info("DNS sync", slog.Int("created", rep.Created), slog.Int("updated", rep.Updated),
			slog.Int("deleted", rep.Deleted), slog.Int("conflicts", rep.Conflicts), slog.Int("errors", rep.Errors),
			slog.Int64("api_calls", rep.APICalls))
	}
}

// due is how long until the next periodic run after one that ended at
// last: the interval, or sooner when a grace period ends.
func (s *Scheduler) due(ctx context.Context, last time.Time) time.Duration {
	d := time.Until(last.Add(s.interval(ctx)))
	if g := s.r.nextGraceEnd(ctx); !g.IsZero() {
		d = min(d, max(time.Until(g)+time.Second, time.Second))
	}
	return d
}

// nextGraceEnd is when the earliest grace period of a stopped instance
// ends, or zero.
func (r *Reconciler) nextGraceEnd(ctx context.Context) time.Time {
	st, err := r.store.Settings(ctx)
	if err != nil || !st.Managed() {
		return time.Time{}
	}
	instances, err := r.store.Instances(ctx)
	if err != nil {
		return time.Time{}
	}
	return consumer.NextGraceEnd(consumer.List(instances, nil, st, r.now()))
}
