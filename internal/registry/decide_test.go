package registry

import (
	"slices"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const (
	d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	d3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

func inst(id int64, tag, digest, status string) InstanceView {
	return InstanceView{ID: id, Tag: tag, Digest: digest, Status: status}
}

func failedAt(in InstanceView, digest string) InstanceView {
	in.FailedDigest = digest
	return in
}

func app(pattern string, policy VanishedPolicy) AppView {
	m := model.App{TagPattern: pattern}
	re, err := m.TagRegexp()
	if err != nil {
		panic(err)
	}
	return AppView{ID: 1, Name: "web", Image: "127.0.0.1:5000/web", Pattern: re, AutoDeploy: true, OnVanished: policy}
}

// applyActions is what a deployer that always succeeds leaves behind.
func applyActions(in []InstanceView, actions []Action) []InstanceView {
	out := slices.Clone(in)
	next := int64(1000)
	for _, a := range actions {
		switch a.Kind {
		case Deploy:
			next++
			out = append(out, inst(next, a.Tag, a.Digest, model.StatusRunning))
		case Redeploy:
			for i := range out {
				if out[i].ID == a.Instance {
					out[i].Digest, out[i].Status, out[i].FailedDigest = a.Digest, model.StatusRunning, ""
				}
			}
		case Remove:
			out = slices.DeleteFunc(out, func(i InstanceView) bool { return i.ID == a.Instance })
		}
	}
	return out
}

func TestDecide(t *testing.T) {
	running, failed, stopped, deploying := model.StatusRunning, model.StatusFailed, model.StatusStopped, model.StatusDeploying
	tests := []struct {
		name      string
		app       AppView
		seen      map[string]string
		instances []InstanceView
		want      []Action
	}{
		{"nothing listed, nothing running", app("v.*", VanishedRemove), nil, nil, nil},
		{"a new matching tag deploys", app("v.*", VanishedKeep), map[string]string{"v1": d1}, nil,
			[]Action{{Kind: Deploy, Tag: "v1", Digest: d1}}},
		{"new tags deploy in tag order", app("v.*", VanishedKeep), map[string]string{"v2": d2, "v1": d1, "v10": d3}, nil,
			[]Action{{Kind: Deploy, Tag: "v1", Digest: d1}, {Kind: Deploy, Tag: "v10", Digest: d3}, {Kind: Deploy, Tag: "v2", Digest: d2}}},
		{"the pattern must match the whole tag", app("v1", VanishedKeep), map[string]string{"v1": d1, "v10": d2, "xv1": d3}, nil,
			[]Action{{Kind: Deploy, Tag: "v1", Digest: d1}}},
		{"a pattern with an alternation stays anchored", app("v1|v2", VanishedKeep), map[string]string{"v1x": d1, "xv2": d2, "v2": d3}, nil,
			[]Action{{Kind: Deploy, Tag: "v2", Digest: d3}}},
		{"a tag whose digest is unknown is left alone", app("v.*", VanishedRemove), map[string]string{"v1": "", "v2": ""},
			[]InstanceView{inst(1, "v1", d1, running)}, nil},
		{"same digest: nothing", app("latest", VanishedKeep), map[string]string{"latest": d1},
			[]InstanceView{inst(1, "latest", d1, running)}, nil},
		{"a changed digest redeploys", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, running)},
			[]Action{{Kind: Redeploy, Tag: "latest", Digest: d2, Instance: 1}}},
		{"every instance of the tag redeploys", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(7, "latest", d1, running), inst(3, "latest", d1, running)},
			[]Action{{Kind: Redeploy, Tag: "latest", Digest: d2, Instance: 3}, {Kind: Redeploy, Tag: "latest", Digest: d2, Instance: 7}}},
		{"an instance with an unknown digest redeploys", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", "", running)},
			[]Action{{Kind: Redeploy, Tag: "latest", Digest: d2, Instance: 1}}},
		{"a deploying instance is left alone", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, deploying)}, nil},
		{"a deploying instance counts as the tag's instance", app("latest", VanishedKeep), map[string]string{"latest": d1},
			[]InstanceView{inst(1, "latest", "", deploying)}, nil},
		{"a stopped instance is not started behind the user's back", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, stopped)}, nil},
		{"a failed instance at the same digest is not retried", app("latest", VanishedKeep), map[string]string{"latest": d1},
			[]InstanceView{inst(1, "latest", d1, failed)}, nil},
		{"a failed instance is retried with a new digest", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, failed)},
			[]Action{{Kind: Redeploy, Tag: "latest", Digest: d2, Instance: 1}}},
		{"a running instance whose redeploy failed is not retried at that digest", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{failedAt(inst(1, "latest", d1, running), d2)}, nil},
		{"a digest newer than the failed one redeploys", app("latest", VanishedKeep), map[string]string{"latest": d3},
			[]InstanceView{failedAt(inst(1, "latest", d1, running), d2)},
			[]Action{{Kind: Redeploy, Tag: "latest", Digest: d3, Instance: 1}}},
		{"a failed instance with its failed digest is not retried", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{failedAt(inst(1, "latest", "", failed), d2)}, nil},
		{"an unknown status is left alone", app("latest", VanishedKeep), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, "paused")}, nil},
		{"vanished with keep: nothing", app("v.*", VanishedKeep), map[string]string{},
			[]InstanceView{inst(1, "v1", d1, running)}, nil},
		{"vanished with no policy: kept", app("v.*", ""), map[string]string{},
			[]InstanceView{inst(1, "v1", d1, running)}, nil},
		{"vanished with remove: removed, whatever its status but deploying", app("v.*", VanishedRemove), map[string]string{"v9": d1},
			[]InstanceView{inst(1, "v1", d1, running), inst(2, "v2", d1, stopped), inst(3, "v3", d1, failed), inst(4, "v4", "", deploying), inst(5, "v9", d1, running)},
			[]Action{{Kind: Remove, Tag: "v1", Instance: 1}, {Kind: Remove, Tag: "v2", Instance: 2}, {Kind: Remove, Tag: "v3", Instance: 3}}},
		{"a tag listed with an unknown digest has not vanished", app("v.*", VanishedRemove), map[string]string{"v1": ""},
			[]InstanceView{inst(1, "v1", d1, running)}, nil},
		{"an instance outside the pattern is never touched", app("v.*", VanishedRemove), map[string]string{"latest": d2},
			[]InstanceView{inst(1, "latest", d1, running), inst(2, "manual", d1, running)}, nil},
		{"deploy, redeploy and remove together: deploys first", app("v.*", VanishedRemove), map[string]string{"v3": d3, "v2": d2},
			[]InstanceView{inst(2, "v2", d1, running), inst(1, "v1", d1, running)},
			[]Action{{Kind: Deploy, Tag: "v3", Digest: d3}, {Kind: Remove, Tag: "v1", Instance: 1}, {Kind: Redeploy, Tag: "v2", Digest: d2, Instance: 2}}},
		{"no pattern: nothing", AppView{ID: 1}, map[string]string{"v1": d1}, []InstanceView{inst(1, "v2", d1, running)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.app, tt.seen, tt.instances)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Decide:\n got %v\nwant %v", got, tt.want)
			}
			// The same inputs give the same answer (map order aside).
			if again := Decide(tt.app, tt.seen, tt.instances); !slices.Equal(again, got) {
				t.Fatalf("Decide is not deterministic:\n%v\n%v", got, again)
			}
			// Once done, running it again changes nothing.
			after := applyActions(tt.instances, got)
			if next := Decide(tt.app, tt.seen, after); len(next) != 0 {
				t.Fatalf("after applying %v, Decide asks again for %v", got, next)
			}
		})
	}
}

func TestDecideDoesNotChangeItsInputs(t *testing.T) {
	seen := map[string]string{"v1": d2, "v2": d2}
	ins := []InstanceView{inst(2, "v1", d1, model.StatusRunning), inst(1, "v0", d1, model.StatusRunning)}
	keep := slices.Clone(ins)
	Decide(app("v.*", VanishedRemove), seen, ins)
	if !slices.Equal(ins, keep) || len(seen) != 2 {
		t.Fatalf("inputs changed: %v %v", ins, seen)
	}
}

func TestActionString(t *testing.T) {
	for _, c := range []struct {
		a    Action
		want string
	}{
		{Action{Kind: Deploy, Tag: "v1", Digest: d1}, "deploy v1@" + d1},
		{Action{Kind: Redeploy, Tag: "v1", Digest: d1, Instance: 4}, "redeploy instance 4 (v1) to " + d1},
		{Action{Kind: Remove, Tag: "v1", Instance: 4}, "remove instance 4 (v1)"},
		{Action{Kind: 9, Instance: 4}, "ActionKind(9) instance 4 ()"},
	} {
		if got := c.a.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.a, got, c.want)
		}
	}
}
