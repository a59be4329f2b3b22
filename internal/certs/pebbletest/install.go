package pebbletest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// binary returns the path of the pebble executable, installing Debian's
// pebble package first when it is missing and the process runs as root
// (telling logf so).
func binary(logf func(format string, args ...any)) (string, error) {
	if path, err := exec.LookPath("pebble"); err == nil {
		return path, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("pebble is not in PATH: run 'apt-get install pebble' as root " +
			"(Debian's ACME test CA), or run the tests as root to have it installed")
	}
	// The lock scripts/with-docker.sh takes for its installs: two apt-gets
	// at once fail on dpkg's lock, whether in tests or in that script.
	dir := os.Getenv("DW_DOCKERD_DIR")
	if dir == "" {
		dir = "/tmp/dw-dockerd"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("installing pebble: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "apt.lock"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return "", fmt.Errorf("installing pebble: %w", err)
	}
	defer lock.Close() // and so unlocked
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("installing pebble: lock %s: %w", lock.Name(), err)
	}
	// Another test may have installed it while this one waited.
	if path, err := exec.LookPath("pebble"); err == nil {
		return path, nil
	}
	logf("pebbletest: installing Debian's pebble for the tests...")
	for _, args := range [][]string{
		{"update", "-qq"},
		{"install", "-y", "-qq", "--no-install-recommends", "pebble"},
	} {
		// The lock timeout lets apt wait for an apt run outside this lock.
		cmd := exec.Command("apt-get", append([]string{"-o", "DPkg::Lock::Timeout=120"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("pebble is not in PATH and apt-get %s failed: %v\n%s", args[0], err, out)
		}
	}
	path, err := exec.LookPath("pebble")
	if err != nil {
		return "", fmt.Errorf("pebble is still not in PATH after installing Debian's pebble: %w", err)
	}
	return path, nil
}
