package docker

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// A pull uses the app's credentials, else those Docker's config file has
// for the registry, else none.
func TestPullAuth(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths":{"registry.example.com:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("cfg-user:cfg-pass")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	for _, tt := range []struct {
		app        model.App
		user, pass string
	}{
		{model.App{Image: "registry.example.com:5000/team/web", RegistryUsername: "app-user", RegistryPassword: "app-pass"}, "app-user", "app-pass"},
		{model.App{Image: "registry.example.com:5000/team/web"}, "cfg-user", "cfg-pass"},
		{model.App{Image: "other.example.com/team/web"}, "", ""},
	} {
		got, err := pullAuth(tt.app)
		if err != nil || got.Username != tt.user || got.Password != tt.pass {
			t.Errorf("%s: %+v %v", tt.app.Image, got, err)
		}
	}
}
