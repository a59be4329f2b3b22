package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// ErrEngineDown is a Docker Engine that does not answer; the API says 502.
var ErrEngineDown = errors.New("the Docker Engine cannot be reached")

// ConflictError is a request that clashes with what exists (a subdomain
// taken); the API answers 409 naming Field.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// Publisher is told what the deployer saved.
type Publisher interface{ Publish(events.Event) }

// Options configure a Deployer.
type Options struct {
	Client       *client.Client
	Store        *store.Store
	Events       Publisher
	Log          *slog.Logger
	Installation string // settings' installation id: the label of our containers
	// Drain waits until no request to target (host:port) is in flight at
	// the router, or ctx ends; nil: nothing to wait for.
	Drain func(ctx context.Context, target string) error
}

// Deployer runs instances as containers. Its methods are safe for
// concurrent use; the actions on one instance run one at a time.
type Deployer struct {
	o   Options
	cli *client.Client
	log *slog.Logger

	ctx    context.Context // ends at Close: background deploys stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	up atomic.Bool // the engine answered last time

	mu       sync.Mutex
	locks    map[int64]*sync.Mutex
	progress map[int64]Progress
	active   map[int64]int // background rollouts, queued or running, by instance
}

// Progress is the step a deploy of an instance is at, for the UI.
type Progress struct {
	Step    string `json:"step"` // pulling, creating, starting, waiting_for_health, routing, draining, done, failed
	Current int64  `json:"current,omitempty"`
	Total   int64  `json:"total,omitempty"` // bytes pulled, of the layers known so far
	// Pulled: this rollout pulled its image (the steps after pulling say
	// so, however short the pull was); false when the engine had it.
	Pulled bool `json:"pulled,omitempty"`
}

// Deploy steps.
const (
	StepPulling  = "pulling"
	StepCreating = "creating"
	StepStarting = "starting"
	StepHealth   = "waiting_for_health"
	StepRouting  = "routing"
	StepDraining = "draining"
	StepDone     = "done"
	StepFailed   = "failed"
)

// New returns a deployer; Close stops its background work.
func New(o Options) *Deployer {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Deployer{o: o, cli: o.Client, log: o.Log, ctx: ctx, cancel: cancel,
		locks: map[int64]*sync.Mutex{}, progress: map[int64]Progress{}, active: map[int64]int{}}
}

// Close ends the deploys in progress and waits for them.
func (d *Deployer) Close() {
	d.cancel()
	d.wg.Wait()
}

// Progress reports the last step of the instance's deploy.
func (d *Deployer) Progress(id int64) (Progress, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.progress[id]
	return p, ok
}

func (d *Deployer) step(id int64, p Progress) {
	d.mu.Lock()
	d.progress[id] = nextProgress(d.progress[id], p)
	d.mu.Unlock()
	d.o.Events.Publish(events.Event{Kind: events.InstanceProgress, Subject: model.KindInstance, ID: id})
}

// nextProgress is the progress after step p, which follows prev: the
// steps after a pull carry Pulled until the rollout ends (done or failed:
// the next step begins another rollout).
func nextProgress(prev, p Progress) Progress {
	sameRollout := prev.Step != "" && prev.Step != StepDone && prev.Step != StepFailed
	if p.Step != StepPulling && sameRollout && (prev.Step == StepPulling || prev.Pulled) {
		p.Pulled = true
	}
	return p
}

// lock serialises the actions on one instance.
func (d *Deployer) lock(id int64) func() {
	l := d.instanceLock(id)
	l.Lock()
	return l.Unlock
}

// tryLock is lock when no action runs on the instance.
func (d *Deployer) tryLock(id int64) (func(), bool) {
	l := d.instanceLock(id)
	if !l.TryLock() {
		return nil, false
	}
	return l.Unlock, true
}

func (d *Deployer) instanceLock(id int64) *sync.Mutex {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		d.locks[id] = l
	}
	return l
}

// deploying reports whether a rollout of the instance is queued or runs.
func (d *Deployer) deploying(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.active[id] > 0
}

// Ping reports whether the engine answers.
func (d *Deployer) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := d.cli.Ping(ctx, client.PingOptions{}); err != nil {
		d.up.Store(false)
		return fmt.Errorf("%w: %v", ErrEngineDown, err)
	}
	d.up.Store(true)
	return nil
}

func (d *Deployer) changed(id int64) {
	d.o.Events.Publish(events.Event{Kind: events.ConsumersChanged, Subject: model.KindInstance, ID: id})
}

// Deploy creates an instance of a tag of an app, in status deploying, and
// deploys it in the background; the answer does not wait for it. An empty
// subdomain becomes "<app>-<tag>" as a DNS label, with a number added
// when taken.
func (d *Deployer) Deploy(ctx context.Context, appID int64, tag, subdomain string) (model.Instance, error) {
	return d.deploy(ctx, appID, tag, subdomain, false)
}

// DeployAndWait is Deploy with the default subdomain, returning once the
// instance serves or its deploy failed (the registry watcher's way).
func (d *Deployer) DeployAndWait(ctx context.Context, appID int64, tag string) error {
	_, err := d.deploy(ctx, appID, tag, "", true)
	return err
}

// RedeployAndWait is Redeploy, returning once it is done.
func (d *Deployer) RedeployAndWait(ctx context.Context, id int64) error {
	if err := d.Ping(ctx); err != nil {
		return err
	}
	return d.foreground(id, func() error { return d.rollout(ctx, id, rolloutRepull) })
}

func (d *Deployer) deploy(ctx context.Context, appID int64, tag, subdomain string, wait bool) (model.Instance, error) {
	app, err := d.o.Store.App(ctx, appID)
	if err != nil {
		return model.Instance{}, err
	}
	if !validTag(tag) {
		return model.Instance{}, &model.FieldError{Field: "tag", Message: fmt.Sprintf("tag %q is not a valid image tag", tag)}
	}
	if re, err := app.TagRegexp(); err == nil && !re.MatchString(tag) {
		return model.Instance{}, &model.FieldError{Field: "tag", Message: fmt.Sprintf("tag %q does not match the app's tag_pattern %q", tag, app.TagPattern)}
	}
	st, err := d.o.Store.Settings(ctx)
	if err != nil {
		return model.Instance{}, err
	}
	name, err := d.subdomain(ctx, app, tag, subdomain, st)
	if err != nil {
		return model.Instance{}, err
	}
	if err := d.Ping(ctx); err != nil { // the input's faults first, then the engine's
		return model.Instance{}, err
	}
	inst := model.Instance{AppID: app.ID, Tag: tag, Subdomain: name, Status: model.StatusDeploying}
	if err := d.o.Store.CreateInstance(ctx, &inst); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return model.Instance{}, &ConflictError{Field: "subdomain", Message: fmt.Sprintf("the subdomain %s is taken", name)}
		}
		return model.Instance{}, err
	}
	d.changed(inst.ID)
	if wait {
		return inst, d.foreground(inst.ID, func() error { return d.rollout(ctx, inst.ID, rolloutPull) })
	}
	d.background(inst.ID, func(ctx context.Context) error { return d.rollout(ctx, inst.ID, rolloutPull) })
	return inst, nil
}

// validTag is Docker's tag syntax.
func validTag(tag string) bool {
	_, err := reference.WithTag(mustRepo, tag)
	return err == nil
}

var mustRepo, _ = reference.ParseNormalizedNamed("docker-watcher/check")

// subdomain validates a given subdomain, or makes the default one.
func (d *Deployer) subdomain(ctx context.Context, app model.App, tag, given string, st model.Settings) (string, error) {
	instances, err := d.o.Store.Instances(ctx)
	if err != nil {
		return "", err
	}
	proxies, err := d.o.Store.Proxies(ctx)
	if err != nil {
		return "", err
	}
	takenBy := func(label string) string {
		for _, in := range instances {
			if in.Subdomain == label {
				return fmt.Sprintf("the subdomain %s is the instance %d's", label, in.ID)
			}
		}
		fqdn := label + "." + st.Domain
		for _, p := range proxies {
			if st.Domain != "" && p.Domain == fqdn {
				return fmt.Sprintf("%s is the domain of the standalone proxy %d", fqdn, p.ID)
			}
		}
		if st.Domain != "" && fqdn == st.UIDomain {
			return fmt.Sprintf("%s is the name the UI is served at (ui_domain in the settings)", fqdn)
		}
		return ""
	}
	if given == "" {
		return dnsname.UniqueLabel(app.Name+"-"+tag, func(l string) bool { return takenBy(l) != "" }), nil
	}
	given = strings.ToLower(strings.TrimSpace(given))
	if err := dnsname.CheckLabel(given); err != nil {
		return "", &model.FieldError{Field: "subdomain", Message: "subdomain must be a DNS label (a-z, 0-9, -, at most 63): it " + err.Error()}
	}
	if msg := takenBy(given); msg != "" {
		return "", &ConflictError{Field: "subdomain", Message: msg}
	}
	return given, nil
}

// background runs a rollout of an instance under its lock, until Close.
func (d *Deployer) background(id int64, fn func(context.Context) error) {
	d.markActive(id, 1)
	d.wg.Go(func() {
		defer d.markActive(id, -1)
		unlock := d.lock(id)
		defer unlock()
		if err := fn(d.ctx); err != nil {
			d.log.Warn("deploy", slog.Int64("instance", id), slog.Any("err", err))
		}
	})
}

// foreground runs a rollout of an instance under its lock in the
// caller's goroutine.
func (d *Deployer) foreground(id int64, fn func() error) error {
	d.markActive(id, 1)
	defer d.markActive(id, -1)
	unlock := d.lock(id)
	defer unlock()
	return fn()
}

func (d *Deployer) markActive(id int64, n int) {
	d.mu.Lock()
	d.active[id] += n
	d.mu.Unlock()
}

// How a rollout gets its image.
type rolloutKind int

const (
	rolloutPull     rolloutKind = iota // the tag, pulled when absent (a first deploy)
	rolloutRepull                      // the tag, pulled again (a redeploy: maybe a new digest)
	rolloutPrevious                    // the image the instance ran before (a rollback)
)

// rollout starts a new container for the instance, waits until it is
// healthy, routes it, then drains and removes the container it replaces.
// A failure removes the new container; the old one, if any, keeps
// serving, with the error on the instance.
func (d *Deployer) rollout(ctx context.Context, id int64, kind rolloutKind) error {
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		return err
	}
	app, st, err := d.appAndSettings(ctx, inst)
	if err != nil {
		return err
	}
	var digest string // of the image tried, once known
	fail := func(newID string, err error) error {
		if newID != "" {
			err = fmt.Errorf("%w%s", err, d.logTail(newID))
			d.removeContainer(newID)
		}
		d.step(id, Progress{Step: StepFailed})
		cur, rerr := d.o.Store.Instance(context.WithoutCancel(ctx), id)
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		cur.LastError, cur.FailedDigest = err.Error(), digest
		if cur.ContainerID == "" || cur.Status != model.StatusRunning {
			cur.Status = model.StatusFailed // nothing else serves
		}
		if werr := d.o.Store.UpdateInstance(context.WithoutCancel(ctx), cur); werr != nil {
			return errors.Join(err, werr)
		}
		d.changed(id)
		return err
	}

	var imageID string
	switch kind {
	case rolloutPrevious:
		if inst.PreviousImageID == "" {
			return fail("", errors.New("no earlier image to roll back to"))
		}
		imageID, digest = inst.PreviousImageID, inst.PreviousDigest
	default:
		imageID, digest, err = d.image(ctx, id, app, inst.Tag, kind == rolloutRepull)
		if err != nil {
			return fail("", err)
		}
	}

	d.step(id, Progress{Step: StepCreating})
	sp, err := containerSpec(app, inst, st, imageID, d.o.Installation, time.Now())
	if err != nil {
		return fail("", err)
	}
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: sp.Name, Config: sp.Config, HostConfig: sp.HostConfig})
	if err != nil {
		return fail("", fmt.Errorf("create the container: %w", err))
	}
	newID := created.ID
	d.step(id, Progress{Step: StepStarting})
	if _, err := d.cli.ContainerStart(ctx, newID, client.ContainerStartOptions{}); err != nil {
		return fail(newID, fmt.Errorf("start the container: %w", err))
	}
	res, err := d.cli.ContainerInspect(ctx, newID, client.ContainerInspectOptions{})
	if err != nil {
		return fail(newID, fmt.Errorf("inspect the container: %w", err))
	}
	port, err := hostPort(res.Container, app.ContainerPort)
	if err != nil {
		return fail(newID, err)
	}
	d.step(id, Progress{Step: StepHealth})
	hctx, cancel := context.WithTimeout(ctx, st.DeployTimeout())
	err = waitHealthy(hctx, d.cli, newID, check{app: app, target: net.JoinHostPort(st.PublishTarget(), strconv.Itoa(port)), host: inst.FQDN(st.Domain)})
	cancel()
	if err != nil {
		return fail(newID, err)
	}

	d.step(id, Progress{Step: StepRouting})
	cur, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		d.removeContainer(newID)
		return err
	}
	old, oldPort := cur.ContainerID, cur.HostPort
	next := cur
	next.Status, next.LastError, next.ContainerID, next.HostPort, next.FailedDigest = model.StatusRunning, "", newID, port, ""
	if imageID != cur.ImageID { // the replaced image is the one to roll back to now
		next.PreviousDigest, next.PreviousImageID = cur.Digest, cur.ImageID
		next.Digest, next.ImageID = digest, imageID
		if kind == rolloutPrevious && cur.Digest != digest {
			// The user turned that digest down: the watcher must not
			// bring it back at its next check; a new push will.
			next.FailedDigest = cur.Digest
		}
	}
	if err := d.o.Store.UpdateInstance(ctx, next); err != nil {
		d.removeContainer(newID)
		return err
	}
	d.changed(id) // the built-in proxy switches the route here, at once

	if old != "" && old != newID {
		d.step(id, Progress{Step: StepDraining})
		d.drain(ctx, old, net.JoinHostPort(st.PublishTarget(), strconv.Itoa(oldPort)), st.DrainTimeoutSeconds)
		// The image before the previous one goes; the previous one stays
		// for a rollback. One still used (by another instance) stays too.
		if p := cur.PreviousImageID; p != "" && p != next.ImageID && p != next.PreviousImageID {
			d.removeImage(p)
		}
	}
	d.step(id, Progress{Step: StepDone})
	return nil
}

// appAndSettings reads what an instance's container is made from.
func (d *Deployer) appAndSettings(ctx context.Context, inst model.Instance) (model.App, model.Settings, error) {
	app, err := d.o.Store.App(ctx, inst.AppID)
	if err != nil {
		return app, model.Settings{}, err
	}
	st, err := d.o.Store.Settings(ctx)
	return app, st, err
}

// drain lets the requests in flight to the old container finish (up to
// the drain timeout), then stops and removes it.
func (d *Deployer) drain(ctx context.Context, containerID, target string, seconds int) {
	if d.o.Drain != nil && seconds > 0 {
		dctx, cancel := context.WithTimeout(ctx, time.Duration(seconds)*time.Second)
		if err := d.o.Drain(dctx, target); err != nil {
			d.log.Warn("requests to the replaced container still in flight at the drain timeout", slog.String("container", short(containerID)))
		}
		cancel()
	}
	d.stopAndRemove(containerID, 10)
}

// image makes sure the tag's image is there (pulled when absent, or
// always when repull) and returns its id and repository digest.
func (d *Deployer) image(ctx context.Context, id int64, app model.App, tag string, repull bool) (imageID, digest string, err error) {
	ref := app.Image + ":" + tag
	if !repull {
		if ins, err := d.cli.ImageInspect(ctx, ref); err == nil {
			return ins.ID, repoDigest(ins.RepoDigests, app.Image), nil
		} else if !cerrdefs.IsNotFound(err) {
			return "", "", fmt.Errorf("inspect the image %s: %w", ref, err)
		}
	}
	d.step(id, Progress{Step: StepPulling})
	if err := d.pull(ctx, id, app, ref); err != nil {
		return "", "", err
	}
	ins, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", "", fmt.Errorf("inspect the pulled image %s: %w", ref, err)
	}
	return ins.ID, repoDigest(ins.RepoDigests, app.Image), nil
}

// pull pulls ref with the app's credentials, reading the stream to its
// end: a pull's errors arrive inside it.
func (d *Deployer) pull(ctx context.Context, id int64, app model.App, ref string) error {
	var opts client.ImagePullOptions
	ac, err := pullAuth(app)
	if err != nil {
		return fmt.Errorf("pull %s: credentials: %w", ref, err)
	}
	if ac != (registry.AuthConfig{}) {
		if opts.RegistryAuth, err = authconfig.Encode(ac); err != nil {
			return err
		}
	}
	resp, err := d.cli.ImagePull(ctx, ref, opts)
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	defer resp.Close()
	layers := map[string][2]int64{}
	last := time.Time{}
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return fmt.Errorf("pull %s: %w", ref, err)
		}
		if msg.Error != nil {
			return fmt.Errorf("pull %s: %s", ref, msg.Error.Message)
		}
		if msg.Progress != nil && msg.ID != "" && msg.Progress.Total > 0 {
			layers[msg.ID] = [2]int64{msg.Progress.Current, msg.Progress.Total}
		}
		if time.Since(last) > 250*time.Millisecond {
			var p Progress
			p.Step = StepPulling
			for _, l := range layers {
				p.Current += l[0]
				p.Total += l[1]
			}
			d.step(id, p)
			last = time.Now()
		}
	}
	return nil
}

// pullAuth is the app's registry credentials, or else those of Docker's
// own config file (~/.docker/config.json and its credential helpers, as
// the registry watcher uses): the engine does not read that file itself.
func pullAuth(app model.App) (registry.AuthConfig, error) {
	named, err := reference.ParseNormalizedNamed(app.Image)
	if err != nil {
		return registry.AuthConfig{}, err
	}
	server := reference.Domain(named)
	if app.RegistryUsername != "" || app.RegistryPassword != "" {
		return registry.AuthConfig{Username: app.RegistryUsername, Password: app.RegistryPassword, ServerAddress: server}, nil
	}
	reg, err := name.NewRegistry(server)
	if err != nil {
		return registry.AuthConfig{}, err
	}
	a, err := authn.DefaultKeychain.Resolve(reg)
	if err != nil {
		return registry.AuthConfig{}, err
	}
	c, err := a.Authorization()
	if err != nil || c == nil || *c == (authn.AuthConfig{}) {
		return registry.AuthConfig{}, err
	}
	return registry.AuthConfig{Username: c.Username, Password: c.Password, Auth: c.Auth, IdentityToken: c.IdentityToken,
		RegistryToken: c.RegistryToken, ServerAddress: server}, nil
}

// repoDigest is the digest of repo among an image's repository digests.
func repoDigest(digests []string, repo string) string {
	for _, rd := range digests {
		if name, dg, ok := strings.Cut(rd, "@"); ok && name == repo {
			return dg
		}
	}
	for _, rd := range digests { // the engine may name the repository in its short form
		if _, dg, ok := strings.Cut(rd, "@"); ok {
			return dg
		}
	}
	return ""
}

// logTail is the last lines the container wrote, for an error.
func (d *Deployer) logTail(containerID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc, err := d.cli.ContainerLogs(ctx, containerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "20"})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	stdcopy.StdCopy(&out, &out, io.LimitReader(rc, 64<<10))
	if s := strings.TrimSpace(out.String()); s != "" {
		return "; last log lines:\n" + s
	}
	return ""
}

// stopAndRemove stops a container gracefully (SIGTERM, then SIGKILL after
// grace seconds) and removes it.
func (d *Deployer) stopAndRemove(id string, grace int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(grace+30)*time.Second)
	defer cancel()
	if _, err := d.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &grace}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Warn("stop a container", slog.String("container", short(id)), slog.Any("err", err))
	}
	d.removeContainer(id)
}

// removeContainer removes one of our containers at once, whatever the
// context of the caller (a failed deploy still cleans up).
func (d *Deployer) removeContainer(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := d.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Warn("remove a container", slog.String("container", short(id)), slog.Any("err", err))
	}
}

func (d *Deployer) removeImage(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := d.cli.ImageRemove(ctx, id, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Info("an old image is still in use and stays", slog.String("image", short(id)), slog.Any("err", err))
	}
}
