package api_test

import (
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestSettingsValidation(t *testing.T) {
	e := newEnv(t)
	zone := e.cf.AddZone("example.com")
	e.cf.AddToken("tok-123", cfemu.TokenOptions{CanEdit: true})
	valid := `{"domain":"example.com","public_ipv4":"203.0.113.10","public_ipv6":"2001:db8::1","dns_ttl":300,"dns_provider":"cloudflare","cloudflare_api_token":"tok-123","cloudflare_zone_id":"` + zone.ID + `","cloudflare_zone_name":"example.com"}`
	e.expect(e.do(e.client, "PUT", "/api/settings", valid), http.StatusOK)
	before, err := e.store.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ body, field string }{
		{`{"domain":"bad domain!"}`, "domain"},
		{`{"domain":"localhost"}`, "domain"},
		{`{"domain":"-x.example.com"}`, "domain"},
		{`{"domain":true}`, "domain"},
		{`{"public_ipv4":"2001:db8::1"}`, "public_ipv4"},
		{`{"public_ipv4":"256.1.1.1"}`, "public_ipv4"},
		{`{"public_ipv6":"203.0.113.10"}`, "public_ipv6"},
		{`{"public_ipv6":"::ffff:1.2.3.4"}`, "public_ipv6"},
		{`{"public_ipv6":"zz::1"}`, "public_ipv6"},
		{`{"wildcard_dns":"yes"}`, "wildcard_dns"},
		{`{"dns_provider":"route53"}`, "dns_provider"},
		{`{"dns_ttl":0}`, "dns_ttl"},
		{`{"dns_ttl":59}`, "dns_ttl"},
		{`{"dns_ttl":86401}`, "dns_ttl"},
		{`{"dns_ttl":"300"}`, "dns_ttl"},
		{`{"cloudflare_api_token":7}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"` + strings.Repeat("x", 2000) + `"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"tok-123\n"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":" tok-123"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"tok 123"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"tok\t123"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"tok\u0000123"}`, "cloudflare_api_token"},
		{`{"cloudflare_api_token":"tok\u200b123"}`, "cloudflare_api_token"},
		{`{"cloudflare_zone_id":"not-hex"}`, "cloudflare_zone_id"},
		{`{"cloudflare_zone_name":"no"}`, "cloudflare_zone_name"},
		{`{"domain":"xn--zz.example.com"}`, "domain"},
		{`{"cloudflare_zone_name":"xn--zz.com"}`, "cloudflare_zone_name"},
		{`{"cloudflare_proxied":1}`, "cloudflare_proxied"},
		{`{"dns_delete_grace_seconds":-1}`, "dns_delete_grace_seconds"},
		{`{"dns_delete_grace_seconds":604801}`, "dns_delete_grace_seconds"},
		{`{"dns_sync_interval_seconds":59}`, "dns_sync_interval_seconds"},
		{`{"dns_sync_interval_seconds":86401}`, "dns_sync_interval_seconds"},
		{`{"cloudflare_api_token_set":false}`, "cloudflare_api_token_set"},
		// A valid field beside a bad one is not saved either.
		{`{"domain":"other.example","dns_ttl":5}`, "dns_ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.body[:min(len(tt.body), 40)], func(t *testing.T) {
			eb := e.expectError(e.do(e.client, "PUT", "/api/settings", tt.body), http.StatusBadRequest, tt.field)
			if !strings.Contains(eb.Error, tt.field) && !strings.Contains(eb.Error, "address") {
				t.Errorf("message %q does not name %s", eb.Error, tt.field)
			}
			after, _ := e.store.Settings(t.Context())
			if after != before {
				t.Fatalf("stored settings changed:\n%+v\n%+v", before, after)
			}
		})
	}
}

func TestSettingsNormalised(t *testing.T) {
	e := newEnv(t)
	b := e.expect(e.do(e.client, "PUT", "/api/settings", `{"domain":"Bücher.Example.","public_ipv6":"2001:DB8:0:0::1"}`), http.StatusOK)
	got := decodeInto[model.SettingsView](t, b)
	if got.Domain != "xn--bcher-kva.example" || got.PublicIPv6 != "2001:db8::1" {
		t.Fatalf("settings %+v", got)
	}
}

func TestSettingsSecretIsWriteOnly(t *testing.T) {
	e := newEnv(t)
	const secret = "cf-secret-token-value"
	for _, b := range [][]byte{
		e.expect(e.do(e.client, "PUT", "/api/settings", map[string]string{"cloudflare_api_token": secret}), http.StatusOK),
		e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK),
	} {
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("secret returned: %s", b)
		}
		if v := decodeInto[model.SettingsView](t, b); !v.CloudflareAPITokenSet {
			t.Fatalf("token not reported as set: %s", b)
		}
	}
	// A PUT without the field keeps it.
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"domain":"example.com"}`), http.StatusOK)
	if st, _ := e.store.Settings(t.Context()); st.CloudflareAPIToken != secret {
		t.Fatalf("token lost: %q", st.CloudflareAPIToken)
	}
	// "" clears it.
	b := e.expect(e.do(e.client, "PUT", "/api/settings", `{"cloudflare_api_token":""}`), http.StatusOK)
	if decodeInto[model.SettingsView](t, b).CloudflareAPITokenSet {
		t.Fatal("token still set after clearing")
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Fatal("secret logged")
	}
}

func TestProxies(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"domain": "App.Example.org.", "forward_scheme": "HTTP", "forward_host": "127.0.0.1", "forward_port": 3000}
	p := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "POST", "/api/proxies", body), http.StatusCreated))
	if p.ID == 0 || p.Domain != "app.example.org" || p.ForwardScheme != "http" {
		t.Fatalf("created %+v", p)
	}
	e.expectError(e.do(e.client, "POST", "/api/proxies", body), http.StatusConflict, "domain")

	body["forward_port"] = 3001
	body["forward_host"] = "backend_1"
	u := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "PUT", "/api/proxies/"+itoa(p.ID), body), http.StatusOK))
	if u.ForwardPort != 3001 || u.ForwardHost != "backend_1" || !u.CreatedAt.Equal(p.CreatedAt) {
		t.Fatalf("updated %+v", u)
	}
	got := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "GET", "/api/proxies/"+itoa(p.ID), nil), http.StatusOK))
	if got.ForwardPort != 3001 {
		t.Fatalf("read %+v", got)
	}
	list := decodeInto[[]model.Proxy](t, e.expect(e.do(e.client, "GET", "/api/proxies", nil), http.StatusOK))
	if len(list) != 1 {
		t.Fatalf("list %+v", list)
	}
	e.expectError(e.do(e.client, "GET", "/api/proxies/999", nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "GET", "/api/proxies/abc", nil), http.StatusBadRequest, "id")
	e.expect(e.do(e.client, "DELETE", "/api/proxies/"+itoa(p.ID), nil), http.StatusNoContent)
	e.expectError(e.do(e.client, "DELETE", "/api/proxies/"+itoa(p.ID), nil), http.StatusNotFound, "")
}

func TestProxyValidation(t *testing.T) {
	e := newEnv(t)
	valid := func() map[string]any {
		return map[string]any{"domain": "a.example.com", "forward_scheme": "https", "forward_host": "10.0.0.5", "forward_port": 443}
	}
	p := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "POST", "/api/proxies", valid()), http.StatusCreated))
	other := valid()
	other["domain"] = "b.example.com"
	e.expect(e.do(e.client, "POST", "/api/proxies", other), http.StatusCreated)
	before, _ := e.store.Proxies(t.Context())

	tests := []struct {
		field string
		value any
	}{
		{"domain", "bad domain!"},
		{"domain", ""},
		{"domain", "nodot"},
		{"domain", "xn--zz.example.com"},
		{"domain", "app.xn--zz"},
		{"domain", 42},
		{"forward_scheme", "ftp"},
		{"forward_scheme", ""},
		{"forward_host", ""},
		{"forward_host", "bad host"},
		{"forward_host", "-x"},
		{"forward_port", 0},
		{"forward_port", 65536},
		{"forward_port", "80"},
		{"forward_port", 1.5},
		{"unknown", 1},
	}
	for _, tt := range tests {
		body := valid()
		body["domain"] = "new.example.com"
		body[tt.field] = tt.value
		e.expectError(e.do(e.client, "POST", "/api/proxies", body), http.StatusBadRequest, tt.field)
		body["domain"] = p.Domain
		if tt.field == "domain" {
			body["domain"] = tt.value
		}
		e.expectError(e.do(e.client, "PUT", "/api/proxies/"+itoa(p.ID), body), http.StatusBadRequest, tt.field)
	}
	// Renaming onto another proxy's domain conflicts.
	dup := valid()
	dup["domain"] = "B.example.com"
	e.expectError(e.do(e.client, "PUT", "/api/proxies/"+itoa(p.ID), dup), http.StatusConflict, "domain")

	after, _ := e.store.Proxies(t.Context())
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("stored proxies changed:\n%+v\n%+v", before, after)
	}
}

func TestApps(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"name": "web", "image": "nginx", "container_port": 80,
		"env": map[string]string{"LOG_LEVEL": "info"}, "registry_username": "bot", "registry_password": "reg-secret"}
	b := e.expect(e.do(e.client, "POST", "/api/apps", body), http.StatusCreated)
	if bytes.Contains(b, []byte("reg-secret")) {
		t.Fatalf("password returned: %s", b)
	}
	a := decodeInto[api.AppView](t, b)
	if a.Image != "docker.io/library/nginx" || a.TagPattern != "latest" || a.PollIntervalSeconds != 300 || !a.RegistryPasswordSet {
		t.Fatalf("created %+v", a)
	}
	e.expectError(e.do(e.client, "POST", "/api/apps", body), http.StatusConflict, "name")

	// PUT without the password keeps it; poll interval left out keeps its value.
	delete(body, "registry_password")
	body["tag_pattern"] = `v\d+\.\d+\.\d+`
	body["image"] = "registry.example.com:5000/team/web"
	b = e.expect(e.do(e.client, "PUT", "/api/apps/"+itoa(a.ID), body), http.StatusOK)
	u := decodeInto[api.AppView](t, b)
	if !u.RegistryPasswordSet || u.TagPattern != `v\d+\.\d+\.\d+` || u.Image != "registry.example.com:5000/team/web" {
		t.Fatalf("updated %+v", u)
	}
	if stored, _ := e.store.App(t.Context(), a.ID); stored.RegistryPassword != "reg-secret" {
		t.Fatal("password lost on update")
	}
	e.expect(e.do(e.client, "GET", "/api/apps/"+itoa(a.ID), nil), http.StatusOK)
	if list := decodeInto[[]api.AppView](t, e.expect(e.do(e.client, "GET", "/api/apps", nil), http.StatusOK)); len(list) != 1 {
		t.Fatalf("list %+v", list)
	}

	// An app with instances cannot be deleted.
	inst := model.Instance{AppID: a.ID, Tag: "v1.0.0", Subdomain: "web", Status: model.StatusRunning}
	if err := e.store.CreateInstance(t.Context(), &inst); err != nil {
		t.Fatal(err)
	}
	e.expectError(e.do(e.client, "DELETE", "/api/apps/"+itoa(a.ID), nil), http.StatusConflict, "")
	if strings.Contains(e.logs.String(), "reg-secret") {
		t.Fatal("secret logged")
	}
}

func TestAppValidation(t *testing.T) {
	e := newEnv(t)
	valid := func() map[string]any {
		return map[string]any{"name": "api", "image": "ghcr.io/acme/api", "tag_pattern": "v.*", "container_port": 8080,
			"env": map[string]string{"A": "1"}, "auto_deploy": true, "poll_interval_seconds": 60}
	}
	a := decodeInto[api.AppView](t, e.expect(e.do(e.client, "POST", "/api/apps", valid()), http.StatusCreated))
	before, _ := e.store.Apps(t.Context())
	tests := []struct {
		field string
		value any
	}{
		{"name", ""},
		{"name", "Has Caps"},
		{"name", "under_score"},
		{"name", strings.Repeat("a", 64)},
		{"image", ""},
		{"image", "nginx:1.27"},
		{"image", "nginx@sha256:" + strings.Repeat("a", 64)},
		{"image", "acme/Web"},
		{"tag_pattern", "v(("},
		{"tag_pattern", "a)("},
		{"tag_pattern", "v1)|(.*"}, // would match every tag if pasted into ^(?:...)$
		{"container_port", 0},
		{"container_port", 70000},
		{"env", map[string]string{"1BAD": "x"}},
		{"env", map[string]string{"HAS SPACE": "x"}},
		{"env", map[string]int{"A": 1}},
		{"auto_deploy", "yes"},
		{"poll_interval_seconds", 9},
		{"poll_interval_seconds", 100000},
		{"health_path", "healthz"},
		{"health_path", "/a b"},
		{"health_host", "bad host"},
		{"memory_mb", 5},
		{"cpus", 0.001},
		{"cpus", 2000},
		{"volumes", map[string]string{"data": "relative"}},
		{"volumes", map[string]string{"data": "/"}},
		{"volumes", map[string]string{"data": "/a/../b"}},
		{"volumes", map[string]string{"-bad": "/data"}},
		{"restart_policy", "sometimes"},
		{"vanished_tag", "delete"},
		{"registry_username", "two\nlines"},
		{"registry_username", "bot "},
		{"registry_username", "b\tot"},
		{"registry_password", "secret\n"},
		{"registry_password", "sec\x00ret"},
		{"registry_password", strings.Repeat("p", 4097)},
		{"registry_password", 5},
		{"extra", true},
	}
	for _, tt := range tests {
		body := valid()
		body["name"] = "fresh"
		body[tt.field] = tt.value
		e.expectErrorPrefix(e.do(e.client, "POST", "/api/apps", body), http.StatusBadRequest, tt.field)
		body["name"] = a.Name
		if tt.field == "name" {
			body["name"] = tt.value
		}
		e.expectErrorPrefix(e.do(e.client, "PUT", "/api/apps/"+itoa(a.ID), body), http.StatusBadRequest, tt.field)
	}
	after, _ := e.store.Apps(t.Context())
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("stored apps changed:\n%+v\n%+v", before, after)
	}
}

// expectErrorPrefix is expectError for fields of nested objects ("env.X").
func (e *env) expectErrorPrefix(res *http.Response, status int, field string) api.ErrorBody {
	e.t.Helper()
	b := e.expect(res, status)
	eb := decodeInto[api.ErrorBody](e.t, b)
	if eb.Field != field && !strings.HasPrefix(eb.Field, field+".") {
		e.t.Fatalf("field %q, want %q (error %q)", eb.Field, field, eb.Error)
	}
	return eb
}

func TestInstancesReadOnly(t *testing.T) {
	e := newEnv(t)
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"domain":"example.com"}`), http.StatusOK)
	a := model.App{Name: "web", Image: "docker.io/library/nginx", TagPattern: "latest", ContainerPort: 80}
	if err := e.store.CreateApp(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	inst := model.Instance{AppID: a.ID, Tag: "latest", Subdomain: "web", Status: model.StatusRunning, HostPort: 32768}
	if err := e.store.CreateInstance(t.Context(), &inst); err != nil {
		t.Fatal(err)
	}
	list := decodeInto[[]api.InstanceView](t, e.expect(e.do(e.client, "GET", "/api/instances", nil), http.StatusOK))
	if len(list) != 1 || list[0].FQDN != "web.example.com" || list[0].HostPort != 32768 {
		t.Fatalf("list %+v", list)
	}
	one := decodeInto[api.InstanceView](t, e.expect(e.do(e.client, "GET", "/api/instances/"+itoa(inst.ID), nil), http.StatusOK))
	if one.ID != inst.ID || one.Status != model.StatusRunning {
		t.Fatalf("instance %+v", one)
	}
	e.expectError(e.do(e.client, "GET", "/api/instances/12345", nil), http.StatusNotFound, "")
	// Instances are read-only for now: no route writes them.
	e.expectError(e.do(e.client, "POST", "/api/instances", "{}"), http.StatusMethodNotAllowed, "")
	if all, _ := e.store.Instances(t.Context()); len(all) != 1 {
		t.Fatalf("instances %+v", all)
	}
}

// A proxy cannot take the name of an instance: one name, one route.
func TestProxyDomainOfAnInstanceIs409(t *testing.T) {
	e := newEnv(t)
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"domain": "example.com"}), http.StatusOK)
	a := model.App{Name: "web", Image: "registry.example.com/web", TagPattern: "latest", ContainerPort: 80, PollIntervalSeconds: 300}
	if err := e.store.CreateApp(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	in := model.Instance{AppID: a.ID, Tag: "latest", Subdomain: "web", Status: model.StatusRunning}
	if err := e.store.CreateInstance(t.Context(), &in); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"domain": "web.example.com", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}
	e.expectError(e.do(e.client, "POST", "/api/proxies", body), http.StatusConflict, "domain")
	body["domain"] = "other.example.com"
	p := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "POST", "/api/proxies", body), http.StatusCreated))
	body["domain"] = "web.example.com"
	e.expectError(e.do(e.client, "PUT", "/api/proxies/"+itoa(p.ID), body), http.StatusConflict, "domain")
	if ps, _ := e.store.Proxies(t.Context()); len(ps) != 1 || ps[0].Domain != "other.example.com" {
		t.Fatalf("proxies %+v", ps)
	}
}

// How an app's containers run: set on create, kept by an update that
// leaves the fields out, defaults otherwise.
func TestAppRuntimeFields(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"name": "web", "image": "registry.example.com/team/web", "container_port": 8080,
		"health_path": "/healthz?full=1", "health_host": "Web.Example.com", "memory_mb": 256, "cpus": 0.5,
		"volumes": map[string]string{"web-data": "/var/lib/web"}, "restart_policy": "always", "vanished_tag": "remove"}
	a := decodeInto[api.AppView](t, e.expect(e.do(e.client, "POST", "/api/apps", body), http.StatusCreated))
	want := func(a api.AppView) bool {
		return a.HealthPath == "/healthz?full=1" && a.HealthHost == "web.example.com" && a.MemoryMB == 256 && a.CPUs == 0.5 &&
			a.Volumes["web-data"] == "/var/lib/web" && a.RestartPolicy == "always" && a.VanishedTag == "remove"
	}
	if !want(a) {
		t.Fatalf("created %+v", a)
	}
	upd := map[string]any{"name": "web", "image": "registry.example.com/team/web", "container_port": 9090}
	a = decodeInto[api.AppView](t, e.expect(e.do(e.client, "PUT", "/api/apps/"+itoa(a.ID), upd), http.StatusOK))
	if !want(a) || a.ContainerPort != 9090 {
		t.Fatalf("an update without them changed them: %+v", a)
	}
	plain := decodeInto[api.AppView](t, e.expect(e.do(e.client, "POST", "/api/apps",
		map[string]any{"name": "plain", "image": "nginx", "container_port": 80}), http.StatusCreated))
	if plain.RestartPolicy != "unless-stopped" || plain.VanishedTag != "keep" || plain.Volumes == nil || plain.LastCheckedAt != nil {
		t.Fatalf("defaults: %+v", plain)
	}
}
