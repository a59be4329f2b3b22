package pebbletest

import "syscall"

// sysProcAttr has the kernel kill pebble when the test binary dies before
// its cleanups ran (a panic, a test timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
