package registry

import (
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseHookSamples(t *testing.T) {
	tests := []struct {
		file, contentType string
		want              []Push
	}{
		// The docs' push example: a manifest pushed by digest (no tag) and
		// a layer: nothing to deploy.
		{"docs-example.json", eventsV2MediaType, nil},
		{"docs-pull.json", eventsV1MediaType, nil},
		// docker push to Debian's docker-registry (Distribution 2.8):
		// config and layer blobs, then the tagged manifest.
		{"docker-push-2.8.json", eventsV1MediaType, []Push{{
			Host: "127.0.0.1:5000", Repository: "team/web", Tag: "v1.2.0",
			Digest: "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
		}}},
		// buildx to Distribution 3: the platform manifest untagged, the
		// tagged index; a tag delete and a blob mount beside them.
		{"buildx-oci-index-3.0.json", eventsV2MediaType + "; charset=utf-8", []Push{{
			Host: "registry.example.com", Repository: "team/api", Tag: "2026.05.04",
			Digest: "sha256:bb22f7a3b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
		}}},
		// The host from the target URL when the request has none; and the
		// envelope is recognised under application/json too.
		{"manifest-list-no-request-host.json", "application/json", []Push{{
			Host: "localhost:5000", Repository: "web", Tag: "latest",
			Digest: "sha256:ee55f7a3b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "hooks", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseHook(tt.contentType, body)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseHookPlain(t *testing.T) {
	for _, ct := range []string{"application/json", "", "application/x-www-form-urlencoded", "text/plain"} {
		got, err := ParseHook(ct, []byte(` {"app":"web","tag":"v1.2"} `))
		if err != nil || !slices.Equal(got, []Push{{App: "web", Tag: "v1.2"}}) {
			t.Fatalf("%q: %+v, %v", ct, got, err)
		}
	}
}

func TestParseHookMalformed(t *testing.T) {
	tag := func(s string) string {
		return `{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"web","tag":"` + s + `"}}]}`
	}
	tests := []struct{ name, contentType, body, want string }{
		{"empty", "application/json", "", "JSON object"},
		{"not JSON", "application/json", "app=web&tag=v1", "JSON object"},
		{"an array", "application/json", `[{"app":"web","tag":"v1"}]`, "JSON object"},
		{"truncated", "application/json", `{"app":"web","tag":"v1"`, "unexpected end"},
		{"trailing data", "application/json", `{"app":"web","tag":"v1"} {}`, "invalid character"},
		{"plain without app", "application/json", `{"tag":"v1"}`, "app is required"},
		{"plain without tag", "application/json", `{"app":"web"}`, "not a valid tag"},
		{"plain with a bad tag", "application/json", `{"app":"web","tag":"-v1"}`, "not a valid tag"},
		{"plain with a too long tag", "application/json", `{"app":"web","tag":"` + strings.Repeat("a", 129) + `"}`, "not a valid tag"},
		{"plain with a tag and a newline", "application/json", `{"app":"web","tag":"v1\n"}`, "not a valid tag"},
		{"plain with a typo", "application/json", `{"app":"web","tags":"v1"}`, "unknown field"},
		{"plain with a number", "application/json", `{"app":"web","tag":1}`, "cannot unmarshal"},
		{"envelope type with a plain body", eventsV2MediaType, `{"app":"web","tag":"v1"}`, "not an array"},
		{"events not an array", eventsV1MediaType, `{"events":{}}`, "not an array"},
		{"events null", "", `{"events":null}`, "not an array"},
		{"an event not an object", eventsV1MediaType, `{"events":[1]}`, "cannot unmarshal"},
		{"an event with a bad tag", eventsV1MediaType, tag("v 1"), "not a valid tag"},
		{"an event with a bad repository", eventsV1MediaType, `{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.index.v1+json","repository":"Web/../x","tag":"v1"}}]}`, "not a valid repository"},
		{"an event without repository", eventsV1MediaType, `{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.index.v1+json","tag":"v1"}}]}`, "not a valid repository"},
		{"an event with a bad digest", eventsV1MediaType, `{"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.index.v1+json","repository":"web","tag":"v1","digest":"md5:xyz"}}]}`, "not a valid digest"},
		{"too many events", eventsV1MediaType, `{"events":[` + strings.Repeat(`{},`, MaxHookEvents) + `{}]}`, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHook(tt.contentType, []byte(tt.body))
			if !errors.Is(err, ErrBadHook) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %+v, %v; want ErrBadHook with %q", got, err, tt.want)
			}
		})
	}
}

func TestParseHookAtTheEventCap(t *testing.T) {
	one := `{"action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"web","tag":"v1"}}`
	body := `{"events":[` + strings.TrimSuffix(strings.Repeat(one+",", MaxHookEvents), ",") + `]}`
	got, err := ParseHook(eventsV2MediaType, []byte(body))
	if err != nil || len(got) != MaxHookEvents {
		t.Fatalf("%d pushes, %v", len(got), err)
	}
}

func TestPushMatches(t *testing.T) {
	web := app("v.*", VanishedKeep) // Name web, Image 127.0.0.1:5000/web
	hub := app("latest", VanishedKeep)
	hub.Image = "docker.io/library/nginx"
	private := app(".*", VanishedKeep)
	private.Image = "registry.example.com/team/api"
	tests := []struct {
		name string
		p    Push
		a    AppView
		want bool
	}{
		{"by name", Push{App: "web", Tag: "v1"}, web, true},
		{"by name, tag outside the pattern", Push{App: "web", Tag: "latest"}, web, false},
		{"another name", Push{App: "api", Tag: "v1"}, web, false},
		{"by name ignores the repository", Push{App: "web", Repository: "other", Tag: "v1"}, web, true},
		{"host and path", Push{Host: "127.0.0.1:5000", Repository: "web", Tag: "v2"}, web, true},
		{"another host", Push{Host: "127.0.0.1:5001", Repository: "web", Tag: "v2"}, web, false},
		{"another path", Push{Host: "127.0.0.1:5000", Repository: "team/web", Tag: "v2"}, web, false},
		{"no host: path alone", Push{Repository: "web", Tag: "v2"}, web, true},
		{"host case and :443", Push{Host: "Registry.Example.com:443", Repository: "team/api", Tag: "x"}, private, true},
		{"Docker Hub's names", Push{Host: "index.docker.io", Repository: "library/nginx", Tag: "latest"}, hub, true},
		{"Docker Hub, short path", Push{Host: "docker.io", Repository: "nginx", Tag: "latest"}, hub, false},
		{"an app without pattern", Push{App: "web", Tag: "v1"}, AppView{Name: "web"}, false},
	}
	for _, tt := range tests {
		if got := tt.p.Matches(tt.a); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := (Push{Host: "h:1", Repository: "a/b"}).Image(); got != "h:1/a/b" {
		t.Errorf("Image %q", got)
	}
}

func TestVerifyHook(t *testing.T) {
	const secret = "hook-secret-0123"
	body := []byte(`{"app":"web","tag":"v1"}`)
	sig := "sha256=" + hex.EncodeToString(Sign(secret, body))
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		want   bool
	}{
		{"bearer", secret, h("Authorization", "Bearer "+secret), body, true},
		{"bearer, scheme in lower case", secret, h("Authorization", "bearer "+secret), body, true},
		{"signature", secret, h(SignatureHeader, sig), body, true},
		{"signature in upper-case hex", secret, h(SignatureHeader, "sha256="+strings.ToUpper(sig[7:])), body, true},
		{"a wrong bearer", secret, h("Authorization", "Bearer nope"), body, false},
		{"a bearer that is a prefix", secret, h("Authorization", "Bearer "+secret[:5]), body, false},
		{"basic instead of bearer", secret, h("Authorization", "Basic "+secret), body, false},
		{"a wrong signature", secret, h(SignatureHeader, "sha256="+strings.Repeat("00", 32)), body, false},
		{"a signature of another secret", secret, h(SignatureHeader, "sha256="+hex.EncodeToString(Sign("other", body))), body, false},
		{"a tampered body", secret, h(SignatureHeader, sig), []byte(`{"app":"web","tag":"v2"}`), false},
		{"a signature without sha256=", secret, h(SignatureHeader, sig[7:]), body, false},
		{"a signature that is not hex", secret, h(SignatureHeader, "sha256=zz"), body, false},
		{"a short signature", secret, h(SignatureHeader, sig[:20]), body, false},
		{"no header", secret, h(), body, false},
		{"a wrong bearer, a good signature", secret, h("Authorization", "Bearer nope", SignatureHeader, sig), body, true},
		{"empty secret: webhooks off", "", h("Authorization", "Bearer "), body, false},
		{"empty secret, empty signature", "", h(SignatureHeader, "sha256="+hex.EncodeToString(Sign("", body))), body, false},
	}
	for _, tt := range tests {
		if got := VerifyHook(tt.secret, tt.header, tt.body); got != tt.want {
			t.Errorf("%s: VerifyHook = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// FuzzParseHook: never a panic, and what parses is only tagged manifest
// pushes or a plain app and tag, with a valid tag.
func FuzzParseHook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "hooks", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(eventsV1MediaType, b)
		f.Add("application/json", b)
	}
	f.Add("application/json", []byte(`{"app":"web","tag":"v1"}`))
	f.Add("", []byte(`{"events":[{"action":"push","target":{"tag":"v1"}}]}`))
	f.Add(eventsV2MediaType, []byte(`{"events":[]}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		pushes, err := ParseHook(contentType, body)
		if err != nil {
			if !errors.Is(err, ErrBadHook) || pushes != nil {
				t.Fatalf("error %v without ErrBadHook, or with pushes %v", err, pushes)
			}
			return
		}
		for _, p := range pushes {
			if !tagSyntax.MatchString(p.Tag) {
				t.Fatalf("push with bad tag %q", p.Tag)
			}
			plain := p.App != "" && p.Repository == "" && p.Host == "" && p.Digest == ""
			envelope := p.App == "" && p.Repository != ""
			if plain == envelope {
				t.Fatalf("push is neither plain nor from an envelope: %+v", p)
			}
			if envelope && p.Digest != "" && !digestSyntax.MatchString(p.Digest) {
				t.Fatalf("push with bad digest %q", p.Digest)
			}
			if strings.ContainsAny(p.Host, "/@?# ") {
				t.Fatalf("push with bad host %q", p.Host)
			}
		}
	})
}
