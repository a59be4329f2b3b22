package registry

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// testRegistry is go-containerregistry's in-memory registry on 127.0.0.1,
// behind the given handler wrappers (outermost first).
type testRegistry struct {
	srv  *httptest.Server
	Host string // 127.0.0.1:port
	// counts of requests by method and kind ("HEAD manifests", "GET tags").
	heads, gets, lists atomic.Int64
}

type wrapper func(http.Handler) http.Handler

func newRegistry(t *testing.T, wraps ...wrapper) *testRegistry {
	t.Helper()
	r := &testRegistry{}
	var h http.Handler = ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	for i := len(wraps) - 1; i >= 0; i-- {
		h = wraps[i](h)
	}
	inner := h
	h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case strings.Contains(req.URL.Path, "/manifests/") && req.Method == http.MethodHead:
			r.heads.Add(1)
		case strings.Contains(req.URL.Path, "/manifests/") && req.Method == http.MethodGet:
			r.gets.Add(1)
		case strings.HasSuffix(req.URL.Path, "/tags/list"):
			r.lists.Add(1)
		}
		inner.ServeHTTP(w, req)
	})
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	r.Host = strings.TrimPrefix(r.srv.URL, "http://")
	return r
}

// push writes a random image as repo:tag and returns its digest. Pushes go
// around the wrappers' credentials with opts.
func (r *testRegistry) push(t *testing.T, repo, tag string, opts ...remote.Option) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
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

// pushIndex writes a random multi-platform index as repo:tag.
func (r *testRegistry) pushIndex(t *testing.T, repo, tag string) string {
	t.Helper()
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func (r *testRegistry) deleteTag(t *testing.T, repo, tag string) {
	t.Helper()
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(ref); err != nil {
		t.Fatalf("delete %s: %v", ref, err)
	}
}

// noKeychain resolves every registry to anonymous, so no test reads the
// machine's ~/.docker/config.json.
var noKeychain = authn.NewMultiKeychain()

func testClient() *Client { return &Client{Keychain: noKeychain} }

// basicAuth answers 401 unless the request carries user:pass; seen counts
// the requests that did.
func basicAuth(user, pass string, seen *atomic.Int64) wrapper {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			seen.Add(1)
			next.ServeHTTP(w, r)
		})
	}
}

// stripHeadDigest removes Docker-Content-Digest from HEAD answers, as some
// registries do.
func stripHeadDigest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Docker-Content-Digest" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
	})
}

// noHead answers 405 to the watcher's HEADs of manifests (pushes, which
// HEAD too, still work).
func noHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/") && strings.Contains(r.UserAgent(), "docker-watcher") {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// paginate adds the Link header of the distribution spec to full tag
// pages, which the in-memory registry does not send.
func paginate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if !strings.HasSuffix(r.URL.Path, "/tags/list") || n == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var page struct {
			Tags []string `json:"tags"`
		}
		body := rec.Body.Bytes()
		if err := json.Unmarshal(body, &page); err == nil && len(page.Tags) == n {
			w.Header().Set("Link", `<`+r.URL.Path+`?n=`+strconv.Itoa(n)+`&last=`+page.Tags[n-1]+`>; rel="next"`)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, bytes.NewReader(body))
	})
}

// failing answers every request with status.
func failing(status int) wrapper {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"broken on purpose"}]}`, status)
		})
	}
}

// keychainOf resolves every registry to user:pass.
type keychainOf authn.Basic

func (k keychainOf) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.Username, Password: k.Password}, nil
}
