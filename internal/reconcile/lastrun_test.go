package reconcile

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/events"
)

// A failed sync saves no report: LastRun keeps its error (until a sync
// succeeds), and the bus hears of it as of any sync; a cancelled sync
// says nothing of the provider and changes neither.
func TestLastRunKeepsTheFailure(t *testing.T) {
	w := newWorld(t)
	var heard []events.Kind
	w.bus.Subscribe(func(e events.Event) { heard = append(heard, e.Kind) })
	if o := w.r.LastRun(); !o.At.IsZero() || o.Err != "" {
		t.Fatalf("before any sync: %+v", o)
	}
	w.proxy("a.example.com")
	w.sync()
	ok := w.r.LastRun()
	if ok.At.IsZero() || ok.Err != "" || len(heard) != 1 || heard[0] != events.DNSSynced {
		t.Fatalf("after a sync: %+v, heard %v", ok, heard)
	}

	w.emu.FailNext(100, http.StatusForbidden) // a token refused: not retried
	if _, err := w.r.Sync(t.Context(), false); err == nil {
		t.Fatal("the sync did not fail")
	}
	w.emu.ClearFaults()
	failed := w.r.LastRun()
	if failed.Err == "" || failed.At.Before(ok.At) || len(heard) != 2 || heard[1] != events.DNSSynced {
		t.Fatalf("after a failed sync: %+v, heard %v", failed, heard)
	}
	if b, _, err := w.st.LastSyncReport(t.Context()); err != nil || b == nil {
		t.Fatalf("the successful sync's report is gone: %s %v", b, err)
	}

	// Cancelled while it waits for the provider.
	w.emu.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	_, err := w.r.Sync(ctx, false)
	cancel()
	w.emu.SetLatency(0)
	if err == nil {
		t.Fatal("the cancelled sync did not fail")
	}
	if got := w.r.LastRun(); got != failed || len(heard) != 2 {
		t.Fatalf("a cancelled sync changed the outcome: %+v, heard %v", got, heard)
	}
	if _, err := w.r.Sync(t.Context(), true); err != nil { // a dry run is no sync
		t.Fatal(err)
	}
	if got := w.r.LastRun(); got != failed {
		t.Fatalf("a dry run changed the outcome: %+v", got)
	}

	w.sync()
	if got := w.r.LastRun(); got.Err != "" || got.At.Before(failed.At) {
		t.Fatalf("after a good sync again: %+v", got)
	}
}
