package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
)

// What GET /api/apps/{id}/tags reads of a registry: the tag list is capped
// (a repository of CI builds can hold thousands), and only the newest few
// get their digest, one HEAD each.
const (
	maxTags     = 200
	digestTags  = 10
	digestJobs  = 4
	tagsTimeout = 15 * time.Second
)

// tagView is one tag of an app's repository; Digest is left out when it
// was not read.
type tagView struct {
	Tag    string `json:"tag"`
	Digest string `json:"digest,omitempty"`
}

type tagsView struct {
	Tags []tagView `json:"tags"`
	// Total is the number of tags that match the pattern, before the cap.
	Total int `json:"total"`
	// Error says what could not be read beside the list (digests); "" when
	// nothing failed.
	Error string `json:"error"`
}

// appTags lists the tags of the app's repository that its pattern
// matches, newest-looking first, for the deploy form. The registry is read
// with the app's credentials (else Docker's config, as the watcher does);
// a registry that fails or does not answer in time is a 502 naming it.
func (s *Server) appTags(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadApp(r)
	if err != nil {
		return err
	}
	re, err := a.TagRegexp()
	if err != nil {
		return fmt.Errorf("stored tag_pattern of app %d: %w", a.ID, err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.tagsTimeout)
	defer cancel()
	auth := registry.Auth{Username: a.RegistryUsername, Password: a.RegistryPassword}
	all, err := s.registry.Tags(ctx, a.Image, auth)
	if err != nil {
		return registryError(ctx, a, err, s.tagsTimeout)
	}
	var matching []string
	for _, t := range all {
		if re.MatchString(t) {
			matching = append(matching, t)
		}
	}
	sortTags(matching)
	out := tagsView{Tags: make([]tagView, 0, min(len(matching), maxTags)), Total: len(matching)}
	for _, t := range matching[:min(len(matching), maxTags)] {
		out.Tags = append(out.Tags, tagView{Tag: t})
	}
	out.Error = s.readDigests(ctx, a.Image, auth, out.Tags[:min(len(out.Tags), digestTags)])
	return writeJSON(w, http.StatusOK, out)
}

// readDigests fills in the digests of tags, a few at a time; it returns
// what failed, or "".
func (s *Server) readDigests(ctx context.Context, image string, auth registry.Auth, tags []tagView) string {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		first  error
	)
	jobs := make(chan int)
	for range min(digestJobs, len(tags)) {
		wg.Go(func() {
			for i := range jobs {
				d, err := s.registry.Digest(ctx, image, tags[i].Tag, auth)
				mu.Lock()
				if err != nil {
					failed++
					first = cmp.Or(first, err)
				} else {
					tags[i].Digest = d
				}
				mu.Unlock()
			}
		})
	}
	for i := range tags {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	switch failed {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("the digest of 1 tag could not be read: %v", first)
	}
	return fmt.Sprintf("the digests of %d tags could not be read: %v", failed, first)
}

// registryError is the 502 of a tag list that failed, in words that name
// the registry and say whose credentials it refused.
func registryError(ctx context.Context, a model.App, err error, timeout time.Duration) error {
	host := registryHost(a.Image)
	whose := "Docker's config on this server (or none)"
	if a.RegistryUsername != "" || a.RegistryPassword != "" {
		whose = "the app's registry_username and registry_password"
	}
	switch status := registry.StatusCode(err); {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return errorf(http.StatusBadGateway, "", "the registry %s did not answer within %s: %v", host, timeout, err)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return errorf(http.StatusBadGateway, "", "the registry %s refused the credentials (%s) with %d: %v", host, whose, status, err)
	case status == http.StatusNotFound:
		return errorf(http.StatusBadGateway, "", "the registry %s has no repository %s (404): %v", host, a.Image, err)
	case status != 0:
		return errorf(http.StatusBadGateway, "", "the registry %s answered %d: %v", host, status, err)
	}
	return errorf(http.StatusBadGateway, "", "the registry %s cannot be reached: %v", host, err)
}

// registryHost is the registry part of a stored image ("docker.io" for
// Docker Hub's).
func registryHost(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	return reference.Domain(named)
}

// versionTag is a tag that reads as a version: an optional v, dotted
// numbers, an optional pre-release and build (v1.2.3, 1.25, 2.0.0-rc.1).
var versionTag = regexp.MustCompile(`^[vV]?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// sortTags puts the newest-looking tags first: versions by their numbers,
// highest first (a release before its pre-releases), then the other tags
// in natural order, highest first (build-100 before build-99).
func sortTags(tags []string) {
	slices.SortStableFunc(tags, func(a, b string) int { return compareTags(b, a) })
}

// compareTags orders tags from oldest-looking to newest-looking.
func compareTags(a, b string) int {
	va, aok := parseVersion(a)
	vb, bok := parseVersion(b)
	switch {
	case aok && bok:
		if c := compareVersions(va, vb); c != 0 {
			return c
		}
	case aok:
		return 1 // a version is newer-looking than a name
	case bok:
		return -1
	}
	return cmp.Or(naturalCompare(a, b), strings.Compare(a, b))
}

type version struct {
	nums []int
	pre  string // "" for a release
}

func parseVersion(tag string) (version, bool) {
	m := versionTag.FindStringSubmatch(tag)
	if m == nil {
		return version{}, false
	}
	var v version
	for part := range strings.SplitSeq(m[1], ".") {
		n, err := strconv.Atoi(part)
		if err != nil { // beyond an int: not a version worth ordering
			return version{}, false
		}
		v.nums = append(v.nums, n)
	}
	v.pre = m[2]
	return v, true
}

func compareVersions(a, b version) int {
	for i := range max(len(a.nums), len(b.nums)) {
		if c := cmp.Compare(at(a.nums, i), at(b.nums, i)); c != 0 {
			return c
		}
	}
	switch {
	case a.pre == b.pre:
		return cmp.Compare(len(a.nums), len(b.nums))
	case a.pre == "":
		return 1 // a release comes after its pre-releases
	case b.pre == "":
		return -1
	}
	return comparePrerelease(a.pre, b.pre)
}

func at(nums []int, i int) int {
	if i < len(nums) {
		return nums[i]
	}
	return 0
}

// comparePrerelease follows semver: dot-separated identifiers, numbers
// compared as numbers and before words, more identifiers after fewer.
func comparePrerelease(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		var c int
		switch {
		case aerr == nil && berr == nil:
			c = cmp.Compare(an, bn)
		case aerr == nil:
			c = -1
		case berr == nil:
			c = 1
		default:
			c = naturalCompare(as[i], bs[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// naturalCompare compares strings with their runs of digits as numbers:
// "build-9" before "build-10".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ad, bd := isDigit(a[0]), isDigit(b[0])
		if ad && bd {
			ra, rb := digitRun(a), digitRun(b)
			na, nb := strings.TrimLeft(ra, "0"), strings.TrimLeft(rb, "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[len(ra):], b[len(rb):]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitRun(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}
