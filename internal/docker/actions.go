package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Redeploy pulls the instance's tag again and replaces its container
// without downtime, in the background.
func (d *Deployer) Redeploy(ctx context.Context, id int64) error {
	return d.startRollout(ctx, id, rolloutRepull)
}

// Rollback runs the image the instance ran before, the same way.
func (d *Deployer) Rollback(ctx context.Context, id int64) error {
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		return err
	}
	if inst.PreviousImageID == "" {
		return &ConflictError{Field: "", Message: "the instance has no earlier image to roll back to"}
	}
	return d.startRollout(ctx, id, rolloutPrevious)
}

func (d *Deployer) startRollout(ctx context.Context, id int64, kind rolloutKind) error {
	if _, err := d.o.Store.Instance(ctx, id); err != nil {
		return err
	}
	if err := d.Ping(ctx); err != nil {
		return err
	}
	// The rollout's first step is shown before the 202: until then the
	// progress would still be the last rollout's "done".
	first := StepPulling
	if kind == rolloutPrevious {
		first = StepCreating
	}
	d.step(id, Progress{Step: first})
	d.background(id, func(ctx context.Context) error { return d.rollout(ctx, id, kind) })
	return nil
}

// Stop stops the instance's container; its route answers 503 and its
// record stays for the grace period.
func (d *Deployer) Stop(ctx context.Context, id int64) error {
	return d.act(ctx, id, func(inst *model.Instance) error {
		if inst.ContainerID != "" {
			if _, err := d.cli.ContainerStop(ctx, inst.ContainerID, client.ContainerStopOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("stop the container: %w", err)
			}
		}
		inst.Status, inst.LastError = model.StatusStopped, ""
		return nil
	})
}

// Start starts a stopped instance's container again and waits until it
// serves; an instance without a container (removed by hand, or a failed
// deploy) is deployed anew.
func (d *Deployer) Start(ctx context.Context, id int64) error {
	return d.restart(ctx, id, false)
}

// Restart restarts the instance's container and waits until it serves.
func (d *Deployer) Restart(ctx context.Context, id int64) error {
	return d.restart(ctx, id, true)
}

func (d *Deployer) restart(ctx context.Context, id int64, restart bool) error {
	inst, unlock, err := d.locked(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if inst.ContainerID == "" || !d.exists(ctx, inst.ContainerID) {
		inst.ContainerID, inst.Status = "", model.StatusDeploying
		if err := d.o.Store.UpdateInstance(ctx, inst); err != nil {
			return err
		}
		d.changed(id)
		return d.rollout(ctx, id, rolloutPull)
	}
	app, st, err := d.appAndSettings(ctx, inst)
	if err != nil {
		return err
	}
	// Until it serves again the route answers 503 (the port may change).
	inst.Status = model.StatusDeploying
	if err := d.o.Store.UpdateInstance(ctx, inst); err != nil {
		return err
	}
	d.changed(id)
	if restart {
		_, err = d.cli.ContainerRestart(ctx, inst.ContainerID, client.ContainerRestartOptions{})
	} else {
		_, err = d.cli.ContainerStart(ctx, inst.ContainerID, client.ContainerStartOptions{})
	}
	if err == nil {
		err = d.serveAgain(ctx, &inst, app, st)
	} else {
		err = fmt.Errorf("start the container: %w", err)
	}
	if err != nil {
		// Nothing half-up stays running: the instance is failed, stopped.
		inst.Status, inst.LastError = model.StatusFailed, err.Error()+d.logTail(inst.ContainerID)
		d.cli.ContainerStop(context.WithoutCancel(ctx), inst.ContainerID, client.ContainerStopOptions{})
	} else {
		inst.Status, inst.LastError = model.StatusRunning, ""
	}
	if werr := d.o.Store.UpdateInstance(ctx, inst); werr != nil {
		return errors.Join(err, werr)
	}
	d.changed(id)
	return err
}

// serveAgain waits until a started container serves, noting its port (a
// restart may publish on another one).
func (d *Deployer) serveAgain(ctx context.Context, inst *model.Instance, app model.App, st model.Settings) error {
	res, err := d.cli.ContainerInspect(ctx, inst.ContainerID, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	port, err := hostPort(res.Container, app.ContainerPort)
	if err != nil {
		return err
	}
	inst.HostPort = port
	hctx, cancel := context.WithTimeout(ctx, st.DeployTimeout())
	defer cancel()
	return waitHealthy(hctx, d.cli, inst.ContainerID, check{app: app, target: net.JoinHostPort(st.PublishTarget(), strconv.Itoa(port)), host: inst.FQDN(st.Domain)})
}

// Remove removes the instance's container and the instance; its route
// and DNS record go with it.
func (d *Deployer) Remove(ctx context.Context, id int64) error {
	unlock := d.lock(id)
	defer unlock()
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		return err
	}
	if inst.ContainerID != "" {
		if err := d.Ping(ctx); err != nil {
			return err
		}
		grace := 10
		if _, err := d.cli.ContainerStop(ctx, inst.ContainerID, client.ContainerStopOptions{Timeout: &grace}); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("stop the container: %w", err)
		}
		if _, err := d.cli.ContainerRemove(ctx, inst.ContainerID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("remove the container: %w", err)
		}
	}
	if err := d.o.Store.DeleteInstance(ctx, id); err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.progress, id)
	d.mu.Unlock()
	d.changed(id)
	return nil
}

// Logs streams the container's output (stdout and stderr interleaved,
// demultiplexed by the caller with stdcopy): the last tail lines
// ("all" or a number), and what follows when follow is set.
func (d *Deployer) Logs(ctx context.Context, id int64, tail string, follow bool) (io.ReadCloser, error) {
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	if inst.ContainerID == "" {
		return nil, &ConflictError{Message: "the instance has no container"}
	}
	if err := d.Ping(ctx); err != nil {
		return nil, err
	}
	return d.cli.ContainerLogs(ctx, inst.ContainerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: tail, Follow: follow})
}

// locked checks the engine, takes the instance's lock and reads it; the
// caller unlocks.
func (d *Deployer) locked(ctx context.Context, id int64) (model.Instance, func(), error) {
	if err := d.Ping(ctx); err != nil {
		return model.Instance{}, nil, err
	}
	unlock := d.lock(id)
	inst, err := d.o.Store.Instance(ctx, id)
	if err != nil {
		unlock()
		return inst, nil, err
	}
	return inst, unlock, nil
}

// act changes an instance under its lock and saves and publishes it.
func (d *Deployer) act(ctx context.Context, id int64, change func(*model.Instance) error) error {
	inst, unlock, err := d.locked(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if err := change(&inst); err != nil {
		return err
	}
	if err := d.o.Store.UpdateInstance(ctx, inst); err != nil {
		return err
	}
	d.changed(id)
	return nil
}

func (d *Deployer) exists(ctx context.Context, containerID string) bool {
	_, err := d.cli.ContainerInspect(ctx, containerID, client.ContainerInspectOptions{})
	return err == nil
}
