package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const serverPackage = "github.com/dockerwatcher/docker-watcher/internal/docker/dockertest/testserver"

// ServerPath is where the test server lies in a test image.
const ServerPath = "/testserver"

// ImageOptions describe a test image. The zero value is a valid image:
// repository "dwtest/app", tag "v1", a fresh version, no health check.
type ImageOptions struct {
	Repo    string // repository inside the test registry; default "dwtest/app"
	Tag     string // default "v1"
	Version string // answered by GET /; default a fresh one, so every push gets a new digest
	Port    int    // the container port the server listens on and the image exposes; default 8080

	// HealthCheck puts a Docker HEALTHCHECK in the image: the server itself
	// with -check, every HealthInterval (default 500ms), 3 retries.
	HealthCheck    bool
	HealthInterval time.Duration

	SlowStart   time.Duration // -slow-start: listen only after this long
	ExitAtOnce  bool          // -exit-at-once: exit 3 with a message on stderr
	NeverListen bool          // -never-listen: run, never listen
	Args        []string      // more flags for the server (-delay 1s, -drain 5s, ...)

	Labels map[string]string // image labels
}

var (
	layerOnce sync.Once
	layer     v1.Layer
	layerErr  error
	versions  atomic.Int64
)

// Image builds a test image (FROM scratch: the test server, its flags in
// the entrypoint) and pushes it to the test registry, without docker build.
// It returns the reference ("127.0.0.1:port/repo:tag") and the manifest
// digest ("sha256:..."). Pull it with the reference, or with
// repo@digest.
func Image(t testing.TB, opts ImageOptions) (ref, digest string) {
	t.Helper()
	ref, digest, err := PushImage(Registry(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return ref, digest
}

// PushImage is Image without a test, for a program that pushes test
// images for tests in another language (internal/testtools/testenv):
// the image is pushed to registry (host:port, plain HTTP).
func PushImage(registry string, opts ImageOptions) (ref, digest string, err error) {
	if opts.Repo == "" {
		opts.Repo = "dwtest/app"
	}
	if opts.Tag == "" {
		opts.Tag = "v1"
	}
	if opts.Version == "" {
		opts.Version = fmt.Sprintf("%s-%d-%d", opts.Tag, time.Now().UnixNano(), versions.Add(1))
	}
	if opts.Port == 0 {
		opts.Port = 8080
	}
	img, err := buildImage(opts)
	if err != nil {
		return "", "", fmt.Errorf("test image %s:%s: %w", opts.Repo, opts.Tag, err)
	}
	ref = registry + "/" + opts.Repo + ":" + opts.Tag
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return "", "", fmt.Errorf("test image reference %s: %w", ref, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
		return "", "", fmt.Errorf("push %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", "", fmt.Errorf("digest of %s: %w", ref, err)
	}
	return ref, d.String(), nil
}

func buildImage(opts ImageOptions) (v1.Image, error) {
	layerOnce.Do(func() { layer, layerErr = serverLayer() })
	if layerErr != nil {
		return nil, layerErr
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = runtime.GOARCH
	port := strconv.Itoa(opts.Port)
	entry := []string{ServerPath, "-listen", ":" + port, "-tag", opts.Tag, "-version", opts.Version}
	if opts.SlowStart > 0 {
		entry = append(entry, "-slow-start", opts.SlowStart.String())
	}
	if opts.ExitAtOnce {
		entry = append(entry, "-exit-at-once")
	}
	if opts.NeverListen {
		entry = append(entry, "-never-listen")
	}
	entry = append(entry, opts.Args...)
	cf.Config = v1.Config{
		Entrypoint:   entry,
		ExposedPorts: map[string]struct{}{port + "/tcp": {}},
		Labels:       opts.Labels,
	}
	if opts.HealthCheck {
		interval := opts.HealthInterval
		if interval == 0 {
			interval = 500 * time.Millisecond
		}
		cf.Config.Healthcheck = &v1.HealthConfig{
			Test:     []string{"CMD", ServerPath, "-check", "-listen", ":" + port},
			Interval: interval,
			Timeout:  3 * time.Second,
			Retries:  3,
		}
	}
	return mutate.ConfigFile(img, cf)
}

// serverLayer makes the one layer of every test image: the test server at
// ServerPath. Built once per test process, compressed once.
func serverLayer() (v1.Layer, error) {
	serverBin, err := buildServer()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Name:     ServerPath[1:],
		Mode:     0o755,
		Size:     int64(len(serverBin)),
		Typeflag: tar.TypeReg,
		ModTime:  time.Unix(0, 0),
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(serverBin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithCompressedCaching)
}

// buildServer compiles testserver (CGO_ENABLED=0, a static binary) into a
// temporary folder and returns its bytes.
func buildServer() ([]byte, error) {
	_, file, _, _ := runtime.Caller(0)
	dir, err := os.MkdirTemp("", "dockertest-server-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	out := filepath.Join(dir, "testserver")
	// go test puts its own GOROOT/bin first on PATH. The package by its
	// directory when the sources are where they were compiled (not
	// -trimpath), else by import path from the working directory (a
	// package of this module).
	pkg, srcDir := serverPackage, filepath.Join(filepath.Dir(file), "testserver")
	if _, err := os.Stat(srcDir); err == nil {
		pkg = "."
	} else {
		srcDir = ""
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the test server: %v\n%s", err, msg)
	}
	return os.ReadFile(out)
}
