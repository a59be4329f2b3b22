package model

import (
	"fmt"
	"math"
	"net/url"
	"path"
	"regexp"
	"regexp/syntax"
	"slices"
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
	// HealthPath, when set, is checked over HTTP until it answers 2xx or
	// 3xx (with HealthHost as the Host, when set) in place of a TCP check;
	// an image's own HEALTHCHECK comes first.
	HealthPath    string            `json:"health_path"`
	HealthHost    string            `json:"health_host"`
	MemoryMB      int               `json:"memory_mb"` // 0: no limit
	CPUs          float64           `json:"cpus"`      // 0: no limit
	Volumes       map[string]string `json:"volumes"`   // named volume → path in the container
	RestartPolicy string            `json:"restart_policy"`
	VanishedTag   string            `json:"vanished_tag"` // VanishedKeep or VanishedRemove
	// LastError is the watcher's last problem with the registry; "" once
	// a check succeeds. LastCheckedAt is when it last asked.
	LastError     string     `json:"last_error"`
	LastCheckedAt *time.Time `json:"last_checked_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// What to do with an instance whose tag vanished from the registry.
const (
	VanishedKeep   = "keep"
	VanishedRemove = "remove"
)

// Restart policies of an app's containers, as Docker names them.
var restartPolicies = []string{"no", "always", "unless-stopped", "on-failure"}

// DefaultRestartPolicy restarts containers after a crash or a reboot
// unless they were stopped on purpose.
const DefaultRestartPolicy = "unless-stopped"

var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)

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
	if p := a.PollIntervalSeconds; p != 0 && (p < 10 || p > 86400) {
		return fieldErr("poll_interval_seconds", "poll_interval_seconds must be 0 (webhooks only) or between 10 and 86400")
	}
	if err := a.normalizeRuntime(); err != nil {
		return err
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

// normalizeRuntime validates how the app's containers run.
func (a *App) normalizeRuntime() error {
	if a.HealthPath != "" {
		if !strings.HasPrefix(a.HealthPath, "/") || len(a.HealthPath) > 1024 || strings.ContainsAny(a.HealthPath, " \t\r\n#") {
			return fieldErr("health_path", "health_path must be a path starting with / (at most 1024 characters, no spaces or #), like /healthz")
		}
		if _, err := url.ParseRequestURI(a.HealthPath); err != nil {
			return fieldErr("health_path", "health_path is not a valid path: "+err.Error())
		}
	}
	if a.HealthHost != "" {
		if err := checkHost("health_host", &a.HealthHost); err != nil {
			return err
		}
	}
	if m := a.MemoryMB; m != 0 && (m < 6 || m > 1<<20) {
		return fieldErr("memory_mb", "memory_mb must be 0 (no limit) or between 6 and 1048576")
	}
	if c := a.CPUs; c != 0 && (c < 0.01 || c > 1024 || math.IsNaN(c)) {
		return fieldErr("cpus", "cpus must be 0 (no limit) or between 0.01 and 1024")
	}
	if a.Volumes == nil {
		a.Volumes = map[string]string{}
	}
	if len(a.Volumes) > 32 {
		return fieldErr("volumes", "volumes holds at most 32 entries")
	}
	paths := map[string]string{}
	for name, p := range a.Volumes {
		if !volumeName.MatchString(name) {
			return fieldErr("volumes."+name, fmt.Sprintf("volume name %q must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128)", name))
		}
		if !path.IsAbs(p) || path.Clean(p) != p || p == "/" || strings.ContainsAny(p, ":,\x00") {
			return fieldErr("volumes."+name, fmt.Sprintf("the path of volume %s must be a clean absolute path other than / (got %q)", name, p))
		}
		if other, ok := paths[p]; ok {
			return fieldErr("volumes."+name, fmt.Sprintf("volumes %s and %s share the path %s", other, name, p))
		}
		paths[p] = name
	}
	if a.RestartPolicy == "" {
		a.RestartPolicy = DefaultRestartPolicy
	}
	if !slices.Contains(restartPolicies, a.RestartPolicy) {
		return fieldErr("restart_policy", fmt.Sprintf("restart_policy must be one of %s", strings.Join(restartPolicies, ", ")))
	}
	switch a.VanishedTag {
	case "":
		a.VanishedTag = VanishedKeep
	case VanishedKeep, VanishedRemove:
	default:
		return fieldErr("vanished_tag", fmt.Sprintf("vanished_tag must be %q or %q", VanishedKeep, VanishedRemove))
	}
	return nil
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
