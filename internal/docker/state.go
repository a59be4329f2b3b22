package docker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	dockerevents "github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// removedByHand is the error of an instance whose container was removed
// outside Docker Watcher; Start deploys it anew.
const removedByHand = "the container was removed outside Docker Watcher; start or redeploy the instance to run it again"

// interrupted is a deploy that Docker Watcher's own restart cut short.
const interrupted = "the deploy was interrupted by a restart of Docker Watcher"

// EngineUp reports whether the engine answered last time it was asked.
func (d *Deployer) EngineUp() bool { return d.up.Load() }

// Reconcile brings the instances' rows in line with this installation's
// containers: a running container's instance is running, a stopped one's
// stopped, an instance whose container is gone stopped with the reason; a
// deploy cut short by our own restart failed. Containers of ours that no
// instance holds (left by a cut deploy) are removed. Instances busy with
// an action are left to it.
func (d *Deployer) Reconcile(ctx context.Context) error {
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", LabelInstallation+"="+d.o.Installation)})
	if err != nil {
		d.up.Store(false)
		return fmt.Errorf("%w: list containers: %v", ErrEngineDown, err)
	}
	d.up.Store(true)
	instances, err := d.o.Store.Instances(ctx)
	if err != nil {
		return err
	}
	held := map[string]bool{}
	running := map[string]bool{}
	exists := map[string]bool{}
	for _, c := range list.Items {
		exists[c.ID] = true
		running[c.ID] = c.State == "running" || c.State == "restarting"
	}
	for _, inst := range instances {
		held[inst.ContainerID] = true
		unlock, ok := d.tryLock(inst.ID)
		if !ok {
			continue
		}
		next := inst
		switch {
		case inst.Status == model.StatusDeploying && !d.deploying(inst.ID):
			next.Status, next.LastError = model.StatusFailed, interrupted
			if inst.ContainerID != "" && exists[inst.ContainerID] && running[inst.ContainerID] {
				next.Status, next.LastError = model.StatusRunning, "" // a redeploy cut short: the old one serves
			}
		case inst.ContainerID == "":
		case !exists[inst.ContainerID]:
			next.Status, next.ContainerID, next.LastError = model.StatusStopped, "", removedByHand
		case running[inst.ContainerID] && inst.Status != model.StatusRunning:
			next.Status, next.LastError = model.StatusRunning, ""
		case !running[inst.ContainerID] && inst.Status == model.StatusRunning:
			next.Status = model.StatusStopped
		}
		if next != inst {
			if err := d.o.Store.UpdateInstance(ctx, next); err != nil {
				unlock()
				return err
			}
			d.changed(inst.ID)
		}
		unlock()
	}
	for _, c := range list.Items {
		id, _ := strconv.ParseInt(c.Labels[LabelInstance], 10, 64)
		if held[c.ID] || d.deploying(id) {
			continue
		}
		d.log.Info("removing a container of ours that no instance holds", slog.String("container", short(c.ID)))
		d.removeContainer(c.ID)
	}
	return nil
}

// Watch follows the engine's events for our containers until ctx ends,
// saving and publishing each change of an instance once. After a break
// (the stream ends when dockerd restarts) it reconciles and subscribes
// again from where it left off.
func (d *Deployer) Watch(ctx context.Context) error {
	backoff := 500 * time.Millisecond
	since := ""
	for ctx.Err() == nil {
		if err := d.Reconcile(ctx); err != nil {
			d.log.Warn("Docker Engine", slog.Any("err", err))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = 500 * time.Millisecond
		if since == "" {
			since = strconv.FormatInt(time.Now().Unix(), 10)
		}
		since = d.follow(ctx, since)
	}
	return nil
}

// follow reads events from since until the stream breaks; it returns
// where to go on from.
func (d *Deployer) follow(ctx context.Context, since string) string {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := d.cli.Events(sctx, client.EventsListOptions{Since: since,
		Filters: client.Filters{}.Add("type", "container").Add("label", LabelInstallation+"="+d.o.Installation)})
	for {
		select {
		case <-ctx.Done():
			return since
		case err := <-res.Err:
			d.up.Store(false)
			d.log.Warn("the Docker Engine's event stream ended; following it again", slog.Any("err", err))
			return since
		case m := <-res.Messages:
			if m.TimeNano > 0 {
				since = fmt.Sprintf("%d.%09d", m.TimeNano/1e9, m.TimeNano%1e9)
			}
			d.handle(ctx, m)
		}
	}
}

// handle applies one event of one of our containers to its instance. An
// event of a container the instance does not hold (one being deployed or
// replaced) changes nothing, nor does one while an action runs on it.
func (d *Deployer) handle(ctx context.Context, m dockerevents.Message) {
	id, err := strconv.ParseInt(m.Actor.Attributes[LabelInstance], 10, 64)
	if err != nil {
		return
	}
	unlock, ok := d.tryLock(id)
	if !ok {
		return
	}
	defer unlock()
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil || inst.ContainerID != m.Actor.ID {
		return
	}
	next := inst
	switch m.Action {
	case dockerevents.ActionStart:
		next.Status, next.LastError = model.StatusRunning, ""
		if res, err := d.cli.ContainerInspect(ctx, inst.ContainerID, client.ContainerInspectOptions{}); err == nil {
			if app, err := d.o.Store.App(ctx, inst.AppID); err == nil {
				if p, err := hostPort(res.Container, app.ContainerPort); err == nil {
					next.HostPort = p
				}
			}
		}
	case dockerevents.ActionDie, dockerevents.ActionStop, dockerevents.ActionKill:
		if inst.Status == model.StatusRunning {
			next.Status = model.StatusStopped
			if code := m.Actor.Attributes["exitCode"]; code != "" && code != "0" && m.Action == dockerevents.ActionDie {
				next.LastError = "the container exited with code " + code
			}
		}
	case dockerevents.ActionDestroy:
		next.Status, next.ContainerID, next.LastError = model.StatusStopped, "", removedByHand
	case dockerevents.ActionHealthStatusUnhealthy:
		next.LastError = "the container's health check fails"
	case dockerevents.ActionHealthStatusHealthy:
		if inst.LastError == "the container's health check fails" {
			next.LastError = ""
		}
	}
	if next == inst {
		return
	}
	if err := d.o.Store.UpdateInstance(ctx, next); err != nil {
		d.log.Error("save an instance's state", slog.Int64("instance", id), slog.Any("err", err))
		return
	}
	d.changed(id)
}
