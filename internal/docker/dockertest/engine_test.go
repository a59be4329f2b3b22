package dockertest_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
)

// A private engine publishes ports on 127.0.0.1 like the shared one, and a
// restart brings back a container with a restart policy at the same host
// port, while its event stream ends (as a real dockerd restart does).
func TestPrivateEngineRestart(t *testing.T) {
	eng := dockertest.StartEngine(t)
	t.Setenv("DOCKER_HOST", eng.Host)
	cli := dockertest.Client(t)
	ref, _ := dockertest.Image(t, dockertest.ImageOptions{Tag: "v1", Version: "private"})
	pull(t, cli, ref)
	ctx := t.Context()
	port := network.MustParsePort("8080/tcp")
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: ref},
		HostConfig: &container.HostConfig{
			PortBindings:  network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1")}}},
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	addr := dockertest.HostPort(t, cli, res.ID, "8080/tcp")
	if a := waitAnswer(t, addr, 30*time.Second); a.Version != "private" {
		t.Fatalf("answer %+v", a)
	}

	events := cli.Events(ctx, client.EventsListOptions{})
	eng.Restart(t)
	timeout := time.After(10 * time.Second)
	for ended := false; !ended; {
		select {
		case <-events.Messages: // the container's kill and die
		case err := <-events.Err:
			if err == nil {
				t.Fatal("the event stream ended without an error")
			}
			ended = true
		case <-timeout:
			t.Fatal("the event stream did not end with the restart")
		}
	}
	if got := dockertest.HostPort(t, cli, res.ID, "8080/tcp"); got != addr {
		t.Fatalf("host port %s after the restart, was %s", got, addr)
	}
	if a := waitAnswer(t, addr, 30*time.Second); a.Version != "private" {
		t.Fatalf("answer after the restart %+v", a)
	}
	ins, err := cli.ContainerInspect(context.Background(), res.ID, client.ContainerInspectOptions{})
	if err != nil || !ins.Container.State.Running {
		t.Fatalf("after the restart: %v %+v", err, ins.Container.State)
	}
}
