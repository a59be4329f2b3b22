package docker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestContainerSpec(t *testing.T) {
	app := model.App{Name: "web", ContainerPort: 8080, Env: map[string]string{"B": "2", "A": "1=one"},
		MemoryMB: 256, CPUs: 0.5, Volumes: map[string]string{"web-data": "/data", "cache": "/cache"}, RestartPolicy: "always"}
	inst := model.Instance{ID: 7, Subdomain: "web-v1"}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s, err := containerSpec(app, inst, model.Settings{DockerPublishAddress: "0.0.0.0"}, "sha256:abc", "inst1", now)
	if err != nil {
		t.Fatal(err)
	}
	port := network.MustParsePort("8080/tcp")
	b := s.HostConfig.PortBindings[port]
	checks := []struct {
		what string
		ok   bool
	}{
		{"name", strings.HasPrefix(s.Name, "dw-web-v1-7-")},
		{"image pinned by id", s.Config.Image == "sha256:abc"},
		{"env sorted", fmt.Sprint(s.Config.Env) == "[A=1=one B=2]"},
		{"labels", s.Config.Labels[LabelInstallation] == "inst1" && s.Config.Labels[LabelInstance] == "7" && s.Config.Labels[LabelApp] == "web"},
		{"port exposed", len(s.Config.ExposedPorts) == 1},
		{"published on the publish address at a free port", len(b) == 1 && b[0].HostIP.String() == "0.0.0.0" && b[0].HostPort == ""},
		{"restart policy", s.HostConfig.RestartPolicy.Name == "always"},
		{"memory in bytes", s.HostConfig.Memory == 256<<20},
		{"cpus in nano", s.HostConfig.NanoCPUs == 5e8},
		{"volumes by name", len(s.HostConfig.Mounts) == 2 && s.HostConfig.Mounts[0] == mount.Mount{Type: mount.TypeVolume, Source: "cache", Target: "/cache"}},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v %+v", c.what, s.Config, s.HostConfig)
		}
	}
	d, err := containerSpec(model.App{Name: "x", ContainerPort: 80}, inst, model.Settings{}, "img", "i", now)
	if err != nil || d.HostConfig.RestartPolicy.Name != model.DefaultRestartPolicy ||
		d.HostConfig.PortBindings[network.MustParsePort("80/tcp")][0].HostIP.String() != "127.0.0.1" || d.HostConfig.Memory != 0 {
		t.Errorf("defaults: %+v %v", d.HostConfig, err)
	}
	if _, err := containerSpec(model.App{ContainerPort: 0}, inst, model.Settings{}, "img", "i", now); err == nil {
		t.Error("port 0 accepted")
	}
}
