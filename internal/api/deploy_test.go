package api_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
)

// The push webhook: its own authentication by the secret (bearer or
// HMAC), 400 for a body it cannot read, 202 for a push of nothing
// watched, and the plain body triggering a watched app.
func TestRegistryHook(t *testing.T) {
	e := newEnv(t)
	e.watch()
	hook := func(body string, header ...string) *http.Response {
		return e.do(http.DefaultClient, "POST", "/api/hooks/registry", body, header...)
	}
	plain := `{"app":"web","tag":"v2"}`
	e.expectError(hook(plain, "Authorization", "Bearer anything-at-all-16"), http.StatusUnauthorized, "") // no secret set: off
	secret := "hook-secret-0123456789"
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"registry_webhook_secret": secret}), http.StatusOK)
	e.expectError(hook(plain), http.StatusUnauthorized, "")
	e.expectError(hook(plain, "Authorization", "Bearer wrong-secret-0123456789"), http.StatusUnauthorized, "")
	e.expectError(hook(plain, registry.SignatureHeader, "sha256=00"), http.StatusUnauthorized, "")
	e.expectError(hook(`{"app":`, "Authorization", "Bearer "+secret), http.StatusBadRequest, "")

	var got struct{ Triggered []registry.Triggered }
	b := e.expect(hook(plain, "Authorization", "Bearer "+secret), http.StatusAccepted)
	if json.Unmarshal(b, &got); got.Triggered == nil || len(got.Triggered) != 0 {
		t.Fatalf("a push of no watched app: %s", b)
	}
	// A registry where nothing answers: the triggered check fails at once.
	a := model.App{Name: "web", Image: "127.0.0.1:1/team/web", TagPattern: "v.*", ContainerPort: 8080, AutoDeploy: true}
	if err := a.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateApp(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	sig := "sha256=" + hex.EncodeToString(registry.Sign(secret, []byte(plain)))
	b = e.expect(hook(plain, registry.SignatureHeader, sig), http.StatusAccepted)
	if json.Unmarshal(b, &got); len(got.Triggered) != 1 || got.Triggered[0] != (registry.Triggered{AppID: a.ID, Tag: "v2"}) {
		t.Fatalf("a signed push of a watched app: %s", b)
	}
	if view := e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK); bytes.Contains(view, []byte(secret)) {
		t.Fatal("the webhook secret is answered")
	}
}

// A deploy names what is wrong with its input before it asks the engine.
func TestDeployInput(t *testing.T) {
	e := newEnv(t)
	a := decodeInto[struct{ ID int64 }](t, e.expect(e.do(e.client, "POST", "/api/apps",
		map[string]any{"name": "web", "image": "registry.example.com/team/web", "tag_pattern": "v\\d+", "container_port": 8080}), http.StatusCreated))
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"tag": "v1:bad"}, "tag"},
		{map[string]any{"tag": ""}, "tag"},
		{map[string]any{"tag": "latest"}, "tag"}, // not the pattern
		{map[string]any{"tag": "v1", "extra": 1}, "extra"},
	} {
		e.expectError(e.do(e.client, "POST", "/api/apps/"+itoa(a.ID)+"/deploy", tt.body), http.StatusBadRequest, tt.field)
	}
	e.expectError(e.do(e.client, "POST", "/api/apps/999/deploy", map[string]any{"tag": "v1"}), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "POST", "/api/instances/999/stop", nil), http.StatusNotFound, "")
	if is, _ := e.store.Instances(t.Context()); len(is) != 0 {
		t.Fatalf("a refused deploy left instances: %+v", is)
	}
}
