package app

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/config"
)

// The binary the acceptance tests run, built once per test process.
var binary struct {
	once sync.Once
	path string
	err  error
}

func buildBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "dw-binary-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "docker-watcher")
		out, err := exec.Command("go", "build", "-o", binary.path, "github.com/dockerwatcher/docker-watcher/cmd/docker-watcher").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

// startBinary is startAt through the real binary: `docker-watcher serve`
// in a process of its own, stopped with SIGTERM by its pid. ACME is off
// (DW_ACME=off) unless cfg.ACME is set and the test says where its CA is
// (DW_ACME_TEST_CA: Pebble's directory, so that the default, Let's
// Encrypt, is never asked).
func startBinary(t *testing.T, cfg config.Config, logs *lockedBuffer) (url string, stop func() error) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), "serve", "--listen", cfg.Listen, "--proxy-listen", cfg.ProxyListen,
		"--proxy-tls-listen", cfg.ProxyTLSListen, "--data", cfg.DataDir, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "DW_ADMIN_PASSWORD="+cfg.AdminPassword)
	if !cfg.ACME || os.Getenv("DW_ACME_TEST_CA") == "" {
		cmd.Env = append(cmd.Env, "DW_ACME=off")
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			return fmt.Errorf("docker-watcher did not stop on SIGTERM")
		}
	}
	t.Cleanup(func() { stop() })
	url = "http://" + cfg.Listen
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return url, stop
			}
		}
		select {
		case err := <-done:
			t.Fatalf("docker-watcher ended early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-watcher not healthy in time:\n%s", logs)
		}
	}
}
