package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// healthPoll is how often a starting container is looked at.
const healthPoll = 100 * time.Millisecond

// errExited is a container that stopped while it should have come up.
var errExited = errors.New("the container exited")

// check is one way of telling that a container serves.
type check struct {
	app    model.App
	target string // host:port of the published port, as this host reaches it
	host   string // the Host of an HTTP check
}

// waitHealthy waits until the container id serves, until ctx ends: the
// image's HEALTHCHECK when it has one, else the app's health path over
// HTTP, else a TCP connection that the server keeps open (Docker's proxy
// for a published port accepts before anything listens inside, and then
// closes: a bare connect proves nothing).
func waitHealthy(ctx context.Context, cli *client.Client, id string, c check) error {
	var last error
	tick := time.NewTicker(healthPoll)
	defer tick.Stop()
	for {
		res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil && ctx.Err() != nil {
			return timedOut(ctx, last)
		}
		if err != nil {
			return fmt.Errorf("inspect container %s: %w", short(id), err)
		}
		ins := res.Container
		if ins.State == nil || !ins.State.Running && !ins.State.Restarting {
			code := 0
			if ins.State != nil {
				code = ins.State.ExitCode
			}
			return fmt.Errorf("%w with code %d", errExited, code)
		}
		if ins.State.Running {
			ok, err := serves(ctx, ins, c)
			if ok {
				return nil
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return timedOut(ctx, last)
		case <-tick.C:
		}
	}
}

// timedOut is the error of a container that did not serve in time, with
// the last check's reason.
func timedOut(ctx context.Context, last error) error {
	if last == nil {
		last = ctx.Err()
	}
	return fmt.Errorf("not healthy in time: %w", last)
}

// serves makes one check of a running container.
func serves(ctx context.Context, ins container.InspectResponse, c check) (bool, error) {
	if hasHealthcheck(ins) {
		h := ins.State.Health
		switch {
		case h == nil:
			return false, errors.New("no health status yet")
		case h.Status == container.Healthy:
			return true, nil
		case h.Status == container.Unhealthy:
			msg := "the image's health check fails"
			if n := len(h.Log); n > 0 && h.Log[n-1] != nil {
				msg += ": " + strings.TrimSpace(h.Log[n-1].Output)
			}
			return false, errors.New(msg)
		}
		return false, errors.New("the image's health check has not passed yet")
	}
	if c.app.HealthPath != "" {
		return httpServes(ctx, c)
	}
	return tcpServes(ctx, c.target)
}

func hasHealthcheck(ins container.InspectResponse) bool {
	if ins.Config == nil || ins.Config.Healthcheck == nil {
		return false
	}
	t := ins.Config.Healthcheck.Test
	return len(t) > 0 && t[0] != "NONE"
}

var healthClient = &http.Client{
	Timeout:       2 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// httpServes asks the health path; 2xx and 3xx count.
func httpServes(ctx context.Context, c check) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.target+c.app.HealthPath, nil)
	if err != nil {
		return false, err
	}
	if c.app.HealthHost != "" {
		req.Host = c.app.HealthHost
	} else if c.host != "" {
		req.Host = c.host
	}
	req.Header.Set("User-Agent", "docker-watcher-health")
	res, err := healthClient.Do(req)
	if err != nil {
		return false, fmt.Errorf("GET %s: %w", c.app.HealthPath, err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode >= 200 && res.StatusCode < 400 {
		return true, nil
	}
	return false, fmt.Errorf("GET %s answered %d", c.app.HealthPath, res.StatusCode)
}

// tcpQuiet is how long a connection must stay open without the server
// closing it to count as served.
const tcpQuiet = 300 * time.Millisecond

// tcpServes connects and waits a moment: a server inside keeps the
// connection open (or greets), Docker's proxy without one closes it.
func tcpServes(ctx context.Context, target string) (bool, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return false, fmt.Errorf("connect to %s: %w", target, err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(tcpQuiet))
	var b [1]byte
	_, err = conn.Read(b[:])
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		return true, nil
	}
	return false, errors.New("the port accepts connections but nothing inside answers yet")
}
