package registry

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// VanishedPolicy is what happens to an instance whose tag is no longer in
// the registry.
type VanishedPolicy string

// The policies; an empty one is VanishedKeep, the safe default.
const (
	VanishedKeep   VanishedPolicy = "keep"
	VanishedRemove VanishedPolicy = "remove"
)

// AppView is what the watcher needs of an app.
type AppView struct {
	ID    int64
	Name  string // the plain webhook body names the app by it
	Image string // repository without tag, as model.App.Image normalises it
	// Pattern must match a whole tag (model.App.TagRegexp).
	Pattern      *regexp.Regexp
	AutoDeploy   bool
	PollInterval time.Duration // 0: webhooks only
	Auth         Auth
	OnVanished   VanishedPolicy
}

// InstanceView is what the decision needs of an instance.
type InstanceView struct {
	ID     int64
	Tag    string
	Digest string // what it runs, or was last asked to run; "" when unknown
	Status string // model.Status*
	// FailedDigest is a digest the watcher does not redeploy ("" when
	// none): that of the last deploy or redeploy of this instance that
	// failed, so a broken image is not tried again at every poll, or the
	// one a rollback turned away from.
	FailedDigest string
}

// ActionKind says what an Action does.
type ActionKind int

// The kinds of action.
const (
	Deploy   ActionKind = iota + 1 // a new instance of Tag at Digest
	Redeploy                       // Instance to Digest, without downtime
	Remove                         // Instance, its route and record
)

func (k ActionKind) String() string {
	switch k {
	case Deploy:
		return "deploy"
	case Redeploy:
		return "redeploy"
	case Remove:
		return "remove"
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Action is one change Decide asks for.
type Action struct {
	Kind     ActionKind
	Tag      string
	Digest   string // Deploy, Redeploy
	Instance int64  // Redeploy, Remove
}

func (a Action) String() string {
	switch a.Kind {
	case Deploy:
		return fmt.Sprintf("deploy %s@%s", a.Tag, a.Digest)
	case Redeploy:
		return fmt.Sprintf("redeploy instance %d (%s) to %s", a.Instance, a.Tag, a.Digest)
	default:
		return fmt.Sprintf("%s instance %d (%s)", a.Kind, a.Instance, a.Tag)
	}
}

// Decide compares what the registry shows with the app's instances.
//
// seen maps the tags the registry listed to their digests; a digest of ""
// means it could not be read this time, and that tag is then left alone
// (neither deployed nor treated as vanished). Only tags that match the
// app's pattern count: an instance whose tag does not match (deployed by
// hand, or before the pattern changed) is never touched.
//
// The rules, per matching tag:
//   - no instance of the tag at all: Deploy it;
//   - a running or failed instance whose digest differs from the one seen:
//     Redeploy it, unless the seen digest is its FailedDigest (that image
//     already failed: it is not retried at every poll, only when a new
//     digest is pushed or the user acts). A failed instance at the digest
//     it failed with is left alone for the same reason;
//   - a deploying instance is left alone: the deployer is at work on it and
//     the next poll looks again;
//   - a stopped instance is left alone: the user stopped it, and the
//     watcher does not start it behind their back. Once started again, the
//     next poll redeploys it if its digest is stale.
//
// An instance whose matching tag is no longer listed follows the app's
// policy: keep does nothing, remove removes it, unless it is deploying.
//
// The actions come sorted (deploys by tag, then the others by instance) so
// the same inputs always give the same list.
func Decide(app AppView, seen map[string]string, instances []InstanceView) []Action {
	if app.Pattern == nil {
		return nil
	}
	byTag := map[string][]InstanceView{}
	for _, in := range instances {
		byTag[in.Tag] = append(byTag[in.Tag], in)
	}
	var deploys, others []Action
	for tag, digest := range seen {
		if digest == "" || !app.Pattern.MatchString(tag) {
			continue
		}
		if len(byTag[tag]) == 0 {
			deploys = append(deploys, Action{Kind: Deploy, Tag: tag, Digest: digest})
			continue
		}
		for _, in := range byTag[tag] {
			if wantsRedeploy(in, digest) {
				others = append(others, Action{Kind: Redeploy, Tag: tag, Digest: digest, Instance: in.ID})
			}
		}
	}
	if app.OnVanished == VanishedRemove {
		for _, in := range instances {
			if _, listed := seen[in.Tag]; listed || !app.Pattern.MatchString(in.Tag) || in.Status == model.StatusDeploying {
				continue
			}
			others = append(others, Action{Kind: Remove, Tag: in.Tag, Instance: in.ID})
		}
	}
	slices.SortFunc(deploys, func(a, b Action) int { return cmp.Compare(a.Tag, b.Tag) })
	slices.SortFunc(others, func(a, b Action) int { return cmp.Compare(a.Instance, b.Instance) })
	return append(deploys, others...)
}

func wantsRedeploy(in InstanceView, digest string) bool {
	switch in.Status {
	case model.StatusRunning, model.StatusFailed:
		return digest != in.Digest && digest != in.FailedDigest
	default: // deploying, stopped, or a status this version does not know
		return false
	}
}
