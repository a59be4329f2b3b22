package reconcile

import (
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// A burst of hooks is planned and applied together: one sync, a handful
// of calls, and a single change still arrives quickly.
func TestSchedulerCoalescesHooks(t *testing.T) {
	w, _ := startScheduler(t, 100*time.Millisecond)

	w.emu.ResetCalls()
	for i := range 200 {
		w.proxy("p" + itoa(i) + ".example.com")
	}
	for range 200 { // the hooks of an import, fired together
		w.hook()
	}
	waitFor(t, "200 records", func() bool { return len(w.emu.Records(w.zone.ID)) == 200 })
	time.Sleep(300 * time.Millisecond) // any further run would have started by now
	if calls := w.emu.TotalCalls(); calls > 4 {
		t.Fatalf("200 hooks cost %d calls (%v), want a handful", calls, w.emu.Calls())
	}

	start := time.Now()
	w.proxy("single.example.com")
	w.hook()
	waitFor(t, "the single record", func() bool { _, ok := w.records()["A single.example.com"]; return ok })
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a single change took %s", d)
	}
}

const listCall = "GET /zones/{zone_id}/dns_records"

// startScheduler runs the scheduler of a new world until its start-up
// sync listed the zone.
func startScheduler(t *testing.T, debounce time.Duration) (*world, *Scheduler) {
	t.Helper()
	w := newWorldDebounce(t, debounce)
	go w.sched.Run(t.Context())
	waitFor(t, "the start-up sync", func() bool { return w.emu.Calls()[listCall] == 1 })
	return w, w.sched
}

// Hooks that keep arriving during the debounce are covered by the run
// that follows it: a burst is one sync, not two.
func TestSchedulerBurstIsOneSync(t *testing.T) {
	w, _ := startScheduler(t, 200*time.Millisecond)
	w.emu.ResetCalls()
	for i := range 20 { // spread over half the debounce
		w.proxy("p" + itoa(i) + ".example.com")
		w.hook()
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, "20 records", func() bool { return len(w.emu.Records(w.zone.ID)) == 20 })
	time.Sleep(500 * time.Millisecond) // a second run would have listed by now
	if n := w.emu.Calls()[listCall]; n != 1 {
		t.Fatalf("a burst of hooks cost %d syncs, want 1 (%v)", n, w.emu.Calls())
	}
}

// A changed sync interval counts from the last run at once, without a
// sync of its own: the old interval is not waited out.
func TestSchedulerRescheduleUsesTheNewInterval(t *testing.T) {
	w, s := startScheduler(t, 10*time.Millisecond)
	// The default interval is ten minutes; one second is below what the
	// API accepts, but the scheduler takes what the store says.
	if _, _, err := w.st.UpdateSettings(t.Context(), func(st model.Settings) (model.Settings, error) {
		st.DNSSyncIntervalSeconds = 1
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Reschedule()
	time.Sleep(200 * time.Millisecond)
	if n := w.emu.Calls()[listCall]; n != 1 {
		t.Fatalf("a reschedule ran a sync of its own: %d listings", n)
	}
	waitFor(t, "the periodic sync at the new interval", func() bool { return w.emu.Calls()[listCall] >= 2 })
}

// Switching zone removes the old zone's records, with the old settings'
// credentials, and creates them in the new zone.
func TestZoneSwitchCleansUp(t *testing.T) {
	w := newWorld(t)
	other := w.emu.AddZone("example.org")
	w.proxy("a.example.com")
	w.proxy("b.example.org")
	if rep := w.sync(); rep.Created != 1 {
		t.Fatalf("first sync %+v", rep)
	}
	kept, _ := w.emu.AddRecord(w.zone.ID, cfemu.Record{Type: "A", Name: "mail.example.com", Content: "192.0.2.25"})
	w.emu.AddToken("tok2", cfemu.TokenOptions{ZoneIDs: []string{other.ID}, CanEdit: true})
	w.settings(func(s *model.Settings) {
		s.CloudflareZoneID, s.CloudflareZoneName, s.CloudflareAPIToken = other.ID, other.Name, "tok2"
	})
	rep := w.sync()
	if rep.Deleted != 1 || rep.Created != 1 || rep.Errors != 0 {
		t.Fatalf("after the switch %+v", rep)
	}
	old := w.emu.Records(w.zone.ID)
	if len(old) != 1 || old[0].ID != kept.ID {
		t.Fatalf("old zone: %+v", old)
	}
	if recs := w.emu.Records(other.ID); len(recs) != 1 || recs[0].Name != "b.example.org" {
		t.Fatalf("new zone: %+v", recs)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func itoa(i int) string {
	return string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + string(rune('0'+i/676))
}

// A failed clean-up keeps its rows, with the provider's message, and the
// next run finishes it.
func TestFailedCleanupIsKeptAndRetried(t *testing.T) {
	w := newWorld(t)
	w.proxy("a.example.com")
	w.sync()
	w.settings(func(s *model.Settings) { s.WildcardDNS = true })
	w.emu.FailNext(100, 403)
	rep := w.sync()
	w.emu.ClearFaults()
	rows, _ := w.st.DNSRecords(t.Context())
	if rep.Errors != 1 || len(rows) != 1 || rows[0].State != model.RecordError || rows[0].LastError == "" {
		t.Fatalf("failed clean-up: report %+v, rows %+v", rep, rows)
	}
	view, _ := w.r.Records(t.Context(), Filter{})
	if len(view.Records) != 2 { // the wildcard line of the proxy, and the row in error
		t.Fatalf("records view %+v", view.Records)
	}
	if rep := w.sync(); rep.Deleted != 1 {
		t.Fatalf("retry %+v", rep)
	}
	if rows, _ := w.st.DNSRecords(t.Context()); len(rows) != 0 || len(w.emu.Records(w.zone.ID)) != 0 {
		t.Fatalf("after the retry: rows %+v, records %+v", rows, w.emu.Records(w.zone.ID))
	}
}

// Saved settings reach the scheduler as an event of the bus: a change of
// the interval alone re-times the next run without a sync; a change that
// concerns the records syncs soon.
func TestSchedulerHandlesSettingsEvents(t *testing.T) {
	w, _ := startScheduler(t, 10*time.Millisecond)
	save := func(change func(*model.Settings)) {
		t.Helper()
		if _, _, err := w.st.UpdateSettings(t.Context(), func(st model.Settings) (model.Settings, error) {
			change(&st)
			return st, nil
		}); err != nil {
			t.Fatal(err)
		}
		w.bus.Publish(events.Event{Kind: events.SettingsChanged, Subject: "settings"})
	}
	save(func(st *model.Settings) { st.DNSSyncIntervalSeconds = 3600 })
	time.Sleep(200 * time.Millisecond)
	if n := w.emu.Calls()[listCall]; n != 1 {
		t.Fatalf("an interval change ran a sync: %d listings", n)
	}
	save(func(st *model.Settings) { st.DNSTTL = 300 })
	waitFor(t, "the sync after a change of the records' TTL", func() bool { return w.emu.Calls()[listCall] == 2 })
	w.bus.Publish(events.Event{Kind: events.ConsumersChanged, Subject: "proxy", ID: 1})
	waitFor(t, "the sync after a change of consumers", func() bool { return w.emu.Calls()[listCall] == 3 })
}
