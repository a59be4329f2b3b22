package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/proxytest"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

type instanceJSON struct {
	ID           int64  `json:"id"`
	Status       string `json:"status"`
	Subdomain    string `json:"subdomain"`
	FQDN         string `json:"fqdn"`
	ContainerID  string `json:"container_id"`
	HostPort     int    `json:"host_port"`
	Digest       string `json:"digest"`
	LastError    string `json:"last_error"`
	FailedDigest string `json:"failed_digest"`
	Progress     *struct {
		Step string `json:"step"`
	} `json:"progress"`
}

// served is what the test server answers through the proxy.
type served struct {
	Tag, Version, Hostname string
}

// deployEnv is Docker Watcher serving with a test registry and engine.
type deployEnv struct {
	t        *testing.T
	cfg      config.Config
	url      string
	c        *http.Client
	cli      *client.Client
	registry string
	stop     func() error
}

func newDeployEnv(t *testing.T) *deployEnv {
	e := &deployEnv{t: t, cli: dockertest.Client(t), registry: dockertest.Registry(t)}
	e.cfg = config.Default()
	e.cfg.DataDir, e.cfg.AdminPassword = t.TempDir(), "password-for-test"
	e.cfg.Listen, e.cfg.ProxyListen, e.cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	t.Cleanup(func() { removeInstallation(t, e.cli, e.cfg.DataDir) }) // runs after the stop below
	e.start()
	t.Cleanup(func() { e.stop() })
	if code := call(t, e.c, "PUT", e.url+"/api/settings", `{"domain":"example.com"}`, nil); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	return e
}

// removeInstallation removes the containers Docker Watcher made for the
// data folder's installation: a test's instances outlive its server.
func removeInstallation(t *testing.T, cli *client.Client, dataDir string) {
	st, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Errorf("read the installation: %v", err)
		return
	}
	settings, err := st.Settings(context.Background())
	st.Close()
	if err != nil {
		t.Errorf("read the installation: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "docker-watcher.installation="+settings.InstallationID)})
	if err != nil {
		t.Errorf("list the installation's containers: %v", err)
		return
	}
	for _, c := range list.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Errorf("remove %.12s: %v", c.ID, err)
		}
	}
}

func (e *deployEnv) start() {
	e.url, e.stop = startAt(e.t, e.cfg, &lockedBuffer{})
	e.c = loggedIn(e.t, e.url, e.cfg.AdminPassword)
}

func (e *deployEnv) instance(id int64) instanceJSON {
	var in instanceJSON
	call(e.t, e.c, "GET", fmt.Sprintf("%s/api/instances/%d", e.url, id), "", &in)
	return in
}

// through asks the proxy for host's "/".
func (e *deployEnv) through(host string) (int, served) {
	req, _ := http.NewRequestWithContext(e.t.Context(), "GET", "http://"+e.cfg.ProxyListen+"/", nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var s served
	json.Unmarshal(b, &s)
	return res.StatusCode, s
}

// waitFor polls cond up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// A tag deployed through the API runs as a container that answers through
// the built-in proxy at its name; a new digest redeploys it while traffic
// runs with no failed request; a new digest that never serves leaves the
// old container serving; docker stop and docker rm -f by hand are noticed;
// a container without our label is never touched.
func TestDeployRedeployAndStateFromDocker(t *testing.T) {
	e := newDeployEnv(t)
	repo := fmt.Sprintf("dwtest/deploy-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: "one"})
	var app struct{ ID int64 }
	if code := call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(
		`{"name":"web","image":%q,"tag_pattern":"v\\d+","container_port":8080}`, e.registry+"/"+repo), &app); code != 201 {
		t.Fatalf("create app: %d", code)
	}
	var inst instanceJSON
	if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID), `{"tag":"v1"}`, &inst); code != http.StatusAccepted ||
		inst.Status != "deploying" || inst.Subdomain != "web-v1" {
		t.Fatalf("deploy: %d %+v", code, inst)
	}
	waitFor(t, 60*time.Second, "running", func() bool { inst = e.instance(inst.ID); return inst.Status == "running" })
	waitFor(t, 5*time.Second, "through the proxy", func() bool {
		code, s := e.through("web-v1.example.com")
		return code == 200 && s.Tag == "v1" && s.Version == "one"
	})

	// A container of someone else, from the same image: never touched.
	foreign, err := e.cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
		Config: &container.Config{Image: e.registry + "/" + repo + ":v1", Labels: map[string]string{"test": t.Name()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.cli.ContainerRemove(context.Background(), foreign.ID, client.ContainerRemoveOptions{Force: true})
	})

	// A new digest for v1: redeployed under traffic.
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: "two"})
	stopTraffic := proxytest.Traffic(e.cfg.ProxyListen, "web-v1.example.com", "", 4, 0)
	if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/instances/%d/redeploy", e.url, inst.ID), "", nil); code != http.StatusAccepted {
		t.Fatalf("redeploy: %d", code)
	}
	waitFor(t, 60*time.Second, "the new version serving", func() bool { _, s := e.through("web-v1.example.com"); return s.Version == "two" })
	waitFor(t, 60*time.Second, "the redeploy done", func() bool {
		in := e.instance(inst.ID)
		return in.Progress != nil && in.Progress.Step == "done"
	})
	servedN, failed := stopTraffic()
	t.Logf("redeploy under traffic: %d requests, %d failed", servedN, failed)
	if failed != 0 || servedN < 50 {
		t.Fatalf("during the redeploy %d of %d requests failed", failed, servedN)
	}
	old := inst
	inst = e.instance(inst.ID)
	if inst.ContainerID == old.ContainerID || inst.Digest == old.Digest || inst.Status != "running" {
		t.Fatalf("after the redeploy: %+v (before %+v)", inst, old)
	}
	if _, err := e.cli.ContainerInspect(t.Context(), old.ContainerID, client.ContainerInspectOptions{}); err == nil {
		t.Fatal("the replaced container is still there")
	}

	// A digest that never serves: the running one stays.
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: "broken", NeverListen: true})
	call(t, e.c, "PUT", e.url+"/api/settings", `{"deploy_timeout_seconds":5}`, nil)
	call(t, e.c, "POST", fmt.Sprintf("%s/api/instances/%d/redeploy", e.url, inst.ID), "", nil)
	waitFor(t, 60*time.Second, "the broken redeploy failed", func() bool {
		in := e.instance(inst.ID)
		return in.Progress != nil && in.Progress.Step == "failed"
	})
	if in := e.instance(inst.ID); in.Status != "running" || in.ContainerID != inst.ContainerID || in.LastError == "" {
		t.Fatalf("after a failed redeploy: %+v", in)
	}
	if code, s := e.through("web-v1.example.com"); code != 200 || s.Version != "two" {
		t.Fatalf("the old container does not serve: %d %+v", code, s)
	}

	// docker stop by hand.
	if _, err := e.cli.ContainerStop(t.Context(), inst.ContainerID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, 5*time.Second, "stopped by hand noticed", func() bool { return e.instance(inst.ID).Status == "stopped" })
	t.Logf("docker stop noticed %v after it returned", took)
	if code, _ := e.through("web-v1.example.com"); code != http.StatusServiceUnavailable {
		t.Fatalf("a stopped instance answers %d", code)
	}
	if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/instances/%d/start", e.url, inst.ID), "", nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	if code, s := e.through("web-v1.example.com"); code != 200 || s.Version != "two" {
		t.Fatalf("after start: %d %+v", code, s)
	}

	// A restart of Docker Watcher finds its container.
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	e.start()
	if in := e.instance(inst.ID); in.Status != "running" || in.ContainerID != inst.ContainerID {
		t.Fatalf("after a restart: %+v", in)
	}
	waitFor(t, 5*time.Second, "served after a restart", func() bool { code, _ := e.through("web-v1.example.com"); return code == 200 })

	// docker rm -f by hand.
	if _, err := e.cli.ContainerRemove(t.Context(), inst.ContainerID, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "removed by hand noticed", func() bool {
		in := e.instance(inst.ID)
		return in.Status == "stopped" && in.ContainerID == "" && strings.Contains(in.LastError, "removed")
	})
	if _, err := e.cli.ContainerInspect(t.Context(), foreign.ID, client.ContainerInspectOptions{}); err != nil {
		t.Fatalf("the container without our label: %v", err)
	}
	if code := call(t, e.c, "DELETE", fmt.Sprintf("%s/api/instances/%d", e.url, inst.ID), "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := e.through("web-v1.example.com"); code != http.StatusNotFound {
		t.Fatalf("a removed instance answers %d", code)
	}
}

// instances lists the instances by tag.
func (e *deployEnv) instances() map[string]instanceJSON {
	var list []struct {
		instanceJSON
		Tag string `json:"tag"`
	}
	call(e.t, e.c, "GET", e.url+"/api/instances", "", &list)
	out := map[string]instanceJSON{}
	for _, in := range list {
		out[in.Tag] = in.instanceJSON
	}
	return out
}

// With auto_deploy a new matching tag is deployed within one poll
// interval, and at once when the registry's webhook says so; a tag that
// does not match the pattern is left alone.
func TestAutoDeployByPollAndWebhook(t *testing.T) {
	e := newDeployEnv(t)
	repo := fmt.Sprintf("dwtest/auto-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1"})
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "latest"}) // not v\d+
	var app struct{ ID int64 }
	if code := call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(
		`{"name":"auto","image":%q,"tag_pattern":"v\\d+","container_port":8080,"auto_deploy":true,"poll_interval_seconds":10}`,
		e.registry+"/"+repo), &app); code != 201 {
		t.Fatalf("create app: %d", code)
	}
	running := func(tag string) func() bool {
		return func() bool { in, ok := e.instances()[tag]; return ok && in.Status == "running" }
	}
	waitFor(t, 60*time.Second, "v1 deployed by the first poll", running("v1"))
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v2"})
	// Created within one poll interval (and a little for the listing).
	waitFor(t, 12*time.Second, "v2 created by a poll", func() bool { _, ok := e.instances()["v2"]; return ok })
	took := waitFor(t, 60*time.Second, "v2 deployed by a poll", running("v2"))
	t.Logf("v2 running %v after its push (poll interval 10 s)", took)
	// The route follows the saved status within moments.
	waitFor(t, 5*time.Second, "v2 through the proxy", func() bool { code, s := e.through("auto-v2.example.com"); return code == 200 && s.Tag == "v2" })

	// Webhooks only from now on.
	secret := "hook-secret-0123456789"
	call(t, e.c, "PUT", e.url+"/api/settings", fmt.Sprintf(`{"registry_webhook_secret":%q}`, secret), nil)
	if code := call(t, e.c, "PUT", fmt.Sprintf("%s/api/apps/%d", e.url, app.ID), fmt.Sprintf(
		`{"name":"auto","image":%q,"tag_pattern":"v\\d+","container_port":8080,"auto_deploy":true,"poll_interval_seconds":0}`,
		e.registry+"/"+repo), nil); code != 200 {
		t.Fatalf("update app: %d", code)
	}
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v3"})
	hook := func(body string, header ...string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+"/api/hooks/registry", strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := hook(`{"app":"auto","tag":"v3"}`, "Authorization", "Bearer not-the-secret-0123"); code != http.StatusUnauthorized {
		t.Fatalf("a bad secret: %d", code)
	}
	if code := hook(`{"app":"auto","tag":"v3"}`, "Authorization", "Bearer "+secret); code != http.StatusAccepted {
		t.Fatalf("the webhook: %d", code)
	}
	took = waitFor(t, 30*time.Second, "v3 deployed by the webhook", running("v3"))
	t.Logf("v3 running %v after the webhook", took)
	if _, ok := e.instances()["latest"]; ok {
		t.Fatal("a tag outside the pattern was deployed")
	}

	// A new digest of v3 redeploys it; a rollback to the first one stays,
	// although the registry still has the second under the tag; a third
	// digest redeploys again.
	version := func(want string) func() bool {
		return func() bool { code, s := e.through("auto-v3.example.com"); return code == 200 && s.Version == want }
	}
	pushAndHook := func(v string) {
		dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v3", Version: v})
		if code := hook(`{"app":"auto","tag":"v3"}`, "Authorization", "Bearer "+secret); code != http.StatusAccepted {
			t.Fatalf("the webhook: %d", code)
		}
	}
	first := e.instances()["v3"]
	pushAndHook("second")
	waitFor(t, 60*time.Second, "v3 redeployed with its second digest", version("second"))
	second := e.instances()["v3"]
	if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/instances/%d/rollback", e.url, first.ID), "", nil); code != http.StatusAccepted {
		t.Fatalf("rollback: %d", code)
	}
	waitFor(t, 60*time.Second, "v3 rolled back", func() bool {
		in := e.instances()["v3"]
		return in.Status == "running" && in.Digest == first.Digest && in.FailedDigest == second.Digest
	})
	checked := func() string {
		var a struct {
			LastCheckedAt string `json:"last_checked_at"`
		}
		call(t, e.c, "GET", fmt.Sprintf("%s/api/apps/%d", e.url, app.ID), "", &a)
		return a.LastCheckedAt
	}
	before := checked()
	if code := hook(`{"app":"auto","tag":"v3"}`, "Authorization", "Bearer "+secret); code != http.StatusAccepted {
		t.Fatalf("the webhook: %d", code)
	}
	waitFor(t, 30*time.Second, "the pushed tag checked", func() bool { return checked() != before })
	in := e.instances()["v3"]
	code, s := e.through("auto-v3.example.com")
	if in.Digest != first.Digest || in.Status != "running" || code != 200 || s.Version == "second" {
		t.Fatalf("after a check of the rolled-back tag: %+v, through the proxy %d %+v", in, code, s)
	}
	pushAndHook("third")
	waitFor(t, 60*time.Second, "v3 redeployed with a third digest", version("third"))
}

// Bad input gives a clear error on the instance and leaves the others
// alone: an unknown tag, a registry that does not answer, a container
// that exits at once, a port that never opens.
func TestDeployFailures(t *testing.T) {
	e := newDeployEnv(t)
	call(t, e.c, "PUT", e.url+"/api/settings", `{"deploy_timeout_seconds":5}`, nil)
	repo := fmt.Sprintf("dwtest/fail-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "good"})
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "exits", ExitAtOnce: true})
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "silent", NeverListen: true})
	newApp := func(name, image string) int64 {
		var a struct{ ID int64 }
		if code := call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":%q,"image":%q,"tag_pattern":".*","container_port":8080}`, name, image), &a); code != 201 {
			t.Fatalf("create app %s: %d", name, code)
		}
		return a.ID
	}
	app := newApp("web", e.registry+"/"+repo)
	nowhere := newApp("nowhere", "127.0.0.1:1/team/web") // nothing listens there
	deploy := func(appID int64, tag string) instanceJSON {
		var in instanceJSON
		if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, appID), fmt.Sprintf(`{"tag":%q}`, tag), &in); code != http.StatusAccepted {
			t.Fatalf("deploy %s: %d", tag, code)
		}
		return in
	}
	good := deploy(app, "good")
	waitFor(t, 60*time.Second, "the good one running", func() bool { return e.instance(good.ID).Status == "running" })

	for _, tt := range []struct {
		app       int64
		tag, want string
	}{
		{app, "unknown", "pull"},
		{nowhere, "v1", "pull"},
		{app, "exits", "exit"},
		{app, "silent", "not healthy in time"},
	} {
		in := deploy(tt.app, tt.tag)
		waitFor(t, 60*time.Second, tt.tag+" failed", func() bool { return e.instance(in.ID).Status == "failed" })
		got := e.instance(in.ID)
		if !strings.Contains(got.LastError, tt.want) || got.ContainerID != "" {
			t.Errorf("%s: last_error %q (want it to say %q), container %q", tt.tag, got.LastError, tt.want, got.ContainerID)
		}
		if tt.tag == "exits" && !strings.Contains(got.LastError, "testserver") {
			t.Errorf("the log lines of a container that exits at once are missing: %q", got.LastError)
		}
		// The image was there: its digest is noted, so the watcher does
		// not try it again.
		if pulled := tt.want != "pull"; pulled != strings.HasPrefix(got.FailedDigest, "sha256:") {
			t.Errorf("%s: failed_digest %q", tt.tag, got.FailedDigest)
		}
	}
	if code, s := e.through("web-good.example.com"); code != 200 || s.Tag != "good" {
		t.Fatalf("the good instance after the failures: %d %+v", code, s)
	}
	// Of this installation's containers, only the good one is left.
	st, err := store.Open(t.Context(), e.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := st.Settings(t.Context())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.cli.ContainerList(t.Context(), client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "docker-watcher.installation="+settings.InstallationID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].ID != e.instance(good.ID).ContainerID {
		t.Fatalf("containers left: %+v", list.Items)
	}
}

// switchableEngine is a unix socket in front of the test engine that can
// be cut (as if dockerd stopped: every connection ends, new ones are
// refused by being closed) and restored.
type switchableEngine struct {
	path   string
	target string
	mu     sync.Mutex
	on     bool
	conns  map[net.Conn]bool
}

func newSwitchableEngine(t *testing.T) *switchableEngine {
	target := strings.TrimPrefix(os.Getenv("DOCKER_HOST"), "unix://")
	if target == "" {
		target = "/var/run/docker.sock"
	}
	s := &switchableEngine{path: filepath.Join(t.TempDir(), "docker.sock"), target: target, on: true, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("unix", s.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); s.set(false) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *switchableEngine) serve(c net.Conn) {
	s.mu.Lock()
	if !s.on {
		s.mu.Unlock()
		c.Close()
		return
	}
	up, err := net.Dial("unix", s.target)
	if err != nil {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conns[c], s.conns[up] = true, true
	s.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (s *switchableEngine) set(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = on
	if !on {
		for c := range s.conns {
			c.Close()
		}
		clear(s.conns)
	}
}

// Without an engine Docker Watcher serves: proxies route, /healthz says
// the engine is unreachable and deploys answer 502. When the engine comes
// back the state is listed again, and a container stopped meanwhile shows
// as stopped; the event stream is followed again after the break.
func TestEngineAwayAndBack(t *testing.T) {
	direct := dockertest.Client(t) // the real engine behind the switch, for the test's own calls
	sw := newSwitchableEngine(t)
	t.Setenv("DOCKER_HOST", "unix://"+sw.path)
	e := newDeployEnv(t)
	e.cli = direct
	repo := fmt.Sprintf("dwtest/away-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1"})
	var app struct{ ID int64 }
	call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"web","image":%q,"tag_pattern":".*","container_port":8080}`, e.registry+"/"+repo), &app)
	var inst instanceJSON
	call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID), `{"tag":"v1"}`, &inst)
	waitFor(t, 60*time.Second, "running", func() bool { inst = e.instance(inst.ID); return inst.Status == "running" })
	health := func() string {
		var h struct{ Docker string }
		call(t, http.DefaultClient, "GET", e.url+"/healthz", "", &h)
		return h.Docker
	}
	if h := health(); h != "ok" {
		t.Fatalf("healthz docker %q", h)
	}

	sw.set(false)
	waitFor(t, 10*time.Second, "healthz says unreachable", func() bool { return health() == "unreachable" })
	var eb struct{ Error string }
	if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID), `{"tag":"v2"}`, &eb); code != http.StatusBadGateway ||
		!strings.Contains(eb.Error, "Docker Engine") {
		t.Fatalf("deploy without an engine: %d %+v", code, eb)
	}
	if code, s := e.through("web-v1.example.com"); code != 200 || s.Tag != "v1" {
		t.Fatalf("the running container through the proxy while the engine is away: %d", code)
	}
	// Stopped while Docker Watcher cannot see it.
	if _, err := e.cli.ContainerStop(t.Context(), inst.ContainerID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	sw.set(true)
	waitFor(t, 40*time.Second, "the state listed again", func() bool { return health() == "ok" && e.instance(inst.ID).Status == "stopped" })
	// Events are followed again: a start by hand shows.
	if _, err := e.cli.ContainerStart(t.Context(), inst.ContainerID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a start by hand after the break", func() bool { return e.instance(inst.ID).Status == "running" })
}

// (Versions are unique to the test: an image of the same content pushed
// by another test is the same image, which stays while that one uses it.)
//
// A given subdomain is validated and must be free (of instances and
// standalone proxies); rollback runs the image before, and an image two
// redeploys old is removed; logs come as text and as a stream; restart
// brings the same container back.
func TestSubdomainsRollbackLogsRestart(t *testing.T) {
	e := newDeployEnv(t)
	repo := fmt.Sprintf("dwtest/roll-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: repo + "-one"})
	var app struct{ ID int64 }
	call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"web","image":%q,"tag_pattern":".*","container_port":8080}`, e.registry+"/"+repo), &app)
	createProxy(t, e.c, e.url, "taken.example.com", 9)
	deployURL := fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID)
	var eb struct{ Field string }
	for _, tt := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"tag":"v1","subdomain":"Bad_Label"}`, 400, "subdomain"},
		{`{"tag":"v1","subdomain":"taken"}`, 409, "subdomain"},
	} {
		if code := call(t, e.c, "POST", deployURL, tt.body, &eb); code != tt.code || eb.Field != tt.field {
			t.Errorf("%s: %d %+v", tt.body, code, eb)
		}
	}
	var inst instanceJSON
	if code := call(t, e.c, "POST", deployURL, `{"tag":"v1","subdomain":"Given"}`, &inst); code != 202 || inst.Subdomain != "given" {
		t.Fatalf("deploy with a subdomain: %d %+v", code, inst)
	}
	if code := call(t, e.c, "POST", deployURL, `{"tag":"v1","subdomain":"given"}`, &eb); code != 409 || eb.Field != "subdomain" {
		t.Fatalf("a subdomain taken by an instance: %d %+v", code, eb)
	}
	if code := call(t, e.c, "POST", e.url+"/api/proxies", `{"domain":"given.example.com","forward_scheme":"http","forward_host":"127.0.0.1","forward_port":9}`, &eb); code != 409 || eb.Field != "domain" {
		t.Fatalf("a proxy at an instance's name: %d %+v", code, eb)
	}
	waitFor(t, 60*time.Second, "running", func() bool { inst = e.instance(inst.ID); return inst.Status == "running" })

	version := func() string { _, s := e.through("given.example.com"); return s.Version }
	action := func(name string, want int) {
		t.Helper()
		if code := call(t, e.c, "POST", fmt.Sprintf("%s/api/instances/%d/%s", e.url, inst.ID, name), "", nil); code != want {
			t.Fatalf("%s: %d", name, code)
		}
	}
	done := func(what string) {
		t.Helper()
		waitFor(t, 60*time.Second, what, func() bool {
			in := e.instance(inst.ID)
			return in.Progress != nil && (in.Progress.Step == "done" || in.Progress.Step == "failed")
		})
	}
	imageOf := func() string {
		res, err := e.cli.ContainerInspect(t.Context(), e.instance(inst.ID).ContainerID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Container.Image
	}
	firstImage := imageOf()
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: repo + "-two"})
	action("redeploy", 202)
	// The rollout shows its first step from the 202 on, not the first
	// deploy's "done" (a rollout takes far longer than this one call).
	if p := e.instance(inst.ID).Progress; p == nil || p.Step != "pulling" && p.Step != "creating" && p.Step != "starting" {
		t.Fatalf("right after the redeploy's 202 the progress is %+v", p)
	}
	done("redeploy to two")
	secondImage := imageOf()
	if v := version(); v != repo+"-two" {
		t.Fatalf("after the redeploy: %q", v)
	}
	action("rollback", 202)
	waitFor(t, 60*time.Second, "rolled back", func() bool { return version() == repo+"-one" })
	done("rollback")
	if imageOf() != firstImage {
		t.Fatal("the rollback runs another image than the first")
	}
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1", Version: repo + "-three"})
	action("redeploy", 202)
	waitFor(t, 60*time.Second, "redeployed to three", func() bool { return version() == repo+"-three" })
	done("redeploy to three")
	if _, err := e.cli.ImageInspect(t.Context(), secondImage); err == nil {
		t.Error("the image two redeploys old is still there")
	}
	if _, err := e.cli.ImageInspect(t.Context(), firstImage); err != nil {
		t.Errorf("the image to roll back to is gone: %v", err)
	}

	// Logs: the last lines, and a stream.
	res, err := e.c.Get(fmt.Sprintf("%s/api/instances/%d/logs?tail=5", e.url, inst.ID))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "testserver") {
		t.Fatalf("logs: %d %q", res.StatusCode, b)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/instances/%d/logs?tail=1&follow=1", e.url, inst.ID), nil)
	res, err = e.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// The first data line, after the ": connected" comment.
	br := bufio.NewReader(res.Body)
	line, _ := br.ReadString('\n')
	for strings.HasPrefix(line, ":") || line == "\n" {
		line, _ = br.ReadString('\n')
	}
	cancel()
	res.Body.Close()
	if res.Header.Get("Content-Type") != "text/event-stream" || !strings.HasPrefix(line, "data: testserver") {
		t.Fatalf("followed logs: %q %q", res.Header.Get("Content-Type"), line)
	}
	if code := call(t, e.c, "GET", fmt.Sprintf("%s/api/instances/%d/logs?tail=-1", e.url, inst.ID), "", &eb); code != 400 || eb.Field != "tail" {
		t.Fatalf("a bad tail: %d %+v", code, eb)
	}

	before := e.instance(inst.ID).ContainerID
	action("restart", 200)
	if in := e.instance(inst.ID); in.Status != "running" || in.ContainerID != before || version() != repo+"-three" {
		t.Fatalf("after a restart: %+v", in)
	}
}

// At start the rows are brought in line with the engine: a deploy cut
// short by a restart failed, a container of ours no instance holds is
// removed, and one without our label is left alone.
func TestReconcileAtStart(t *testing.T) {
	e := newDeployEnv(t)
	repo := fmt.Sprintf("dwtest/rec-%d", time.Now().UnixNano())
	ref, _ := dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1"})
	var app struct{ ID int64 }
	call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"web","image":%q,"tag_pattern":".*","container_port":8080}`, e.registry+"/"+repo), &app)
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), e.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	settings, _ := st.Settings(t.Context())
	cut := model.Instance{AppID: app.ID, Tag: "v1", Subdomain: "cut", Status: model.StatusDeploying}
	if err := st.CreateInstance(t.Context(), &cut); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pull, err := e.cli.ImagePull(t.Context(), ref, client.ImagePullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = pull.Wait(t.Context()) // to the end of the stream
	pull.Close()
	if err != nil {
		t.Fatal(err)
	}
	create := func(labels map[string]string) string {
		c, err := e.cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{Config: &container.Config{Image: ref, Labels: labels}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.cli.ContainerRemove(context.Background(), c.ID, client.ContainerRemoveOptions{Force: true}) })
		return c.ID
	}
	orphan := create(map[string]string{"docker-watcher.installation": settings.InstallationID, "docker-watcher.instance": "999"})
	other := create(map[string]string{"docker-watcher.installation": "someone-else", "docker-watcher.instance": "1"})
	e.start()
	waitFor(t, 10*time.Second, "the orphan removed", func() bool {
		_, err := e.cli.ContainerInspect(t.Context(), orphan, client.ContainerInspectOptions{})
		return err != nil
	})
	if in := e.instance(cut.ID); in.Status != "failed" || !strings.Contains(in.LastError, "interrupted") {
		t.Fatalf("the cut deploy: %+v", in)
	}
	if _, err := e.cli.ContainerInspect(t.Context(), other, client.ContainerInspectOptions{}); err != nil {
		t.Fatalf("another installation's container: %v", err)
	}
}

// A restart of dockerd (an engine of the test's own: the shared one serves
// other tests) stops the containers and ends the event stream; Docker
// Watcher follows the engine again, sees its container come back by its
// restart policy and serves it at its name, with no container made anew;
// and the events after the restart are followed.
func TestDockerdRestart(t *testing.T) {
	eng := dockertest.StartEngine(t)
	t.Setenv("DOCKER_HOST", eng.Host)
	e := newDeployEnv(t)
	repo := fmt.Sprintf("dwtest/dockerd-%d", time.Now().UnixNano())
	dockertest.Image(t, dockertest.ImageOptions{Repo: repo, Tag: "v1"})
	var app struct{ ID int64 }
	call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"web","image":%q,"tag_pattern":".*","container_port":8080}`, e.registry+"/"+repo), &app)
	var inst instanceJSON
	call(t, e.c, "POST", fmt.Sprintf("%s/api/apps/%d/deploy", e.url, app.ID), `{"tag":"v1"}`, &inst)
	waitFor(t, 60*time.Second, "running", func() bool { inst = e.instance(inst.ID); return inst.Status == "running" })
	waitFor(t, 5*time.Second, "through the proxy", func() bool { code, s := e.through("web-v1.example.com"); return code == 200 && s.Tag == "v1" })

	eng.Restart(t)
	waitFor(t, 60*time.Second, "running and served again after the restart", func() bool {
		in := e.instance(inst.ID)
		code, s := e.through("web-v1.example.com")
		return in.Status == "running" && code == 200 && s.Tag == "v1"
	})
	if in := e.instance(inst.ID); in.ContainerID != inst.ContainerID || in.HostPort != inst.HostPort {
		t.Fatalf("after the restart: container %.12s port %d, was %.12s port %d", in.ContainerID, in.HostPort, inst.ContainerID, inst.HostPort)
	}
	list, err := e.cli.ContainerList(t.Context(), client.ContainerListOptions{All: true})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("containers on the engine after the restart: %v, %d", err, len(list.Items))
	}
	if _, err := e.cli.ContainerStop(t.Context(), inst.ContainerID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a stop by hand after the restart", func() bool { return e.instance(inst.ID).Status == "stopped" })
}
