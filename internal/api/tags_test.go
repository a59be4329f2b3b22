package api_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dockerwatcher/docker-watcher/internal/api"
)

// testRegistry is go-containerregistry's in-memory registry on 127.0.0.1;
// with a user, every request must carry user:pass.
type testRegistry struct {
	host       string
	user, pass string
}

func newTestRegistry(t *testing.T, user, pass string) *testRegistry {
	t.Helper()
	// Docker's config of an empty folder: no test reads the machine's.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := &testRegistry{user: user, pass: pass}
	inner := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); user != "" && (!ok || u != user || p != pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	reg.host = strings.TrimPrefix(srv.URL, "http://")
	return reg
}

// push writes a small random image as repo:tag and returns its digest.
func (r *testRegistry) push(t *testing.T, repo, tag string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(r.host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	var opts []remote.Option
	if r.user != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: r.user, Password: r.pass}))
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

type tagsAnswer struct {
	Tags []struct {
		Tag    string `json:"tag"`
		Digest string `json:"digest"`
	} `json:"tags"`
	Total int    `json:"total"`
	Error string `json:"error"`
}

func (a tagsAnswer) names() []string {
	var out []string
	for _, t := range a.Tags {
		out = append(out, t.Tag)
	}
	return out
}

// createApp makes an app through the API and returns its id.
func (e *env) createApp(body map[string]any) int64 {
	e.t.Helper()
	base := map[string]any{"name": "web", "tag_pattern": "v\\d+(\\.\\d+)*", "container_port": 8080}
	for k, v := range body {
		base[k] = v
	}
	return decodeInto[struct{ ID int64 }](e.t, e.expect(e.do(e.client, "POST", "/api/apps", base), http.StatusCreated)).ID
}

// The tags of the app's repository that its pattern matches, newest
// first, each of the first ones with its digest.
func TestAppTags(t *testing.T) {
	reg := newTestRegistry(t, "", "")
	digests := map[string]string{}
	for _, tag := range []string{"v1.9", "latest", "v1.10", "v2", "v1.10-rc1", "xv3", "v1"} {
		digests[tag] = reg.push(t, "team/web", tag)
	}
	e := newEnv(t)
	id := e.createApp(map[string]any{"image": reg.host + "/team/web"})
	got := decodeInto[tagsAnswer](t, e.expect(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", id), nil), http.StatusOK))
	// The pattern takes whole tags only: not latest, v1.10-rc1 nor xv3.
	if want := []string{"v2", "v1.10", "v1.9", "v1"}; !slices.Equal(got.names(), want) {
		t.Fatalf("tags %v, want %v", got.names(), want)
	}
	if got.Total != 4 || got.Error != "" {
		t.Fatalf("total %d, error %q", got.Total, got.Error)
	}
	for _, tg := range got.Tags {
		if tg.Digest != digests[tg.Tag] {
			t.Errorf("digest of %s: %q, want %q", tg.Tag, tg.Digest, digests[tg.Tag])
		}
	}

	// A changed pattern applies at once.
	e.expect(e.do(e.client, "PUT", fmt.Sprintf("/api/apps/%d", id), map[string]any{
		"name": "web", "image": reg.host + "/team/web", "tag_pattern": "latest|v1\\.10.*", "container_port": 8080}), http.StatusOK)
	got = decodeInto[tagsAnswer](t, e.expect(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", id), nil), http.StatusOK))
	if want := []string{"v1.10", "v1.10-rc1", "latest"}; !slices.Equal(got.names(), want) {
		t.Fatalf("tags %v, want %v", got.names(), want)
	}

	e.expectError(e.do(e.client, "GET", "/api/apps/999/tags", nil), http.StatusNotFound, "")
}

// A repository with more tags than the cap: the newest ones, the total
// counting them all, and digests for the first ones only.
func TestAppTagsCapped(t *testing.T) {
	reg := newTestRegistry(t, "", "")
	n := api.MaxTags + 5
	for i := 1; i <= n; i++ {
		reg.push(t, "ci/builds", fmt.Sprintf("build-%d", i))
	}
	e := newEnv(t)
	id := e.createApp(map[string]any{"image": reg.host + "/ci/builds", "tag_pattern": "build-\\d+"})
	got := decodeInto[tagsAnswer](t, e.expect(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", id), nil), http.StatusOK))
	if len(got.Tags) != api.MaxTags || got.Total != n {
		t.Fatalf("%d tags of %d, want %d of %d", len(got.Tags), got.Total, api.MaxTags, n)
	}
	if first, last := got.Tags[0].Tag, got.Tags[len(got.Tags)-1].Tag; first != fmt.Sprintf("build-%d", n) || last != "build-6" {
		t.Fatalf("from %s to %s, want build-%d to build-6", first, last, n)
	}
	withDigest := 0
	for _, tg := range got.Tags {
		if tg.Digest != "" {
			withDigest++
		}
	}
	if withDigest == 0 || withDigest > 20 {
		t.Fatalf("%d tags with a digest: want the first few", withDigest)
	}
	if got.Tags[0].Digest == "" {
		t.Fatal("the newest tag has no digest")
	}
}

// The app's credentials are sent; wrong ones or none are a 502 that names
// the registry and never shows the password.
func TestAppTagsCredentials(t *testing.T) {
	reg := newTestRegistry(t, "ci", "s3cret-pw")
	reg.push(t, "web", "v1")
	e := newEnv(t)
	good := e.createApp(map[string]any{"image": reg.host + "/web", "registry_username": "ci", "registry_password": "s3cret-pw"})
	got := decodeInto[tagsAnswer](t, e.expect(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", good), nil), http.StatusOK))
	if !slices.Equal(got.names(), []string{"v1"}) || got.Tags[0].Digest == "" {
		t.Fatalf("with the app's credentials: %+v", got)
	}

	wrong := e.createApp(map[string]any{"name": "wrong", "image": reg.host + "/web", "registry_username": "ci", "registry_password": "wrong-pw"})
	eb := e.expectError(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", wrong), nil), http.StatusBadGateway, "")
	if !strings.Contains(eb.Error, "the registry "+reg.host+" refused the credentials (the app's") || strings.Contains(eb.Error, "wrong-pw") {
		t.Fatalf("wrong credentials: %q", eb.Error)
	}
	none := e.createApp(map[string]any{"name": "none", "image": reg.host + "/web"})
	eb = e.expectError(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", none), nil), http.StatusBadGateway, "")
	if !strings.Contains(eb.Error, "the registry "+reg.host+" refused the credentials (Docker's config") {
		t.Fatalf("no credentials: %q", eb.Error)
	}
}

// A registry that is not there, or that never answers, or that has no
// such repository: a 502 that names it, in time.
func TestAppTagsRegistryFails(t *testing.T) {
	reg := newTestRegistry(t, "", "")
	e := newEnv(t)

	down := e.createApp(map[string]any{"name": "down", "image": "127.0.0.1:1/team/web"})
	eb := e.expectError(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", down), nil), http.StatusBadGateway, "")
	if !strings.HasPrefix(eb.Error, "the registry 127.0.0.1:1 cannot be reached: ") {
		t.Fatalf("unreachable: %q", eb.Error)
	}

	missing := e.createApp(map[string]any{"name": "missing", "image": reg.host + "/no/such"})
	eb = e.expectError(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", missing), nil), http.StatusBadGateway, "")
	if !strings.HasPrefix(eb.Error, "the registry "+reg.host+" has no repository "+reg.host+"/no/such") {
		t.Fatalf("no repository: %q", eb.Error)
	}

	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(release)
	host := strings.TrimPrefix(silent.URL, "http://")
	slow := e.createApp(map[string]any{"name": "slow", "image": host + "/team/web"})
	e.srv.SetTagsTimeout(300 * time.Millisecond)
	start := time.Now()
	eb = e.expectError(e.do(e.client, "GET", fmt.Sprintf("/api/apps/%d/tags", slow), nil), http.StatusBadGateway, "")
	if !strings.HasPrefix(eb.Error, "the registry "+host+" did not answer within 300ms") {
		t.Fatalf("no answer: %q", eb.Error)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("answered after %v", d)
	}
}

// Versions first, highest first (a release before its pre-releases),
// then the other tags in natural order, highest first.
func TestSortTags(t *testing.T) {
	for _, tt := range []struct{ in, want []string }{
		{[]string{"v1.2.0", "v1.10.0", "v1.9.3", "v2.0.0"}, []string{"v2.0.0", "v1.10.0", "v1.9.3", "v1.2.0"}},
		{[]string{"1.2.0-rc.1", "1.2.0", "1.2.0-rc.2", "1.2.0-beta", "1.2.0-rc.10"}, []string{"1.2.0", "1.2.0-rc.10", "1.2.0-rc.2", "1.2.0-rc.1", "1.2.0-beta"}},
		{[]string{"latest", "v1", "main", "edge"}, []string{"v1", "main", "latest", "edge"}},
		{[]string{"build-9", "build-100", "build-10"}, []string{"build-100", "build-10", "build-9"}},
		{[]string{"1.25", "1.25.3", "1.3"}, []string{"1.25.3", "1.25", "1.3"}},
		{[]string{"2024-05-01", "2024-11-30", "2023-12-31"}, []string{"2024-11-30", "2024-05-01", "2023-12-31"}},
		{[]string{"V3", "v2", "v10"}, []string{"v10", "V3", "v2"}},
		{[]string{"sha-0a1b", "sha-0a1c"}, []string{"sha-0a1c", "sha-0a1b"}},
		{[]string{"1.0", "1", "1.0.0"}, []string{"1.0.0", "1.0", "1"}},
		{[]string{"99999999999999999999", "v1"}, []string{"v1", "99999999999999999999"}},
		{nil, nil},
	} {
		got := slices.Clone(tt.in)
		api.SortTags(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort %v: %v, want %v", tt.in, got, tt.want)
		}
		// The order does not depend on where it started.
		slices.Reverse(got)
		api.SortTags(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort of reversed %v: %v, want %v", tt.in, got, tt.want)
		}
	}
}
