package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Apps is where the watcher reads apps and instances (the store, in the
// app). Both are read again at every check, so the store stays the truth.
type Apps interface {
	// WatchedApps lists the apps with auto_deploy, webhooks-only ones
	// (PollInterval 0) included.
	WatchedApps(ctx context.Context) ([]AppView, error)
	Instances(ctx context.Context, appID int64) ([]InstanceView, error)
}

// Deployer carries out actions (the docker package, in the app). A call
// returns when the action is done or has failed; the watcher makes one
// call at a time per app.
type Deployer interface {
	Deploy(ctx context.Context, appID int64, tag, digest string) error
	Redeploy(ctx context.Context, instanceID int64, digest string) error
	Remove(ctx context.Context, instanceID int64) error
}

// Reporter shows the outcome of each check on its app: AppError after a
// check that failed in part or whole, AppOK after one that did not.
type Reporter interface {
	AppError(appID int64, err error)
	AppOK(appID int64)
}

// Options configure a Watcher. Zero values take the defaults noted.
type Options struct {
	Source   Source   // required: a *Client in the app
	Apps     Apps     // required
	Deployer Deployer // required
	Reporter Reporter // optional
	Logger   *slog.Logger

	// MaxBackoff caps the wait after failed checks: 10 minutes, or the
	// app's poll interval when that is longer.
	MaxBackoff time.Duration
	// ReloadEvery re-reads the apps even without Reload calls, so a missed
	// event is repaired: 1 minute.
	ReloadEvery time.Duration
	// MaxDeploysPerCheck bounds the new instances one poll creates, so a
	// too-wide pattern on a repository with many tags does not start
	// hundreds of containers at once; the rest follow at the next polls.
	// Pushed tags were each pushed on purpose: those beyond the bound are
	// checked again right after, so none is lost on a webhooks-only app:
	// 10.
	MaxDeploysPerCheck int
	// DigestJobs is how many digests of one app are asked at once: 4.
	DigestJobs int
}

// Watcher polls each watched app on its own timer and hands the actions
// that Decide returns to the Deployer.
//
// Each app has its own goroutine, which makes every check of that app (poll
// or webhook trigger) one after the other: two checks of one app never run
// at once, and a slow or failing registry only ever delays its own app.
type Watcher struct {
	o   Options
	log *slog.Logger

	mu      sync.Mutex
	ctx     context.Context // Run's; nil when not running
	workers map[int64]*worker
	// stopping holds workers cancelled by Reload until they return, so a
	// new worker of the same app (auto-deploy switched off and on) starts
	// only after the old one's check is over.
	stopping map[int64]*worker
	wg       sync.WaitGroup

	// onSchedule, when set (tests), sees each wait before an app's next
	// poll.
	onSchedule func(appID int64, d time.Duration)
}

// NewWatcher returns a Watcher; Run starts it.
func NewWatcher(o Options) *Watcher {
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.ReloadEvery <= 0 {
		o.ReloadEvery = time.Minute
	}
	if o.MaxDeploysPerCheck <= 0 {
		o.MaxDeploysPerCheck = 10
	}
	if o.DigestJobs <= 0 {
		o.DigestJobs = 4
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Watcher{o: o, log: log.With("component", "registry"), workers: map[int64]*worker{}, stopping: map[int64]*worker{}}
}

// Run watches until ctx ends, then waits for the checks under way to
// return (their context is ctx, so they end too).
func (w *Watcher) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.ctx != nil {
		w.mu.Unlock()
		return errors.New("registry watcher: already running")
	}
	w.ctx = ctx
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.ctx = nil
		for id, wk := range w.workers {
			wk.cancel()
			delete(w.workers, id)
		}
		clear(w.stopping)
		w.mu.Unlock()
		w.wg.Wait()
	}()
	t := time.NewTicker(w.o.ReloadEvery)
	defer t.Stop()
	for {
		if err := w.Reload(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("reading watched apps", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Reload reads the watched apps again: new ones start (with a poll at
// once), changed ones take their new settings (and poll at once, since a
// new pattern or repository may match new tags), removed ones stop. Call it
// after an app is created, changed or deleted.
func (w *Watcher) Reload(ctx context.Context) error {
	apps, err := w.o.Apps.WatchedApps(ctx)
	if err != nil {
		return fmt.Errorf("watched apps: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil {
		return errors.New("registry watcher: not running")
	}
	for id, wk := range w.stopping {
		select {
		case <-wk.done:
			delete(w.stopping, id)
		default:
		}
	}
	keep := map[int64]bool{}
	for _, a := range apps {
		if !a.AutoDeploy || a.Pattern == nil || a.Image == "" {
			continue
		}
		keep[a.ID] = true
		if wk, ok := w.workers[a.ID]; ok {
			wk.update(a)
			continue
		}
		w.start(a)
	}
	for id, wk := range w.workers {
		if !keep[id] {
			wk.cancel()
			delete(w.workers, id)
			w.stopping[id] = wk
		}
	}
	return nil
}

// start runs a worker for a; w.mu is held.
func (w *Watcher) start(a AppView) {
	ctx, cancel := context.WithCancel(w.ctx)
	wk := &worker{
		w: w, id: a.ID, view: a, cancel: cancel,
		pending: map[string]bool{}, wake: make(chan struct{}, 1), changed: make(chan struct{}, 1),
		failed: map[failKey]failure{}, done: make(chan struct{}),
	}
	w.workers[a.ID] = wk
	old := w.stopping[a.ID]
	delete(w.stopping, a.ID)
	w.wg.Go(func() {
		defer close(wk.done)
		if old != nil {
			select {
			case <-old.done:
			case <-ctx.Done():
				return
			}
		}
		wk.run(ctx)
	})
}

// Trigger checks one tag of one app at once (a push webhook), on the
// app's own goroutine after any check under way. It reports false when the
// app is not watched.
func (w *Watcher) Trigger(appID int64, tag string) bool {
	w.mu.Lock()
	wk, ok := w.workers[appID]
	w.mu.Unlock()
	if !ok {
		return false
	}
	wk.trigger(tag)
	return true
}

// Triggered is one app check a push started.
type Triggered struct {
	AppID int64  `json:"app_id"`
	Tag   string `json:"tag"`
}

// HandlePush triggers every watched app that a push is for: by name for the
// plain body, else by repository, and only when the tag matches the app's
// pattern. Pushes for nothing watched are ignored (the webhook answers 202
// either way). When a push matches nothing the apps are read again once,
// in case one was created since the last Reload.
func (w *Watcher) HandlePush(ctx context.Context, pushes []Push) ([]Triggered, error) {
	var out []Triggered
	reloaded := false
	for _, p := range pushes {
		hits := w.match(p)
		if len(hits) == 0 && !reloaded {
			reloaded = true
			if err := w.Reload(ctx); err != nil {
				return out, err
			}
			hits = w.match(p)
		}
		for _, id := range hits {
			if w.Trigger(id, p.Tag) {
				out = append(out, Triggered{AppID: id, Tag: p.Tag})
			}
		}
	}
	return out, nil
}

func (w *Watcher) match(p Push) []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []int64
	for id, wk := range w.workers {
		if v := wk.current(); p.Matches(v) {
			ids = append(ids, id)
		}
	}
	return ids
}

// nextPoll is the wait before the next poll after failures checks in a row
// have failed: the poll interval when all is well, doubling with each
// failure, up to max(MaxBackoff, interval) so that backing off never polls
// more often than the user asked.
func nextPoll(interval time.Duration, failures int, maxBackoff time.Duration) time.Duration {
	ceiling := max(maxBackoff, interval)
	d := interval
	for range failures {
		if d >= ceiling/2 {
			return ceiling
		}
		d *= 2
	}
	return d
}

// worker is one app's goroutine.
type worker struct {
	w      *Watcher
	id     int64
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns

	mu      sync.Mutex
	view    AppView
	pending map[string]bool // tags triggered and not checked yet
	wake    chan struct{}   // a trigger is pending
	changed chan struct{}   // the view changed

	// Owned by the goroutine.
	failures int                 // polls failed in a row
	failed   map[failKey]failure // actions that failed
}

// failure remembers an action that failed, so that the same action (same
// digest) is not tried again at every poll: the store may not know yet
// (the deployer failed before writing an instance), and this also covers a
// failed redeploy whose instance keeps running its old digest.
type failure struct {
	digest string
	err    error
}

// failKey names what failed: a new tag (Deploy) or an instance.
type failKey struct {
	tag      string
	instance int64
}

func actionKey(a Action) failKey {
	if a.Kind == Deploy {
		return failKey{tag: a.Tag}
	}
	return failKey{instance: a.Instance}
}

func (k *worker) current() AppView {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.view
}

func (k *worker) update(a AppView) {
	k.mu.Lock()
	old := k.view
	k.view = a
	k.mu.Unlock()
	if !sameView(old, a) {
		signal(k.changed)
	}
}

func sameView(a, b AppView) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Image == b.Image &&
		a.Pattern.String() == b.Pattern.String() && a.AutoDeploy == b.AutoDeploy &&
		a.PollInterval == b.PollInterval && a.Auth == b.Auth && a.OnVanished == b.OnVanished
}

func (k *worker) trigger(tag string) {
	k.mu.Lock()
	k.pending[tag] = true
	k.mu.Unlock()
	signal(k.wake)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (k *worker) run(ctx context.Context) {
	timer := time.NewTimer(0) // the first poll at once
	defer timer.Stop()
	if k.current().PollInterval <= 0 {
		timer.Stop()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.changed:
			timer.Stop()
			if k.current().PollInterval > 0 {
				timer.Reset(0)
			}
		case <-k.wake:
			k.mu.Lock()
			tags := k.pending
			k.pending = map[string]bool{}
			k.mu.Unlock()
			k.report(k.checkTags(ctx, tags))
		case <-timer.C:
			fetchErr, deployErr := k.poll(ctx)
			if ctx.Err() != nil {
				return
			}
			if fetchErr != nil {
				k.failures++
			} else {
				k.failures = 0
			}
			k.report(errors.Join(fetchErr, deployErr))
			if iv := k.current().PollInterval; iv > 0 {
				d := nextPoll(iv, k.failures, k.w.o.MaxBackoff)
				if f := k.w.onSchedule; f != nil {
					f(k.id, d)
				}
				timer.Reset(d)
			}
		}
	}
}

func (k *worker) report(err error) {
	r := k.w.o.Reporter
	if r == nil {
		if err != nil {
			k.w.log.Warn("app check", "app", k.id, "err", err)
		}
		return
	}
	if err != nil {
		r.AppError(k.id, err)
	} else {
		r.AppOK(k.id)
	}
}

// poll is one full check of the app. fetchErr covers reading the registry
// and the store (a later retry helps: the app backs off); deployErr the
// actions that failed (shown, but polling goes on at its pace, since the
// failed ones are not retried anyway).
func (k *worker) poll(ctx context.Context) (fetchErr, deployErr error) {
	view := k.current()
	tags, err := k.w.o.Source.Tags(ctx, view.Image, view.Auth)
	if err != nil {
		return err, nil
	}
	var matching []string
	for _, t := range tags {
		if view.Pattern.MatchString(t) {
			matching = append(matching, t)
		}
	}
	seen, digestErr := k.digests(ctx, view, matching)
	instances, err := k.w.o.Apps.Instances(ctx, view.ID)
	if err != nil {
		return errors.Join(digestErr, fmt.Errorf("instances of app %d: %w", view.ID, err)), nil
	}
	k.forget(instances)
	_, err = k.apply(ctx, view, Decide(view, seen, instances)) // deferred tags: at the next poll
	return digestErr, err
}

// digests asks the digest of each tag, a few at a time; a tag whose digest
// could not be read maps to "", which Decide leaves alone.
func (k *worker) digests(ctx context.Context, view AppView, tags []string) (map[string]string, error) {
	seen := make(map[string]string, len(tags))
	var mu sync.Mutex
	var errs []error
	g := errgroup.Group{}
	g.SetLimit(k.w.o.DigestJobs)
	for _, t := range tags {
		g.Go(func() error {
			d, err := k.w.o.Source.Digest(ctx, view.Image, t, view.Auth)
			mu.Lock()
			defer mu.Unlock()
			seen[t] = d
			if err != nil {
				seen[t] = ""
				errs = append(errs, err)
			}
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) > 3 { // one line on the app, not one per tag
		errs = append(errs[:3], fmt.Errorf("and %d more tags failed", len(errs)-3))
	}
	return seen, errors.Join(errs...)
}

// checkTags checks the triggered tags only. A tag the registry says it does
// not have is an error here, never a vanished tag: a push just announced
// it, and only a full tag list can say a tag is gone.
func (k *worker) checkTags(ctx context.Context, tags map[string]bool) error {
	view := k.current()
	view.OnVanished = VanishedKeep
	var errs []error
	seen := map[string]string{}
	for t := range tags {
		if !view.Pattern.MatchString(t) {
			continue
		}
		d, err := k.w.o.Source.Digest(ctx, view.Image, t, view.Auth)
		if err != nil {
			if StatusCode(err) == http.StatusNotFound {
				err = fmt.Errorf("pushed tag %q not found: %w", t, err)
			}
			errs = append(errs, err)
			continue
		}
		seen[t] = d
	}
	if len(seen) == 0 {
		return errors.Join(errs...)
	}
	all, err := k.w.o.Apps.Instances(ctx, view.ID)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("instances of app %d: %w", view.ID, err))...)
	}
	var instances []InstanceView
	for _, in := range all {
		if _, ok := seen[in.Tag]; ok {
			instances = append(instances, in)
		}
	}
	deferred, err := k.apply(ctx, view, Decide(view, seen, instances))
	for _, t := range deferred {
		k.trigger(t)
	}
	return errors.Join(append(errs, err)...)
}

// ErrTemporary marks a Deployer's error that says nothing about the image
// (the Docker Engine did not answer, say): the action is tried again at
// the next check instead of being remembered as failed.
var ErrTemporary = errors.New("temporary")

// apply hands the actions to the deployer one at a time. An action that
// failed before at the same digest is not tried again; its error is shown
// again so the app keeps saying why nothing happens. Deploys beyond
// MaxDeploysPerCheck are not run: their tags are returned.
func (k *worker) apply(ctx context.Context, view AppView, actions []Action) (deferred []string, _ error) {
	var errs []error
	deploys := 0
	for _, a := range actions {
		key := actionKey(a)
		if f, ok := k.failed[key]; ok && f.digest == a.Digest {
			errs = append(errs, fmt.Errorf("%s: not retried until a new digest is pushed: %w", a, f.err))
			continue
		}
		if a.Kind == Deploy {
			if deploys >= k.w.o.MaxDeploysPerCheck {
				k.w.log.Info("deploy deferred to the next check", "app", view.ID, "tag", a.Tag)
				deferred = append(deferred, a.Tag)
				continue
			}
			deploys++
		}
		var err error
		switch a.Kind {
		case Deploy:
			err = k.w.o.Deployer.Deploy(ctx, view.ID, a.Tag, a.Digest)
		case Redeploy:
			err = k.w.o.Deployer.Redeploy(ctx, a.Instance, a.Digest)
		case Remove:
			err = k.w.o.Deployer.Remove(ctx, a.Instance)
		}
		if ctx.Err() != nil {
			return nil, errors.Join(append(errs, ctx.Err())...)
		}
		if err != nil {
			if a.Kind != Remove && !errors.Is(err, ErrTemporary) { // removing again is harmless: retry it
				k.failed[key] = failure{digest: a.Digest, err: err}
			}
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
			continue
		}
		k.w.log.Info("registry change applied", "app", view.ID, "action", a.String())
		delete(k.failed, key)
	}
	return deferred, errors.Join(errs...)
}

// forget drops remembered failures of instances that no longer exist, and
// of tags that have an instance now.
func (k *worker) forget(instances []InstanceView) {
	live := map[int64]bool{}
	tags := map[string]bool{}
	for _, in := range instances {
		live[in.ID] = true
		tags[in.Tag] = true
	}
	for key := range k.failed {
		if (key.instance != 0 && !live[key.instance]) || (key.instance == 0 && tags[key.tag]) {
			delete(k.failed, key)
		}
	}
}
