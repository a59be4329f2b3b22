package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// world is the fake store and deployer: the deployer's actions change the
// instances the store answers with, as the real ones do.
type world struct {
	mu        sync.Mutex
	apps      []AppView
	instances map[int64][]InstanceView
	nextID    int64
	events    []string // "deploy app/tag@digest", "redeploy id@digest", "remove id"
	reports   []report
	// fail, when set, makes a deployer call fail.
	fail func(event string) error
	// block, when set, is waited on by every deployer call.
	block chan struct{}
}

type report struct {
	app int64
	err error
}

func newWorld(apps ...AppView) *world {
	return &world{apps: apps, instances: map[int64][]InstanceView{}, nextID: 100}
}

func (w *world) WatchedApps(context.Context) ([]AppView, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.apps), nil
}

func (w *world) Instances(_ context.Context, appID int64) ([]InstanceView, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.instances[appID]), nil
}

func (w *world) setApps(apps ...AppView) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.apps = apps
}

func (w *world) record(ev string) error {
	w.mu.Lock()
	block := w.block
	w.mu.Unlock()
	if block != nil {
		<-block
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, ev)
	if w.fail != nil {
		return w.fail(ev)
	}
	return nil
}

func (w *world) Deploy(_ context.Context, appID int64, tag, digest string) error {
	if err := w.record(fmt.Sprintf("deploy %d/%s@%s", appID, tag, digest)); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextID++
	w.instances[appID] = append(w.instances[appID], InstanceView{ID: w.nextID, Tag: tag, Digest: digest, Status: model.StatusRunning})
	return nil
}

func (w *world) Redeploy(_ context.Context, id int64, digest string) error {
	if err := w.record(fmt.Sprintf("redeploy %d@%s", id, digest)); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, list := range w.instances {
		for i := range list {
			if list[i].ID == id {
				list[i].Digest = digest
			}
		}
	}
	return nil
}

func (w *world) Remove(_ context.Context, id int64) error {
	if err := w.record(fmt.Sprintf("remove %d", id)); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for app, list := range w.instances {
		w.instances[app] = slices.DeleteFunc(list, func(in InstanceView) bool { return in.ID == id })
	}
	return nil
}

func (w *world) AppError(app int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reports = append(w.reports, report{app, err})
}

func (w *world) AppOK(app int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reports = append(w.reports, report{app, nil})
}

func (w *world) instanceOf(app int64, tag string) InstanceView {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, in := range w.instances[app] {
		if in.Tag == tag {
			return in
		}
	}
	return InstanceView{}
}

func (w *world) count(prefix string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// lastReport is the app's latest report, and how many it had.
func (w *world) lastReport(app int64) (err error, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.reports {
		if r.app == app {
			err, n = r.err, n+1
		}
	}
	return err, n
}

// eventually waits for cond, generously: the tests order events, they do
// not time them.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func watched(id int64, name, image, pattern string, every time.Duration) AppView {
	a := app(pattern, VanishedKeep)
	a.ID, a.Name, a.Image, a.PollInterval = id, name, image, every
	return a
}

// start runs a watcher over wd until the test ends.
func start(t *testing.T, wd *world, src Source, tweak ...func(*Options)) *Watcher {
	t.Helper()
	o := Options{Source: src, Apps: wd, Deployer: wd, Reporter: wd, ReloadEvery: time.Hour, Logger: quiet}
	for _, f := range tweak {
		f(&o)
	}
	w := NewWatcher(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	eventually(t, "the watcher to start", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.ctx != nil
	})
	return w
}

const tick = 20 * time.Millisecond

var quiet = slog.New(slog.DiscardHandler)

func TestWatcherDeploysANewTagWithinOneInterval(t *testing.T) {
	reg := newRegistry(t)
	d1 := reg.push(t, "web", "v1")
	reg.push(t, "web", "latest") // outside the pattern
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	start(t, wd, testClient())
	eventually(t, "v1 deployed", func() bool { return wd.count("deploy 1/v1@"+d1) == 1 })

	listsAtPush := reg.lists.Load()
	d2 := reg.push(t, "web", "v2")
	eventually(t, "v2 deployed", func() bool { return wd.count("deploy 1/v2@"+d2) == 1 })
	// The poll under way when the push landed may have listed before it;
	// the next one must deploy.
	if n := reg.lists.Load() - listsAtPush; n > 2 {
		t.Fatalf("v2 deployed after %d polls, want within one interval (at most 2 lists)", n)
	}
	if wd.count("deploy 1/latest") != 0 || wd.count("deploy 1/v1") != 1 {
		t.Fatalf("events %v", wd.events)
	}
	if err, _ := wd.lastReport(1); err != nil {
		t.Fatalf("app error %v", err)
	}
}

func TestWatcherRedeploysAChangedDigest(t *testing.T) {
	reg := newRegistry(t)
	d1 := reg.push(t, "web", "latest")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "latest", tick))
	start(t, wd, testClient())
	eventually(t, "latest deployed", func() bool { return wd.count("deploy 1/latest@"+d1) == 1 })
	id := wd.instanceOf(1, "latest").ID

	d2 := reg.push(t, "web", "latest")
	eventually(t, "latest redeployed", func() bool { return wd.count(fmt.Sprintf("redeploy %d@%s", id, d2)) == 1 })
	polls := reg.lists.Load()
	eventually(t, "two more polls", func() bool { return reg.lists.Load() >= polls+2 })
	if wd.count("redeploy") != 1 || wd.count("deploy") != 1 {
		t.Fatalf("events %v, want one deploy and one redeploy", wd.events)
	}
}

func TestWatcherVanishedTag(t *testing.T) {
	for _, policy := range []VanishedPolicy{VanishedRemove, VanishedKeep} {
		t.Run(string(policy), func(t *testing.T) {
			reg := newRegistry(t)
			reg.push(t, "web", "v1")
			reg.push(t, "web", "v2")
			a := watched(1, "web", reg.Host+"/web", "v.*", tick)
			a.OnVanished = policy
			wd := newWorld(a)
			start(t, wd, testClient())
			eventually(t, "both deployed", func() bool { return wd.count("deploy 1/") == 2 })
			v2 := wd.instanceOf(1, "v2").ID

			reg.deleteTag(t, "web", "v2")
			if policy == VanishedRemove {
				eventually(t, "v2 removed", func() bool { return wd.count(fmt.Sprintf("remove %d", v2)) == 1 })
			}
			polls := reg.lists.Load()
			eventually(t, "three more polls", func() bool { return reg.lists.Load() >= polls+3 })
			want := map[VanishedPolicy]int{VanishedRemove: 1, VanishedKeep: 0}[policy]
			if wd.count("remove") != want || wd.count("deploy") != 2 {
				t.Fatalf("events %v", wd.events)
			}
		})
	}
}

func TestWatcherFailingRegistryBacksOffAndDoesNotDelayAnother(t *testing.T) {
	var broken atomic.Bool
	bad := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if broken.Load() {
				failing(http.StatusInternalServerError)(next).ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	bad.push(t, "web", "v1")
	broken.Store(true)
	good := newRegistry(t)
	good.push(t, "web", "init") // the repository exists (else: 404, an error)
	closed := closedPort(t)

	wd := newWorld(
		watched(1, "bad", bad.Host+"/web", "v.*", tick),
		watched(2, "good", good.Host+"/web", "v.*", tick),
		watched(3, "closed", closed+"/web", "v.*", tick),
	)
	var mu sync.Mutex
	delays := map[int64][]time.Duration{}
	w := NewWatcher(Options{Source: testClient(), Apps: wd, Deployer: wd, Reporter: wd, ReloadEvery: time.Hour, MaxBackoff: 8 * tick, Logger: quiet})
	w.onSchedule = func(id int64, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		delays[id] = append(delays[id], d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	delaysOf := func(id int64) []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(delays[id])
	}

	// While the broken ones back off, the good one polls at its pace and
	// deploys what is pushed.
	d := good.push(t, "web", "v1")
	eventually(t, "the good app deploys", func() bool { return wd.count("deploy 2/v1@"+d) == 1 })
	eventually(t, "the broken apps back off to the cap", func() bool {
		return len(delaysOf(1)) >= 5 && len(delaysOf(3)) >= 5
	})
	want := []time.Duration{2 * tick, 4 * tick, 8 * tick, 8 * tick}
	for _, id := range []int64{1, 3} {
		if got := delaysOf(id)[:4]; !slices.Equal(got, want) {
			t.Errorf("app %d waited %v, want %v", id, got, want)
		}
		err, _ := wd.lastReport(id)
		if err == nil || !strings.Contains(err.Error(), "/web") {
			t.Errorf("app %d: report %v, want an error naming the repository", id, err)
		}
	}
	if err, _ := wd.lastReport(2); err != nil {
		t.Errorf("good app: %v", err)
	}
	for _, got := range delaysOf(2) {
		if got != tick {
			t.Fatalf("the good app waited %v, want its interval %v", got, tick)
		}
	}

	// Healthy again: the error clears and the interval comes back.
	broken.Store(false)
	eventually(t, "the repaired app deploys", func() bool { return wd.count("deploy 1/v1") == 1 })
	eventually(t, "its error cleared", func() bool { err, _ := wd.lastReport(1); return err == nil })
	eventually(t, "its interval back", func() bool { d := delaysOf(1); return d[len(d)-1] == tick })
}

func TestWatcherSlowRegistryDoesNotDelayAnother(t *testing.T) {
	entered := make(chan struct{}, 100)
	release := make(chan struct{})
	slow := newRegistry(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	})
	defer close(release)
	good := newRegistry(t)
	wd := newWorld(watched(1, "slow", slow.Host+"/web", "v.*", tick), watched(2, "good", good.Host+"/web", "v.*", tick))
	c := testClient()
	c.Timeout = time.Minute
	start(t, wd, c)
	<-entered // the slow app's check hangs in its registry from now on
	d1 := good.push(t, "web", "v1")
	d2 := good.push(t, "web", "v2")
	eventually(t, "the good app deploys", func() bool {
		return wd.count("deploy 2/v1@"+d1) == 1 && wd.count("deploy 2/v2@"+d2) == 1
	})
	if n := wd.count("deploy 1/"); n != 0 {
		t.Fatalf("the slow app deployed %d", n)
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestWatcherSendsCredentials(t *testing.T) {
	var authed atomic.Int64
	reg := newRegistry(t, basicAuth("ci", "pw-of-ci", &authed))
	d := reg.push(t, "web", "v1", withBasic("ci", "pw-of-ci"))
	right := watched(1, "web", reg.Host+"/web", "v.*", tick)
	right.Auth = Auth{Username: "ci", Password: "pw-of-ci"}
	wrong := watched(2, "api", reg.Host+"/web", "v.*", tick)
	wrong.Auth = Auth{Username: "ci", Password: "not-the-pw"}
	wd := newWorld(right, wrong)
	start(t, wd, testClient())
	eventually(t, "deployed with credentials", func() bool { return wd.count("deploy 1/v1@"+d) == 1 })
	eventually(t, "the wrong ones reported", func() bool { err, _ := wd.lastReport(2); return err != nil })
	err, _ := wd.lastReport(2)
	if StatusCode(err) != http.StatusUnauthorized || strings.Contains(err.Error(), "not-the-pw") {
		t.Fatalf("report %v: want a 401 without the password", err)
	}
	if wd.count("deploy 2/") != 0 {
		t.Fatalf("events %v", wd.events)
	}
}

func TestWatcherFallsBackToGetWithoutADigestHeader(t *testing.T) {
	reg := newRegistry(t, stripHeadDigest)
	d := reg.push(t, "web", "v1")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	start(t, wd, testClient())
	eventually(t, "deployed at the digest GET gave", func() bool { return wd.count("deploy 1/v1@"+d) == 1 })
	if reg.gets.Load() == 0 {
		t.Fatal("no GET")
	}
}

func TestWatcherWebhookOnly(t *testing.T) {
	reg := newRegistry(t)
	d := reg.push(t, "web", "v1")
	reg.push(t, "web", "v2")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", 0))
	w := start(t, wd, testClient())

	if w.Trigger(99, "v1") {
		t.Fatal("Trigger of an unknown app answered true")
	}
	got, err := w.HandlePush(t.Context(), []Push{
		{App: "web", Tag: "latest"}, // outside the pattern
		{Host: "other:5000", Repository: "web", Tag: "v1"},
		{Host: reg.Host, Repository: "web", Tag: "v1", Digest: d},
	})
	if err != nil || !slices.Equal(got, []Triggered{{AppID: 1, Tag: "v1"}}) {
		t.Fatalf("HandlePush: %v, %v", got, err)
	}
	eventually(t, "v1 deployed", func() bool { return wd.count("deploy 1/v1@"+d) == 1 })
	eventually(t, "the check reported", func() bool { _, n := wd.lastReport(1); return n >= 1 })
	if err, _ := wd.lastReport(1); err != nil {
		t.Fatal(err)
	}
	// Only the pushed tag was checked, and no poll ran.
	if reg.lists.Load() != 0 || wd.count("deploy 1/v2") != 0 {
		t.Fatalf("%d lists, events %v", reg.lists.Load(), wd.events)
	}

	// A pushed tag the registry does not have is an error, not a removal.
	w.Trigger(1, "v9")
	eventually(t, "v9 reported", func() bool { err, _ := wd.lastReport(1); return err != nil })
	if err, _ := wd.lastReport(1); !strings.Contains(err.Error(), `"v9" not found`) {
		t.Fatalf("report %v", err)
	}
}

func TestWatcherReload(t *testing.T) {
	reg := newRegistry(t)
	d := reg.push(t, "web", "v1")
	dl := reg.push(t, "web", "latest")
	wd := newWorld()
	w := start(t, wd, testClient())

	// An app created at run time (HandlePush reads the apps again when
	// nothing matches).
	wd.setApps(watched(1, "web", reg.Host+"/web", "v.*", 0))
	if got, err := w.HandlePush(t.Context(), []Push{{App: "web", Tag: "v1"}}); err != nil || len(got) != 1 {
		t.Fatalf("HandlePush: %v, %v", got, err)
	}
	eventually(t, "v1 deployed", func() bool { return wd.count("deploy 1/v1@"+d) == 1 })

	// Changed: polled now, with the new pattern.
	wd.setApps(watched(1, "web", reg.Host+"/web", "v.*|latest", tick))
	if err := w.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "latest deployed", func() bool { return wd.count("deploy 1/latest@"+dl) == 1 })

	// Auto-deploy switched off: polls stop.
	off := watched(1, "web", reg.Host+"/web", "v.*|latest", tick)
	off.AutoDeploy = false
	wd.setApps(off)
	if err := w.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w.Trigger(1, "v1") {
		t.Fatal("an app without auto-deploy is still watched")
	}
	eventually(t, "its worker gone", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		wk := w.stopping[1]
		if wk == nil {
			return true
		}
		select {
		case <-wk.done:
			return true
		default:
			return false
		}
	})
	lists := reg.lists.Load()
	reg.push(t, "web", "v2")
	time.Sleep(10 * tick)
	if reg.lists.Load() != lists || wd.count("deploy 1/v2") != 0 {
		t.Fatalf("polled after auto-deploy was switched off: %d lists, %v", reg.lists.Load()-lists, wd.events)
	}
}

// countingSource counts the calls under way.
type countingSource struct {
	Source
	inFlight atomic.Int64
	calls    atomic.Int64
}

func (s *countingSource) Tags(ctx context.Context, repo string, auth Auth) ([]string, error) {
	s.calls.Add(1)
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	return s.Source.Tags(ctx, repo, auth)
}

func (s *countingSource) Digest(ctx context.Context, repo, tag string, auth Auth) (string, error) {
	s.calls.Add(1)
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	return s.Source.Digest(ctx, repo, tag, auth)
}

func TestWatcherNeverChecksAnAppTwiceAtOnce(t *testing.T) {
	reg := newRegistry(t)
	reg.push(t, "web", "v1")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	wd.block = make(chan struct{})
	src := &countingSource{Source: testClient()}
	w := start(t, wd, src)

	// The first check is now in its deploy (blocked); polls come due and
	// webhooks arrive, and none of them may reach the registry meanwhile.
	eventually(t, "the first check to list", func() bool { return src.calls.Load() >= 2 })
	eventually(t, "its digest call to end", func() bool { return src.inFlight.Load() == 0 })
	callsInDeploy := src.calls.Load()
	for range 20 {
		w.Trigger(1, "v1")
	}
	time.Sleep(10 * tick)
	if n := src.calls.Load(); n != callsInDeploy {
		t.Fatalf("%d registry calls while the app's check was deploying", n-callsInDeploy)
	}
	close(wd.block)
	eventually(t, "v1 deployed once", func() bool { return wd.count("deploy 1/v1") == 1 })
	eventually(t, "the checks go on", func() bool { return src.calls.Load() > callsInDeploy })
	polls := reg.lists.Load()
	eventually(t, "two more polls", func() bool { return reg.lists.Load() >= polls+2 })
	if wd.count("deploy") != 1 {
		t.Fatalf("events %v", wd.events)
	}
}

func TestWatcherDoesNotRetryAFailedImage(t *testing.T) {
	reg := newRegistry(t)
	d1 := reg.push(t, "web", "v1")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	wd.fail = func(ev string) error {
		if strings.Contains(ev, d1) {
			return errors.New("container exited at once")
		}
		return nil
	}
	start(t, wd, testClient())
	eventually(t, "the deploy tried", func() bool { return wd.count("deploy 1/v1@"+d1) == 1 })
	polls := reg.lists.Load()
	eventually(t, "three more polls", func() bool { return reg.lists.Load() >= polls+3 })
	if n := wd.count("deploy"); n != 1 {
		t.Fatalf("the failed image was tried %d times", n)
	}
	err, _ := wd.lastReport(1)
	if err == nil || !strings.Contains(err.Error(), "container exited at once") || !strings.Contains(err.Error(), "not retried") {
		t.Fatalf("report %v", err)
	}

	// A new digest (the fix) is tried.
	d2 := reg.push(t, "web", "v1")
	eventually(t, "the fix deployed", func() bool { return wd.count("deploy 1/v1@"+d2) == 1 })
	eventually(t, "the error cleared", func() bool { err, _ := wd.lastReport(1); return err == nil })
}

// A temporary failure (the engine away) is tried again at the next
// check, and the same image deploys once the deployer can.
func TestWatcherRetriesATemporaryFailure(t *testing.T) {
	reg := newRegistry(t)
	d1 := reg.push(t, "web", "v1")
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	var tries atomic.Int32
	wd.fail = func(ev string) error {
		if strings.Contains(ev, d1) && tries.Add(1) <= 2 {
			return fmt.Errorf("%w: the Docker Engine cannot be reached", ErrTemporary)
		}
		return nil
	}
	start(t, wd, testClient())
	eventually(t, "deployed after two temporary failures", func() bool { return wd.count("deploy 1/v1@"+d1) == 3 })
	eventually(t, "the error cleared", func() bool { err, _ := wd.lastReport(1); return err == nil })
}

func TestWatcherBoundsDeploysPerCheck(t *testing.T) {
	reg := newRegistry(t)
	for _, tag := range []string{"v1", "v2", "v3"} {
		reg.push(t, "web", tag)
	}
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", tick))
	start(t, wd, testClient(), func(o *Options) { o.MaxDeploysPerCheck = 2 })
	eventually(t, "all deployed", func() bool { return wd.count("deploy 1/") == 3 })
	wd.mu.Lock()
	defer wd.mu.Unlock()
	if !strings.HasPrefix(wd.events[0], "deploy 1/v1@") || !strings.HasPrefix(wd.events[1], "deploy 1/v2@") || !strings.HasPrefix(wd.events[2], "deploy 1/v3@") {
		t.Fatalf("events %v", wd.events)
	}
}

func TestNextPoll(t *testing.T) {
	m := time.Minute
	for _, c := range []struct {
		interval time.Duration
		failures int
		max      time.Duration
		want     time.Duration
	}{
		{30 * time.Second, 0, 10 * m, 30 * time.Second},
		{30 * time.Second, 1, 10 * m, m},
		{30 * time.Second, 2, 10 * m, 2 * m},
		{30 * time.Second, 4, 10 * m, 8 * m},
		{30 * time.Second, 5, 10 * m, 10 * m},
		{30 * time.Second, 1000, 10 * m, 10 * m},
		{time.Hour, 0, 10 * m, time.Hour},
		{time.Hour, 3, 10 * m, time.Hour}, // never more often than asked
		{24 * time.Hour, 50, 10 * m, 24 * time.Hour},
	} {
		if got := nextPoll(c.interval, c.failures, c.max); got != c.want {
			t.Errorf("nextPoll(%v, %d, %v) = %v, want %v", c.interval, c.failures, c.max, got, c.want)
		}
	}
}

func TestRunTwice(t *testing.T) {
	w := start(t, newWorld(), testClient())
	if err := w.Run(t.Context()); err == nil {
		t.Fatal("a second Run started")
	}
	if err := NewWatcher(Options{Apps: newWorld()}).Reload(t.Context()); err == nil {
		t.Fatal("Reload before Run did not fail")
	}
}

func TestWatcherDeploysEveryPushedTagBeyondTheBound(t *testing.T) {
	reg := newRegistry(t)
	var pushes []Push
	for _, tag := range []string{"v1", "v2", "v3", "v4", "v5"} {
		reg.push(t, "web", tag)
		pushes = append(pushes, Push{App: "web", Tag: tag})
	}
	wd := newWorld(watched(1, "web", reg.Host+"/web", "v.*", 0)) // webhooks only: no poll follows
	w := start(t, wd, testClient(), func(o *Options) { o.MaxDeploysPerCheck = 2 })
	if _, err := w.HandlePush(t.Context(), pushes); err != nil {
		t.Fatal(err)
	}
	eventually(t, "all five deployed", func() bool { return wd.count("deploy 1/") == 5 })
	if reg.lists.Load() != 0 {
		t.Fatalf("%d tag lists, want none on a webhooks-only app", reg.lists.Load())
	}
	for _, tag := range []string{"v1", "v2", "v3", "v4", "v5"} {
		if n := wd.count("deploy 1/" + tag + "@"); n != 1 {
			t.Fatalf("%s deployed %d times; events %v", tag, n, wd.events)
		}
	}
}
