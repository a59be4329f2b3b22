package dockertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Engine is a dockerd of one test's own, for tests that restart the engine:
// the shared one serves other packages' tests at the same time. It runs on
// its own socket, data root, exec root and bridge (two engines cannot share
// docker0), without iptables rules (the shared engine owns those chains):
// published ports go through Docker's userland proxy, which serves
// 127.0.0.1 as the tests need. Starting it needs root and Debian's
// docker.io, as scripts/with-docker.sh provides.
type Engine struct {
	Host string // DOCKER_HOST value: unix://…/docker.sock

	dir, bridge string
	args        []string
	log         *logBuffer

	mu  sync.Mutex
	cmd *exec.Cmd
}

// StartEngine starts a private dockerd, stopped and removed when the test
// ends. A failure to start fails the test, with dockerd's log.
func StartEngine(t testing.TB) *Engine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("a private dockerd needs root (the tests run as root in CI)")
	}
	if _, err := exec.LookPath("dockerd"); err != nil {
		t.Fatalf("dockerd is missing: run the tests with scripts/with-docker.sh (it installs docker.io): %v", err)
	}
	// A short folder: a unix socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("/tmp", "dw-engine-")
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{dir: dir, Host: "unix://" + filepath.Join(dir, "docker.sock"), log: &logBuffer{}}
	t.Cleanup(func() { e.remove(t) })
	if e.bridge, err = addBridge(filepath.Base(dir)); err != nil {
		t.Fatalf("private engine: %v", err)
	}
	e.args = []string{
		"--host", e.Host, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "--bridge", e.bridge,
		"--iptables=false", "--ip6tables=false", "--ip-masq=false",
	}
	if err := e.start(); err != nil {
		t.Fatalf("private engine: %v\ndockerd's log:\n%s", err, e.logTail())
	}
	return e
}

// Restart stops dockerd as a system shutdown does (SIGTERM: it stops the
// containers and ends its event streams) and starts it again on the same
// data root; it returns once the engine answers.
func (e *Engine) Restart(t testing.TB) {
	t.Helper()
	if err := e.stop(); err != nil {
		t.Fatalf("private engine: stop: %v\ndockerd's log:\n%s", err, e.logTail())
	}
	if err := e.start(); err != nil {
		t.Fatalf("private engine: start again: %v\ndockerd's log:\n%s", err, e.logTail())
	}
}

func (e *Engine) start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	cmd := exec.Command("dockerd", e.args...)
	cmd.Stdout, cmd.Stderr = e.log, e.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	e.cmd = cmd
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", strings.TrimPrefix(e.Host, "unix://"))
	}}, Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("dockerd exited at start")
		default:
		}
		if res, err := c.Get("http://docker/_ping"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("dockerd did not answer at %s within 60 s", e.Host)
}

// stop ends dockerd by its pid: SIGTERM, then SIGKILL after 30 s.
func (e *Engine) stop() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cmd == nil {
		return nil
	}
	p := e.cmd.Process
	e.cmd = nil
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return nil // already gone
	}
	for range 300 {
		if p.Signal(syscall.Signal(0)) != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = p.Kill()
	return fmt.Errorf("dockerd %d still ran 30 s after SIGTERM: killed", p.Pid)
}

// remove stops dockerd and its containerd, and removes the folder, its
// mounts and the bridge.
func (e *Engine) remove(t testing.TB) {
	if err := e.stop(); err != nil {
		t.Errorf("private engine: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "exec", "containerd", "containerd.pid")); err == nil {
		var pid int
		if _, err := fmt.Sscan(string(b), &pid); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	unmountUnder(e.dir)
	if e.bridge != "" {
		_ = exec.Command("ip", "link", "del", e.bridge).Run()
	}
	_ = os.RemoveAll(e.dir)
	if t.Failed() {
		t.Logf("private engine's log:\n%s", e.logTail())
	}
}

func (e *Engine) logTail() string {
	lines := strings.Split(strings.TrimSpace(e.log.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}

// logBuffer is dockerd's output, read while dockerd writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// unmountUnder lazily unmounts everything mounted below dir, deepest
// first.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/mounts")
	if err != nil {
		return
	}
	defer f.Close()
	var mounts []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) > 1 && strings.HasPrefix(fields[1], dir+"/") {
			mounts = append(mounts, fields[1])
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
}

// addBridge creates a Linux bridge for the engine, on the first /24 of
// 172.31.0.0/16 no interface of this machine uses, and returns its name.
func addBridge(suffix string) (string, error) {
	name := "dwt" + strings.TrimPrefix(suffix, "dw-engine-")
	name = name[:min(len(name), 15)] // IFNAMSIZ
	// Engines of tests running at once pick their subnets one at a time.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "dw-engine-bridge.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	used := map[string]bool{}
	ifaces, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, i := range ifaces {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				used[n.IP.Mask(net.CIDRMask(24, 32)).String()] = true
			}
		}
	}
	if out, err := exec.Command("ip", "link", "add", name, "type", "bridge").CombinedOutput(); err != nil {
		return "", fmt.Errorf("ip link add %s: %v: %s", name, err, out)
	}
	for n := 200; n < 255; n++ {
		subnet := fmt.Sprintf("172.31.%d.0", n)
		if used[subnet] {
			continue
		}
		addr := fmt.Sprintf("172.31.%d.1/24", n)
		if out, err := exec.Command("ip", "addr", "add", addr, "dev", name).CombinedOutput(); err != nil {
			_ = exec.Command("ip", "link", "del", name).Run()
			return "", fmt.Errorf("ip addr add %s: %v: %s", addr, err, out)
		}
		if out, err := exec.Command("ip", "link", "set", name, "up").CombinedOutput(); err != nil {
			_ = exec.Command("ip", "link", "del", name).Run()
			return "", fmt.Errorf("ip link set %s up: %v: %s", name, err, out)
		}
		return name, nil
	}
	_ = exec.Command("ip", "link", "del", name).Run()
	return "", fmt.Errorf("no free /24 in 172.31.200.0–172.31.254.0 for the bridge")
}
