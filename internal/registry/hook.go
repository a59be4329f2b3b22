package registry

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// Push is one tag pushed, as a webhook announced it.
type Push struct {
	// App names the app (the plain {"app","tag"} body); "" for an envelope.
	App string
	// Host is the registry as the pusher addressed it ("registry.example.com",
	// "127.0.0.1:5000"), lower case; "" when the envelope did not say.
	Host string
	// Repository is the path inside the registry ("team/web").
	Repository string
	Tag        string
	Digest     string // "" for the plain body
}

// Image is the repository with its registry host, as an app's image is
// written ("registry.example.com/team/web"); just the path without a host.
func (p Push) Image() string {
	if p.Host == "" {
		return p.Repository
	}
	return p.Host + "/" + p.Repository
}

// Matches reports whether the push is for app (by name, or by repository)
// with a tag its pattern accepts. An envelope without a host matches on
// the repository path alone.
func (p Push) Matches(app AppView) bool {
	if app.Pattern == nil || !app.Pattern.MatchString(p.Tag) {
		return false
	}
	if p.App != "" {
		return p.App == app.Name
	}
	named, err := reference.ParseNormalizedNamed(app.Image)
	if err != nil {
		return false
	}
	if reference.Path(named) != p.Repository {
		return false
	}
	return p.Host == "" || sameHost(reference.Domain(named), p.Host)
}

// dockerHub are the names Docker Hub answers to; reference normalises an
// image on it to "docker.io".
var dockerHub = map[string]bool{"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true}

func sameHost(a, b string) bool {
	a, b = strings.TrimSuffix(strings.ToLower(a), ":443"), strings.TrimSuffix(strings.ToLower(b), ":443")
	return a == b || (dockerHub[a] && dockerHub[b])
}

// ErrBadHook marks a webhook body that cannot be read: the API answers 400.
var ErrBadHook = errors.New("bad webhook payload")

// MaxHookEvents bounds the events read from one envelope. A registry sends
// a handful per request; the rest of a bigger one is refused rather than
// looped over.
const MaxHookEvents = 1000

// The envelope's media types: v1 from Distribution 2.x (Debian's
// docker-registry), v2 from Distribution 3.
const (
	eventsV1MediaType = "application/vnd.docker.distribution.events.v1+json"
	eventsV2MediaType = "application/vnd.docker.distribution.events.v2+json"
)

// manifestTypes are the media types of pushes that make a tag deployable;
// layer (blob) pushes also send "push" events and are skipped.
var manifestTypes = map[string]bool{
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   true,
}

// hookEvent is the part of an event of Distribution's notification
// envelope (notifications/event.go) that is read.
type hookEvent struct {
	Action string `json:"action"`
	Target struct {
		MediaType  string `json:"mediaType"`
		Digest     string `json:"digest"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request struct {
		Host string `json:"host"`
	} `json:"request"`
}

type plainHook struct {
	App string `json:"app"`
	Tag string `json:"tag"`
}

// ParseHook reads a push webhook body: Distribution's notification envelope
// or the plain {"app":"name","tag":"v1"} (for CI scripts). The content
// type chooses only when it is the envelope's own; any other (curl -d sends
// a form type) is read as JSON and told apart by its fields, as the
// notification docs ask receivers to be accepting.
//
// Only push events of tagged manifests become Pushes; an envelope with none
// gives an empty list, not an error. Malformed input, an event with a bad
// repository, tag or digest, or a plain body without app or tag give an
// error wrapping ErrBadHook.
func ParseHook(contentType string, body []byte) ([]Push, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("%w: the body must be a JSON object", ErrBadHook)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHook, err)
	}
	_, hasEvents := keys["events"]
	if mt == eventsV1MediaType || mt == eventsV2MediaType || hasEvents {
		return parseEnvelope(keys["events"])
	}
	return parsePlain(body)
}

func parseEnvelope(raw json.RawMessage) ([]Push, error) {
	if raw == nil {
		return nil, fmt.Errorf("%w: events: missing, or not an array", ErrBadHook)
	}
	if n, err := countArray(raw); err != nil {
		return nil, fmt.Errorf("%w: events: %v", ErrBadHook, err)
	} else if n > MaxHookEvents {
		return nil, fmt.Errorf("%w: %d events, at most %d are read", ErrBadHook, n, MaxHookEvents)
	}
	var events []hookEvent
	if err := json.Unmarshal(raw, &events); err != nil {
		return nil, fmt.Errorf("%w: events: %v", ErrBadHook, err)
	}
	var out []Push
	for i, e := range events {
		t := e.Target
		if e.Action != "push" || t.Tag == "" || !manifestTypes[t.MediaType] {
			continue
		}
		if !tagSyntax.MatchString(t.Tag) {
			return nil, fmt.Errorf("%w: events[%d]: tag %q is not a valid tag", ErrBadHook, i, t.Tag)
		}
		if _, err := reference.ParseNamed("example.invalid/" + t.Repository); err != nil || t.Repository == "" {
			return nil, fmt.Errorf("%w: events[%d]: repository %q is not a valid repository", ErrBadHook, i, t.Repository)
		}
		if t.Digest != "" && !digestSyntax.MatchString(t.Digest) {
			return nil, fmt.Errorf("%w: events[%d]: digest %q is not a valid digest", ErrBadHook, i, t.Digest)
		}
		out = append(out, Push{Host: eventHost(e.Request.Host, t.URL), Repository: t.Repository, Tag: t.Tag, Digest: t.Digest})
	}
	return out, nil
}

// eventHost is the registry as the pusher addressed it: the request's Host
// header, else the host of the target's URL (which the registry builds
// from the same header, or from its configured http.host).
func eventHost(host, target string) string {
	if host == "" {
		if u, err := url.Parse(target); err == nil {
			host = u.Host
		}
	}
	host = strings.ToLower(host)
	if u, err := url.Parse("//" + host); err != nil || u.Host != host || u.User != nil {
		return "" // not a bare host[:port]: match on the path alone
	}
	return host
}

// countArray counts the elements of a JSON array without decoding them.
func countArray(raw json.RawMessage) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return 0, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return 0, errors.New("not an array")
	}
	n := 0
	for dec.More() {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return n, err
		}
		n++
		if n > MaxHookEvents {
			return n, nil
		}
	}
	return n, nil
}

func parsePlain(body []byte) ([]Push, error) {
	var p plainHook
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHook, err)
	}
	if p.App == "" {
		return nil, fmt.Errorf("%w: app is required", ErrBadHook)
	}
	if !tagSyntax.MatchString(p.Tag) {
		return nil, fmt.Errorf("%w: tag %q is not a valid tag", ErrBadHook, p.Tag)
	}
	return []Push{{App: p.App, Tag: p.Tag}}, nil
}

// Tag and digest syntax of the distribution spec; reference's own
// regexps are not anchored.
var (
	tagSyntax    = regexp.MustCompile(`^(?:` + reference.TagRegexp.String() + `)$`)
	digestSyntax = regexp.MustCompile(`^(?:` + reference.DigestRegexp.String() + `)$`)
)

// SignatureHeader carries the HMAC-SHA256 of the body, as
// "sha256=<hex>" (the scheme GitHub uses for X-Hub-Signature-256).
const SignatureHeader = "X-Docker-Watcher-Signature"

// VerifyHook reports whether a webhook request is authenticated by secret:
// "Authorization: Bearer <secret>" (what Distribution's notifications
// config can send as a static header), or SignatureHeader with the HMAC of
// body (what a CI script can compute without putting the secret on the
// wire). Both compare in constant time. An empty secret means webhooks are
// off: nothing verifies.
func VerifyHook(secret string, header http.Header, body []byte) bool {
	if secret == "" {
		return false
	}
	if auth := header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(secret)) == 1 {
			return true
		}
	}
	sig, ok := strings.CutPrefix(header.Get(SignatureHeader), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, Sign(secret, body))
}

// Sign is the HMAC-SHA256 of body under secret: SignatureHeader carries it
// as "sha256=" + hex.
func Sign(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
