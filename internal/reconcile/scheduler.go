package reconcile

import (
	"context"
	"log/slog"
	"time"
)

// Scheduler decides when syncs run: at start, periodically, shortly after
// hooks (a burst of hooks is one run), when a stopped instance's grace
// period ends, and on demand. Runs never overlap: triggers during a run
// give one more run, not many.
type Scheduler struct {
	r        *Reconciler
	log      *slog.Logger
	debounce time.Duration
	notify   chan struct{}
}

// NewScheduler returns a scheduler whose hooks wait debounce for more
// hooks before running.
func NewScheduler(r *Reconciler, log *slog.Logger, debounce time.Duration) *Scheduler {
	return &Scheduler{r: r, log: log, debounce: debounce, notify: make(chan struct{}, 1)}
}

// Notify asks for a sync soon. It never blocks and never fails: hooks call
// it after their own work is done, whatever DNS does.
func (s *Scheduler) Notify() {
	select {
	case s.notify <- struct{}{}:
	default: // one is pending already: it covers this one
	}
}

// Run runs syncs until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	timer := time.NewTimer(0) // the start-up run
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.notify:
			// Let a burst of hooks arrive, then plan them together.
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.debounce):
			}
		case <-timer.C:
		}
		next := s.runOnce(ctx)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// runOnce syncs and returns when the next periodic run is due.
func (s *Scheduler) runOnce(ctx context.Context) time.Duration {
	rep, err := s.r.Sync(ctx, false)
	interval := 10 * time.Minute
	if st, serr := s.r.store.Settings(ctx); serr == nil && st.DNSSyncIntervalSeconds > 0 {
		interval = time.Duration(st.DNSSyncIntervalSeconds) * time.Second
	}
	switch {
	case ctx.Err() != nil:
		return interval
	case err != nil:
		s.log.Warn("DNS sync failed; it is tried again at the next run", slog.Any("err", err))
	case rep.Created+rep.Updated+rep.Deleted+rep.Errors+rep.Conflicts > 0:
		s.log.Info("DNS sync", slog.Int("created", rep.Created), slog.Int("updated", rep.Updated),
			slog.Int("deleted", rep.Deleted), slog.Int("conflicts", rep.Conflicts), slog.Int("errors", rep.Errors),
			slog.Int64("api_calls", rep.APICalls))
	}
	if g := s.r.nextGraceEnd(ctx); !g.IsZero() {
		if d := time.Until(g) + time.Second; d < interval {
			interval = max(d, time.Second)
		}
	}
	return interval
}
