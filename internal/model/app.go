package model

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/distribution/reference"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// App is a watched image repository that Docker Watcher deploys.
type App struct {
	ID                  int64             `json:"id"`
	Name                string            `json:"name"`
	Image               string            `json:"image"`
	TagPattern          string            `json:"tag_pattern"`
	ContainerPort       int               `json:"container_port"`
	Env                 map[string]string `json:"env"`
	AutoDeploy          bool              `json:"auto_deploy"`
	PollIntervalSeconds int               `json:"poll_interval_seconds"`
	RegistryUsername    string            `json:"registry_username"`
	RegistryPassword    string            `json:"-"` // secret
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
}

// Defaults for fields a new app may leave out.
const (
	DefaultTagPattern          = "latest"
	DefaultPollIntervalSeconds = 300
)

var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Normalize validates the user-set fields and canonicalises them.
func (a *App) Normalize() error {
	a.Name = strings.TrimSpace(a.Name)
	if err := dnsname.CheckLabel(a.Name); err != nil {
		return fieldErr("name", "name must be a DNS label (a-z, 0-9, -, at most 63): it "+err.Error())
	}
	if err := a.normalizeImage(); err != nil {
		return err
	}
	if a.TagPattern == "" {
		a.TagPattern = DefaultTagPattern
	}
	if _, err := a.TagRegexp(); err != nil {
		return fieldErr("tag_pattern", "tag_pattern is not a valid regular expression: "+err.Error())
	}
	if a.ContainerPort < 1 || a.ContainerPort > 65535 {
		return fieldErr("container_port", "container_port must be between 1 and 65535")
	}
	if a.Env == nil {
		a.Env = map[string]string{}
	}
	for k, v := range a.Env {
		if !envKey.MatchString(k) {
			return fieldErr("env."+k, fmt.Sprintf("environment variable name %q must match [A-Za-z_][A-Za-z0-9_]*", k))
		}
		if strings.ContainsRune(v, 0) {
			return fieldErr("env."+k, "environment value must not contain a NUL byte")
		}
	}
	if p := a.PollIntervalSeconds; p != 0 && (p < 30 || p > 86400) {
		return fieldErr("poll_interval_seconds", "poll_interval_seconds must be 0 (webhooks only) or between 30 and 86400")
	}
	if len(a.RegistryUsername) > 255 {
		return fieldErr("registry_username", "registry_username must be at most 255 characters")
	}
	if err := CheckCredential("registry_username", a.RegistryUsername); err != nil {
		return err
	}
	if len(a.RegistryPassword) > 4096 {
		return fieldErr("registry_password", "registry_password must be at most 4096 characters")
	}
	return CheckCredential("registry_password", a.RegistryPassword)
}

func (a *App) normalizeImage() error {
	in := strings.TrimSpace(a.Image)
	named, err := reference.ParseNormalizedNamed(in)
	if err != nil {
		return fieldErr("image", fmt.Sprintf("image %q is not a valid image repository: %v", in, err))
	}
	if _, ok := named.(reference.Tagged); ok {
		return fieldErr("image", "image must be a repository without tag (set tag_pattern instead)")
	}
	if _, ok := named.(reference.Digested); ok {
		return fieldErr("image", "image must be a repository without digest")
	}
	a.Image = named.Name()
	return nil
}

// TagRegexp compiles the tag pattern so that it must match a whole tag.
//
// The pattern is parsed on its own and the anchors are put around the parsed
// tree, never around its text: pasted into "^(?:...)$", a pattern such as
// "v1)|(.*" would close the group itself and match every tag.
func (a *App) TagRegexp() (*regexp.Regexp, error) {
	re, err := syntax.Parse(a.TagPattern, syntax.Perl) // the flags of regexp.Compile
	if err != nil {
		return nil, err
	}
	whole := &syntax.Regexp{Op: syntax.OpConcat, Flags: syntax.Perl, Sub: []*syntax.Regexp{
		{Op: syntax.OpBeginText}, re, {Op: syntax.OpEndText},
	}}
	// The printed tree is one well-formed expression that parses back to
	// the same tree, so the anchors stay outside it.
	return regexp.Compile(whole.String())
}
