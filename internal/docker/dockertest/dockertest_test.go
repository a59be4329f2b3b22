package dockertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
)

// label marks the containers of a test; RemoveLabeled takes away what a
// failed test leaves. One value per test and process: the tests run in
// parallel, and two runs may share one engine.
func label(t *testing.T) string { return "docker-watcher.test=" + labelValue(t) }

func labelValue(t *testing.T) string { return fmt.Sprintf("%s-%d", t.Name(), os.Getpid()) }

// run creates and starts a container of ref with its port 8080 published
// on 127.0.0.1 at a host port the engine picks (dockertest.HostPort tells
// which); it returns the container ID. The container is removed when the
// test ends.
func run(t *testing.T, cli *client.Client, ref string) (id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	port := network.MustParsePort("8080/tcp")
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:  ref,
			Labels: map[string]string{"docker-watcher.test": labelValue(t)},
		},
		HostConfig: &container.HostConfig{
			PortBindings: network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1")}}},
		},
	})
	if err != nil {
		t.Fatalf("create %s: %v", ref, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cli.ContainerRemove(ctx, res.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove %.12s: %v", res.ID, err)
		}
	})
	if _, err := cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start %.12s: %v", res.ID, err)
	}
	return res.ID
}

// started pushes a test image, pulls it and runs it (see run).
func started(t *testing.T, opts dockertest.ImageOptions) (*client.Client, string) {
	t.Helper()
	cli := dockertest.Client(t)
	dockertest.RemoveLabeled(t, cli, label(t))
	ref, _ := dockertest.Image(t, opts)
	pull(t, cli, ref)
	return cli, run(t, cli, ref)
}

func pull(t *testing.T, cli *client.Client, ref string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	resp, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if err := resp.Wait(ctx); err != nil { // a pull's errors come inside the stream
		t.Fatalf("pull %s: %v", ref, err)
	}
	t.Logf("pulled %s in %s", ref, time.Since(start).Round(time.Millisecond))
}

// repoDigest is host:port/repo@digest for host:port/repo:tag. The engine
// lists one per registry an image came from: runs sharing an engine push
// the same content to their own registries.
func repoDigest(ref, digest string) string {
	return ref[:strings.LastIndex(ref, ":")] + "@" + digest
}

type answer struct{ Tag, Version, Hostname string }

// get answers GET http://addr/ decoded, or an error.
func get(addr string, timeout time.Duration) (answer, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		return answer{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("GET /: %s", resp.Status)
	}
	var a answer
	err = json.NewDecoder(resp.Body).Decode(&a)
	return a, err
}

// waitAnswer polls GET / until the server answers, within limit.
func waitAnswer(t *testing.T, addr string, limit time.Duration) answer {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		a, err := get(addr, 5*time.Second)
		if err == nil {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET http://%s/ within %s: %v", addr, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func logs(t *testing.T, cli *client.Client, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("logs %.12s: %v", id, err)
	}
	defer func() { _ = rc.Close() }()
	var out, errOut bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errOut, rc); err != nil {
		t.Fatalf("logs %.12s: %v", id, err)
	}
	return out.String() + errOut.String()
}

func TestImagePullRunAnswers(t *testing.T) {
	t.Parallel()
	cli := dockertest.Client(t)
	dockertest.RemoveLabeled(t, cli, label(t))
	t.Logf("engine API version negotiated: %s", cli.ClientVersion())

	start := time.Now()
	ref, digest := dockertest.Image(t, dockertest.ImageOptions{Repo: "dockertest/answers", Tag: "t1", Version: "one"})
	t.Logf("built and pushed %s (%s) in %s", ref, digest, time.Since(start).Round(time.Millisecond))
	if !strings.HasPrefix(ref, dockertest.Registry(t)+"/dockertest/answers:t1") || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("Image = %q, %q", ref, digest)
	}
	pull(t, cli, ref)

	ctx := context.Background()
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	if want := repoDigest(ref, digest); !slices.Contains(img.RepoDigests, want) {
		t.Errorf("RepoDigests = %v, want %s", img.RepoDigests, want)
	}
	if img.Os != "linux" || img.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", img.Os, img.Architecture)
	}

	start = time.Now()
	id := run(t, cli, ref)
	addr := dockertest.HostPort(t, cli, id, "8080/tcp")
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Fatalf("published at %s", addr)
	}
	a := waitAnswer(t, addr, 20*time.Second)
	t.Logf("container %.12s answered at %s %s after start", id, addr, time.Since(start).Round(time.Millisecond))
	if a.Tag != "t1" || a.Version != "one" || a.Hostname != id[:12] {
		t.Errorf("GET / = %+v, want tag t1, version one, hostname %.12s", a, id)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %s", resp.Status)
	}
}

func TestHealthCheckMakesContainerHealthy(t *testing.T) {
	t.Parallel()
	cli, id := started(t, dockertest.ImageOptions{Repo: "dockertest/health", HealthCheck: true})

	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for {
		res, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st := res.Container.State
		if st.Health == nil {
			t.Fatalf("no health state: the image's HEALTHCHECK was not taken (%+v)", res.Container.Config.Healthcheck)
		}
		if st.Health.Status == container.Healthy {
			t.Logf("healthy %s after start", time.Since(start).Round(time.Millisecond))
			return
		}
		if st.Status != container.StateRunning || time.Now().After(deadline) {
			t.Fatalf("state %s, health %s, log %v\n%s", st.Status, st.Health.Status, healthLog(st.Health), logs(t, cli, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func healthLog(h *container.Health) []string {
	var out []string
	for _, r := range h.Log {
		out = append(out, fmt.Sprintf("exit %d: %s", r.ExitCode, strings.TrimSpace(r.Output)))
	}
	return out
}

func TestExitAtOnce(t *testing.T) {
	t.Parallel()
	cli, id := started(t, dockertest.ImageOptions{Repo: "dockertest/exit", ExitAtOnce: true})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-w.Result:
		if r.StatusCode != 3 {
			t.Errorf("exit code %d, want 3", r.StatusCode)
		}
	case err := <-w.Error:
		t.Fatalf("wait %.12s: %v", id, err)
	}
	if l := logs(t, cli, id); !strings.Contains(l, "exit-at-once") {
		t.Errorf("logs %q do not say why it exited", l)
	}
}

func TestPushesOfOneTagGetTheirOwnDigests(t *testing.T) {
	t.Parallel()
	o := dockertest.ImageOptions{Repo: "dockertest/digests", Tag: "same", Version: "a"}
	ref1, d1 := dockertest.Image(t, o)
	ref1again, d1again := dockertest.Image(t, o)
	o.Version = "b"
	ref2, d2 := dockertest.Image(t, o)
	_, d3 := dockertest.Image(t, dockertest.ImageOptions{Repo: "dockertest/digests", Tag: "same"})
	_, d4 := dockertest.Image(t, dockertest.ImageOptions{Repo: "dockertest/digests", Tag: "same"})
	if ref1 != ref2 || ref1 != ref1again {
		t.Errorf("references %s, %s, %s", ref1, ref1again, ref2)
	}
	if d1 != d1again {
		t.Errorf("the same options gave %s, then %s", d1, d1again)
	}
	if d1 == d2 || d3 == d4 || d3 == d2 {
		t.Errorf("digests %s (a), %s (b), %s and %s (default versions): want them different", d1, d2, d3, d4)
	}

	// The engine pulls the tag's latest digest.
	cli := dockertest.Client(t)
	_, d5 := dockertest.Image(t, o)
	pull(t, cli, ref2)
	img, err := cli.ImageInspect(context.Background(), ref2)
	if err != nil {
		t.Fatal(err)
	}
	if want := repoDigest(ref2, d5); !slices.Contains(img.RepoDigests, want) {
		t.Errorf("RepoDigests = %v, want %s", img.RepoDigests, want)
	}
}

// The server finishes a request in flight after SIGTERM (docker stop), as
// zero-downtime tests need, and exits 0.
func TestStopDrainsInFlight(t *testing.T) {
	t.Parallel()
	cli, id := started(t, dockertest.ImageOptions{Repo: "dockertest/drain", Args: []string{"-delay", "2s"}})
	addr := dockertest.HostPort(t, cli, id, "8080/tcp")
	waitAnswer(t, addr, 20*time.Second)

	var wg sync.WaitGroup
	var inFlight error
	wg.Go(func() { _, inFlight = get(addr, 10*time.Second) })
	time.Sleep(500 * time.Millisecond)
	timeout := 10
	start := time.Now()
	if _, err := cli.ContainerStop(context.Background(), id, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	if inFlight != nil {
		t.Errorf("request in flight during docker stop: %v", inFlight)
	}
	res, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Container.State.ExitCode != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", res.Container.State.ExitCode, logs(t, cli, id))
	}
}

// -slow-start: no HTTP answer before the server listens, one after. It
// also reports whether Docker's userland proxy accepts TCP on the host
// port before the server inside listens (it does on 20.10): a bare connect
// proves nothing.
func TestSlowStart(t *testing.T) {
	t.Parallel()
	cli := dockertest.Client(t)
	dockertest.RemoveLabeled(t, cli, label(t))
	ref, _ := dockertest.Image(t, dockertest.ImageOptions{Repo: "dockertest/slow", SlowStart: 3 * time.Second})
	pull(t, cli, ref)
	start := time.Now()
	id := run(t, cli, ref)
	addr := dockertest.HostPort(t, cli, id, "8080/tcp")

	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = c.Close()
		t.Logf("TCP connect to %s accepted before the server listens", addr)
	} else {
		t.Logf("TCP connect to %s refused before the server listens: %v", addr, err)
	}
	if a, err := get(addr, time.Second); err == nil {
		t.Fatalf("answered %+v %s after start, before its slow start", a, time.Since(start))
	}
	waitAnswer(t, addr, 20*time.Second)
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("answered %s after start", d)
	}
}

func TestNeverListen(t *testing.T) {
	t.Parallel()
	cli, id := started(t, dockertest.ImageOptions{Repo: "dockertest/never", NeverListen: true})
	addr := dockertest.HostPort(t, cli, id, "8080/tcp")
	time.Sleep(time.Second)
	if a, err := get(addr, time.Second); err == nil {
		t.Fatalf("answered %+v", a)
	}
	res, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Container.State.Status != container.StateRunning {
		t.Errorf("state %s, want running", res.Container.State.Status)
	}
}

func TestRemoveLabeled(t *testing.T) {
	t.Parallel()
	cli := dockertest.Client(t)
	ref, _ := dockertest.Image(t, dockertest.ImageOptions{Repo: "dockertest/leftover"})
	pull(t, cli, ref)
	mark := fmt.Sprintf("docker-watcher.test.leftover=%d", time.Now().UnixNano())
	key, value, _ := strings.Cut(mark, "=")
	var id string
	t.Run("leaves", func(t *testing.T) {
		dockertest.RemoveLabeled(t, cli, mark)
		res, err := cli.ContainerCreate(context.Background(), client.ContainerCreateOptions{
			Config: &container.Config{Image: ref, Labels: map[string]string{key: value}},
		})
		if err != nil {
			t.Fatal(err)
		}
		id = res.ID
		if _, err := cli.ContainerStart(context.Background(), id, client.ContainerStartOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{}); err == nil {
		t.Errorf("container %.12s labelled %s is still there", id, mark)
		_, _ = cli.ContainerRemove(context.Background(), id, client.ContainerRemoveOptions{Force: true})
	}
}

// fatalRecorder is a testing.TB whose Fatal ends only the goroutine and
// keeps the message.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func failsWith(t *testing.T, f func(testing.TB)) string {
	t.Helper()
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r.msg
}

// Without an engine or a registry the helpers fail the test (never skip)
// and say how to run the tests.
func TestFailsWithoutEngine(t *testing.T) {
	for _, env := range []struct{ name, value string }{
		{"DOCKER_HOST", ""},
		{"DOCKER_HOST", "unix:///nonexistent/docker.sock"},
	} {
		t.Setenv(env.name, env.value)
		msg := failsWith(t, func(tb testing.TB) { dockertest.Client(tb) })
		if !strings.HasPrefix(msg, dockertest.NoEngine) {
			t.Errorf("%s=%q: Client fails with %q", env.name, env.value, msg)
		}
	}
	for _, value := range []string{"", "127.0.0.1:1"} {
		t.Setenv(dockertest.RegistryEnv, value)
		msg := failsWith(t, func(tb testing.TB) { dockertest.Registry(tb) })
		if !strings.HasPrefix(msg, dockertest.NoEngine) {
			t.Errorf("%s=%q: Registry fails with %q", dockertest.RegistryEnv, value, msg)
		}
	}
}
