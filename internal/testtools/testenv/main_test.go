package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/docker/dockertest"
)

// TestPebble: `testenv pebble` prints where pebble answers, with a server
// root that makes its directory verify and its issuer's chain; when its
// context ends (SIGTERM, or stdin closed) pebble is stopped and its folder
// removed.
func TestPebble(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var logs strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"pebble", "-http-port", "5002"}, pw, &logs)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("printed nothing: %v (%s)", <-done, logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var info pebbleInfo
	if err := json.Unmarshal(lines.Bytes(), &info); err != nil {
		t.Fatalf("%v in %q", err, lines.Text())
	}
	if info.HTTPPort != 5002 || info.PID == 0 || !strings.HasPrefix(info.DirectoryURL, "https://127.0.0.1:") {
		t.Fatalf("printed %+v", info)
	}

	serverRoot, err := os.ReadFile(info.ServerRootFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(serverRoot) {
		t.Fatalf("no certificate in %s", info.ServerRootFile)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer client.CloseIdleConnections()
	res, err := client.Get(info.DirectoryURL)
	if err != nil {
		t.Fatalf("GET %s trusting server_root_file: %v", info.DirectoryURL, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", info.DirectoryURL, res.Status)
	}
	root, intermediate := parsePEM(t, info.IssuerRootPEM), parsePEM(t, info.IssuerIntermediatePEM)
	if err := intermediate.CheckSignatureFrom(root); err != nil || !strings.HasPrefix(root.Subject.CommonName, "Pebble Root CA") {
		t.Errorf("issuer %q, %q: %v", root.Subject, intermediate.Subject, err)
	}
	if log, err := os.ReadFile(info.LogFile); err != nil || !strings.Contains(string(log), "Starting Pebble ACME server") {
		t.Errorf("log_file %s: %q %v", info.LogFile, log, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(info.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("pebble (pid %d) after the end: kill -0 answers %v, want ESRCH", info.PID, err)
	}
	if _, err := os.Stat(filepath.Dir(info.ServerRootFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pebble's folder after the end: %v", err)
	}
}

func parsePEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) != 0 {
		t.Fatalf("not one PEM certificate: %q", s)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImage: `testenv image` pushes the test image to the test registry
// under the tag asked for and prints its reference and digest.
func TestImage(t *testing.T) {
	registry := dockertest.Registry(t)
	repo := fmt.Sprintf("testenv/image-%d", time.Now().UnixNano())
	var out strings.Builder
	if err := run(t.Context(), []string{"image", "-repo", repo, "-tag", "v7", "-version", "seven"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got struct{ Ref, Digest string }
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if got.Ref != registry+"/"+repo+":v7" || !strings.HasPrefix(got.Digest, "sha256:") {
		t.Fatalf("printed %+v", got)
	}
	req, _ := http.NewRequest("HEAD", "http://"+registry+"/v2/"+repo+"/manifests/v7", nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Docker-Content-Digest") != got.Digest {
		t.Fatalf("the registry's manifest of v7: %s, digest %q, want %s", res.Status, res.Header.Get("Docker-Content-Digest"), got.Digest)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"pebbles"}} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "usage: testenv pebble") {
			t.Errorf("run(%q): %v, want the usage", args, err)
		}
	}
}
