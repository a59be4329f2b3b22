// Package dockertest gives tests a real Docker Engine, a real registry and
// test images built FROM scratch around the test server (testserver/).
//
// The engine and the registry come from the environment that
// scripts/with-docker.sh sets (DOCKER_HOST, DW_TEST_REGISTRY); make test runs
// the Go tests under it. Without them a test fails: it never skips.
package dockertest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// NoEngine starts the message of a test that finds no engine or no registry.
const NoEngine = "no Docker Engine: run the tests with scripts/with-docker.sh (make test does)"

// RegistryEnv names the variable holding the test registry's host:port.
const RegistryEnv = "DW_TEST_REGISTRY"

// Client returns an Engine API client for DOCKER_HOST, closed when the test
// ends. The API version is negotiated with the engine (Debian's 20.10
// answers 1.41), never pinned: DOCKER_API_VERSION is ignored. A missing or
// silent engine fails the test.
func Client(t testing.TB) *client.Client {
	t.Helper()
	if os.Getenv(client.EnvOverrideHost) == "" {
		t.Fatalf("%s (%s is not set)", NoEngine, client.EnvOverrideHost)
	}
	cli, err := client.New(client.WithHostFromEnv(), client.WithTLSClientConfigFromEnv())
	if err != nil {
		t.Fatalf("%s (%s=%s: %v)", NoEngine, client.EnvOverrideHost, os.Getenv(client.EnvOverrideHost), err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatalf("%s (%s=%s does not answer: %v)", NoEngine, client.EnvOverrideHost, os.Getenv(client.EnvOverrideHost), err)
	}
	return cli
}

// Registry returns the test registry's host:port (DW_TEST_REGISTRY), after
// checking that it answers GET /v2/ over plain HTTP. A missing or silent
// registry fails the test.
func Registry(t testing.TB) string {
	t.Helper()
	addr, err := FindRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// FindRegistry is Registry without a test: the error says what is missing.
func FindRegistry() (string, error) {
	addr := os.Getenv(RegistryEnv)
	if addr == "" {
		return "", fmt.Errorf("%s (%s is not set)", NoEngine, RegistryEnv)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/v2/")
	if err != nil {
		return "", fmt.Errorf("%s (%s=%s does not answer: %v)", NoEngine, RegistryEnv, addr, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s (%s=%s answers GET /v2/ with %s)", NoEngine, RegistryEnv, addr, resp.Status)
	}
	return addr, nil
}

// RemoveLabeled force-removes, when the test ends, every container (running
// or not) carrying label: "key" or "key=value". For leftovers: the
// containers a test creates remain its business.
func RemoveLabeled(t testing.TB, cli *client.Client, label string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, err := cli.ContainerList(ctx, client.ContainerListOptions{
			All:     true,
			Filters: make(client.Filters).Add("label", label),
		})
		if err != nil {
			t.Errorf("list containers labelled %s: %v", label, err)
			return
		}
		for _, c := range list.Items {
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !strings.Contains(err.Error(), "No such container") {
				t.Errorf("remove container %.12s labelled %s: %v", c.ID, label, err)
			}
		}
	})
}

// HostPort returns the host port that the engine published for the
// container's port (such as "8080/tcp") on 127.0.0.1, as "127.0.0.1:port".
// Publish with HostPort "" (or "0") and the engine picks a free one, with
// no race between picking and binding.
func HostPort(t testing.TB, cli *client.Client, id, port string) string {
	t.Helper()
	p, err := network.ParsePort(port)
	if err != nil {
		t.Fatalf("port %q: %v", port, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect %.12s: %v", id, err)
	}
	if res.Container.NetworkSettings != nil {
		for _, b := range res.Container.NetworkSettings.Ports[p] {
			if b.HostPort != "" && (!b.HostIP.IsValid() || b.HostIP.IsLoopback() || b.HostIP.IsUnspecified()) {
				return fmt.Sprintf("127.0.0.1:%s", b.HostPort)
			}
		}
	}
	t.Fatalf("container %.12s publishes no host port for %s", id, port)
	return ""
}
