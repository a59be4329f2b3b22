// Command testenv sets up, for the browser tests (web/tests), what the Go
// tests get from their helpers: Pebble (package pebbletest) and test
// images in the test registry (package dockertest). The node tests build
// it with `go build` and run it; it is a test-support program, never part
// of the docker-watcher binary.
//
//	testenv pebble [-dnsserver ADDR] [-http-port N]
//
// starts Debian's pebble on free 127.0.0.1 ports (pebbletest.Launch:
// installed when missing, as root), prints one JSON line (pebbleInfo) and
// runs until SIGTERM or SIGINT, or until its standard input ends (the test
// that started it died); then it stops pebble by its pid, removes its
// folder and exits 0.
//
//	testenv image [-repo R] [-tag T] [-version V]
//
// builds a test image (dockertest.PushImage: FROM scratch around the test
// server, whose GET / answers the tag and version), pushes it to the
// registry DW_TEST_REGISTRY names (scripts/with-docker.sh sets it), prints
// one JSON line {"ref", "digest"} and exits.
package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dockerwatcher/docker-watcher/internal/certs/pebbletest"
	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The end of stdin is the end too: a test process that dies without
	// stopping this one closes its end of the pipe.
	stdinDone, closed := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		closed()
	}()
	if err := run(stdinDone, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(1)
	}
}

const usage = "usage: testenv pebble [-dnsserver ADDR] [-http-port N] | testenv image [-repo R] [-tag T] [-version V]"

// run does what args say, printing its JSON line to out; pebble runs
// until ctx ends.
func run(ctx context.Context, args []string, out, logs io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("testenv "+args[0], flag.ContinueOnError)
	fs.SetOutput(logs)
	switch args[0] {
	case "pebble":
		var opts pebbletest.Options
		fs.StringVar(&opts.DNSServer, "dnsserver", "", "host:port of the DNS server pebble's VA asks (pebble -dnsserver); empty: the system's resolver")
		fs.IntVar(&opts.HTTPPort, "http-port", 0, "the port pebble's VA connects to for HTTP-01; 0: a free one")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return runPebble(ctx, opts, out, logs)
	case "image":
		var opts dockertest.ImageOptions
		fs.StringVar(&opts.Repo, "repo", "", "repository in the test registry (default dwtest/app)")
		fs.StringVar(&opts.Tag, "tag", "", "tag (default v1)")
		fs.StringVar(&opts.Version, "version", "", "what GET / answers as the version (default a fresh one)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		registry, err := dockertest.FindRegistry()
		if err != nil {
			return err
		}
		ref, digest, err := dockertest.PushImage(registry, opts)
		if err != nil {
			return err
		}
		return json.NewEncoder(out).Encode(map[string]string{"ref": ref, "digest": digest})
	}
	return fmt.Errorf("unknown command %q; %s", args[0], usage)
}

// pebbleInfo is what `testenv pebble` prints once pebble answers.
type pebbleInfo struct {
	PID           int    `json:"pid"`
	DirectoryURL  string `json:"directory_url"`
	ManagementURL string `json:"management_url"`
	HTTPPort      int    `json:"http_port"`
	// ServerRootFile holds the CA of pebble's own HTTPS: for an ACME
	// client's SSL_CERT_FILE.
	ServerRootFile string `json:"server_root_file"`
	LogFile        string `json:"log_file"`
	// The root and intermediate the issued certificates chain to, in PEM.
	IssuerRootPEM         string `json:"issuer_root_pem"`
	IssuerIntermediatePEM string `json:"issuer_intermediate_pem"`
}

func runPebble(ctx context.Context, opts pebbletest.Options, out, logs io.Writer) (err error) {
	dir, err := os.MkdirTemp("", "testenv-pebble-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	p, err := pebbletest.Launch(dir, opts, func(format string, args ...any) { fmt.Fprintf(logs, format+"\n", args...) })
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.Stop()) }()
	root, intermediate, err := p.Issuer()
	if err != nil {
		return err
	}
	info := pebbleInfo{
		PID:                   p.PID(),
		DirectoryURL:          p.DirectoryURL(),
		ManagementURL:         p.ManagementURL(),
		HTTPPort:              p.HTTPPort(),
		ServerRootFile:        p.ServerRootFile(),
		LogFile:               p.LogFile(),
		IssuerRootPEM:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})),
		IssuerIntermediatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: intermediate.Raw})),
	}
	if err := json.NewEncoder(out).Encode(info); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
