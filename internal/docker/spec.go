// Package docker deploys apps' tags as containers on a Docker Engine, on
// the official client (github.com/moby/moby/client, the API version
// negotiated): pull, create with our labels, start, wait until healthy,
// then route; redeploys beside the old container without downtime; and it
// keeps the instances' rows in line with what the engine reports. It
// never touches a container without this installation's label.
package docker

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Labels of our containers. Only containers with this installation's
// LabelInstallation are ever changed or removed.
const (
	LabelInstallation = "docker-watcher.installation"
	LabelInstance     = "docker-watcher.instance"
	LabelApp          = "docker-watcher.app"
)

// spec is what a container of an instance is created from.
type spec struct {
	Name       string
	Config     *container.Config
	HostConfig *container.HostConfig
}

// containerSpec is the container of an instance of app running image (an
// image id, so that a tag moved meanwhile changes nothing), its port
// published at a free host port on the settings' publish address. Pure:
// the engine is not asked.
func containerSpec(app model.App, inst model.Instance, st model.Settings, image, installation string, now time.Time) (spec, error) {
	port, ok := network.PortFrom(uint16(app.ContainerPort), network.TCP)
	if !ok || app.ContainerPort < 1 || app.ContainerPort > 65535 {
		return spec{}, fmt.Errorf("container port %d is not a port", app.ContainerPort)
	}
	publish, err := netip.ParseAddr(st.PublishAddress())
	if err != nil {
		return spec{}, fmt.Errorf("docker_publish_address %q: %w", st.PublishAddress(), err)
	}
	env := make([]string, 0, len(app.Env))
	for _, k := range slices.Sorted(maps.Keys(app.Env)) {
		env = append(env, k+"="+app.Env[k])
	}
	var mounts []mount.Mount
	for _, name := range slices.Sorted(maps.Keys(app.Volumes)) {
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: name, Target: app.Volumes[name]})
	}
	policy := app.RestartPolicy
	if policy == "" {
		policy = model.DefaultRestartPolicy
	}
	return spec{
		// Unique among the instance's containers: a redeploy runs two.
		Name: fmt.Sprintf("dw-%s-%d-%s", inst.Subdomain, inst.ID, strconv.FormatInt(now.UnixNano(), 36)),
		Config: &container.Config{
			Image:        image,
			Env:          env,
			ExposedPorts: network.PortSet{port: {}},
			Labels: map[string]string{
				LabelInstallation: installation,
				LabelInstance:     strconv.FormatInt(inst.ID, 10),
				LabelApp:          app.Name,
			},
		},
		HostConfig: &container.HostConfig{
			PortBindings:  network.PortMap{port: {{HostIP: publish, HostPort: ""}}}, // "": a free port
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyMode(policy)},
			Resources: container.Resources{
				Memory:   int64(app.MemoryMB) << 20,
				NanoCPUs: int64(app.CPUs * 1e9),
			},
			Mounts: mounts,
		},
	}, nil
}

// hostPort is the host port the engine published port on.
func hostPort(ins container.InspectResponse, containerPort int) (int, error) {
	port, ok := network.PortFrom(uint16(containerPort), network.TCP)
	if !ok || ins.NetworkSettings == nil {
		return 0, fmt.Errorf("container %s has no network settings", short(ins.ID))
	}
	for _, b := range ins.NetworkSettings.Ports[port] {
		if p, err := strconv.Atoi(b.HostPort); err == nil && p > 0 {
			return p, nil
		}
	}
	return 0, fmt.Errorf("container %s publishes no host port for %s", short(ins.ID), port)
}

// short is the first 12 characters of a container or image id.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
