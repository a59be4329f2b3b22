package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestClientTagsAllPages(t *testing.T) {
	reg := newRegistry(t, paginate)
	var want []string
	for i := range 5 {
		tag := fmt.Sprintf("v%d", i)
		reg.push(t, "team/web", tag)
		want = append(want, tag)
	}
	c := testClient()
	c.PageSize = 2
	got, err := c.Tags(t.Context(), reg.Host+"/team/web", Auth{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("tags %v, want %v", got, want)
	}
	if n := reg.lists.Load(); n < 3 {
		t.Fatalf("%d list requests for 5 tags by pages of 2, want 3", n)
	}
}

func TestClientDigest(t *testing.T) {
	reg := newRegistry(t)
	img := reg.push(t, "web", "v1")
	idx := reg.pushIndex(t, "web", "multi")
	c := testClient()
	for tag, want := range map[string]string{"v1": img, "multi": idx} {
		got, err := c.Digest(t.Context(), reg.Host+"/web", tag, Auth{})
		if err != nil || got != want {
			t.Fatalf("digest of %s: %q, %v; want %q", tag, got, err, want)
		}
	}
	if reg.gets.Load() != 0 {
		t.Fatalf("%d GETs of manifests: HEAD should have been enough", reg.gets.Load())
	}
}

func TestClientDigestFallsBackToGet(t *testing.T) {
	for name, w := range map[string]wrapper{"no digest header": stripHeadDigest, "HEAD not allowed": noHead} {
		t.Run(name, func(t *testing.T) {
			reg := newRegistry(t, w)
			want := reg.push(t, "web", "v1")
			got, err := testClient().Digest(t.Context(), reg.Host+"/web", "v1", Auth{})
			if err != nil || got != want {
				t.Fatalf("digest %q, %v; want %q", got, err, want)
			}
			if reg.heads.Load() == 0 || reg.gets.Load() == 0 {
				t.Fatalf("%d HEADs and %d GETs, want HEAD then GET", reg.heads.Load(), reg.gets.Load())
			}
		})
	}
}

func TestClientDigestNotFound(t *testing.T) {
	reg := newRegistry(t)
	reg.push(t, "web", "v1")
	_, err := testClient().Digest(t.Context(), reg.Host+"/web", "v2", Auth{})
	if StatusCode(err) != http.StatusNotFound {
		t.Fatalf("err %v (status %d), want a 404", err, StatusCode(err))
	}
	if !strings.Contains(err.Error(), reg.Host+"/web:v2") {
		t.Fatalf("error %q does not name the tag", err)
	}
}

func TestClientSendsCredentials(t *testing.T) {
	var authed atomic.Int64
	reg := newRegistry(t, basicAuth("ci", "s3cret-pw", &authed))
	want := reg.push(t, "web", "v1", withBasic("ci", "s3cret-pw"))
	repo := reg.Host + "/web"

	t.Run("the app's own", func(t *testing.T) {
		before := authed.Load()
		c := testClient()
		tags, err := c.Tags(t.Context(), repo, Auth{Username: "ci", Password: "s3cret-pw"})
		if err != nil || !slices.Equal(tags, []string{"v1"}) {
			t.Fatalf("tags %v, %v", tags, err)
		}
		got, err := c.Digest(t.Context(), repo, "v1", Auth{Username: "ci", Password: "s3cret-pw"})
		if err != nil || got != want {
			t.Fatalf("digest %q, %v", got, err)
		}
		if authed.Load() == before {
			t.Fatal("no request carried the credentials")
		}
	})
	t.Run("Docker's config when the app has none", func(t *testing.T) {
		c := &Client{Keychain: keychainOf{Username: "ci", Password: "s3cret-pw"}}
		if _, err := c.Tags(t.Context(), repo, Auth{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong ones fail without showing the password", func(t *testing.T) {
		c := testClient()
		_, err := c.Tags(t.Context(), repo, Auth{Username: "ci", Password: "wrong-pw"})
		if StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("err %v, want a 401", err)
		}
		_, derr := c.Digest(t.Context(), repo, "v1", Auth{Username: "ci", Password: "wrong-pw"})
		for _, e := range []error{err, derr} {
			if e == nil || strings.Contains(e.Error(), "wrong-pw") || !strings.Contains(e.Error(), repo) {
				t.Fatalf("error %v: want the repository named and no password", e)
			}
		}
	})
	t.Run("none fail", func(t *testing.T) {
		if _, err := testClient().Tags(t.Context(), repo, Auth{}); StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("err %v, want a 401", err)
		}
	})
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	reg := newRegistry(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	})
	defer close(release)
	c := testClient()
	c.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := c.Tags(t.Context(), reg.Host+"/web", Auth{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestClientBadRepository(t *testing.T) {
	_, err := testClient().Tags(t.Context(), "Not A Repo", Auth{})
	if err == nil || !strings.Contains(err.Error(), `"Not A Repo"`) {
		t.Fatalf("err %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "127.0.0.1": true, "127.1.2.3:80": true, "[::1]:5000": true,
		"localhost:5000": true, "localhost": true, "registry.localhost:5000": true, "LOCALHOST": true,
		"10.0.0.5:5000": false, "192.168.1.2": false, "registry.example.com": false, "index.docker.io": false,
		"localhost.example.com": false, "[2001:db8::1]:5000": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// schemes records the URLs asked and fails them all.
type schemes struct{ urls []string }

func (s *schemes) RoundTrip(r *http.Request) (*http.Response, error) {
	s.urls = append(s.urls, r.URL.Scheme+"://"+r.URL.Host)
	return nil, errors.New("recorded")
}

func TestClientSpeaksHTTPSOffThisMachine(t *testing.T) {
	for repo, want := range map[string]string{
		"10.1.2.3:5000/web":       "https://10.1.2.3:5000",
		"192.168.1.2/web":         "https://192.168.1.2",
		"registry.example.com/w":  "https://registry.example.com",
		"127.0.0.1:5000/web":      "http://127.0.0.1:5000",
		"localhost:5000/team/web": "http://localhost:5000",
	} {
		rec := &schemes{}
		c := &Client{Keychain: noKeychain, Transport: rec, Timeout: 5 * time.Second}
		_, _ = c.Tags(t.Context(), repo, Auth{Username: "u", Password: "p"})
		if len(rec.urls) == 0 {
			t.Fatalf("%s: no request", repo)
		}
		for _, u := range rec.urls {
			if u != want && !(strings.HasPrefix(want, "http://") && u == "https"+want[4:]) {
				t.Errorf("%s: asked %s, want %s", repo, u, want)
			}
		}
	}
}

func TestAuthStringHidesPassword(t *testing.T) {
	a := Auth{Username: "ci", Password: "hunter2"}
	for _, s := range []string{a.String(), fmt.Sprintf("%v", a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", a), fmt.Sprint(struct{ A Auth }{a})} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q shows the password", s)
		}
	}
}

func withBasic(user, pass string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: pass})
}
