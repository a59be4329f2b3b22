package api_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// The HTTPS settings: their defaults, a change answered and kept across a
// restart, and each bad value a 400 naming its field that saves nothing.
func TestHTTPSSettings(t *testing.T) {
	e := newEnv(t)
	v := decodeInto[model.SettingsView](t, e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK))
	if !v.ACMEEnabled || v.ACMEEmail != "" || v.ACMEDirectoryURL != model.LetsEncryptProductionURL || !v.HTTPSRedirect || v.HSTS || v.UIDomain != "" {
		t.Fatalf("defaults %+v", v)
	}
	change := map[string]any{"domain": "example.com", "acme_enabled": false, "acme_email": " admin@example.com ",
		"acme_directory_url": model.LetsEncryptStagingURL, "https_redirect": false, "hsts": true, "ui_domain": "DW.Example.com."}
	want := func(v model.SettingsView) bool {
		return !v.ACMEEnabled && v.ACMEEmail == "admin@example.com" && v.ACMEDirectoryURL == model.LetsEncryptStagingURL &&
			!v.HTTPSRedirect && v.HSTS && v.UIDomain == "dw.example.com"
	}
	if v := decodeInto[model.SettingsView](t, e.expect(e.do(e.client, "PUT", "/api/settings", change), http.StatusOK)); !want(v) {
		t.Fatalf("answered %+v", v)
	}
	e.restart()
	if v := decodeInto[model.SettingsView](t, e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK)); !want(v) {
		t.Fatalf("after a restart %+v", v)
	}
	if c := e.settings().ACME(); c.Enabled || c.Domain != "example.com" || c.UIDomain != "dw.example.com" {
		t.Fatalf("ACME() %+v", c)
	}

	before := e.settings()
	for _, tt := range []struct{ body, field string }{
		{`{"acme_email":"not an address"}`, "acme_email"},
		{`{"acme_email":"Admin <admin@example.com>"}`, "acme_email"},
		{`{"acme_email":7}`, "acme_email"},
		{`{"acme_directory_url":"http://acme.example/directory"}`, "acme_directory_url"},
		{`{"acme_directory_url":"acme.example/directory"}`, "acme_directory_url"},
		{`{"acme_directory_url":"https:///directory"}`, "acme_directory_url"},
		{`{"acme_directory_url":"https://user:pw@acme.example/directory"}`, "acme_directory_url"},
		{`{"ui_domain":"bad domain!"}`, "ui_domain"},
		{`{"ui_domain":"localhost"}`, "ui_domain"},
		{`{"acme_enabled":"yes"}`, "acme_enabled"},
		{`{"https_redirect":1}`, "https_redirect"},
		{`{"hsts":"true"}`, "hsts"},
		{`{"hsts":false,"acme_directory_url":"ftp://acme.example"}`, "acme_directory_url"},
	} {
		t.Run(tt.body, func(t *testing.T) {
			e.expectError(e.do(e.client, "PUT", "/api/settings", tt.body), http.StatusBadRequest, tt.field)
			if after := e.settings(); after != before {
				t.Fatalf("stored settings changed:\n%+v\n%+v", before, after)
			}
		})
	}
	// "" is the default directory, answered as its address.
	if v := decodeInto[model.SettingsView](t, e.expect(e.do(e.client, "PUT", "/api/settings", `{"acme_directory_url":""}`), http.StatusOK)); v.ACMEDirectoryURL != model.LetsEncryptProductionURL {
		t.Fatalf("the default directory answered as %q", v.ACMEDirectoryURL)
	}
}

// The UI's name is one route like the others: not a standalone proxy's
// domain, not an instance's name (also after the base domain changes),
// and no proxy nor deploy can take it later.
func TestUIDomainIsOneRoute(t *testing.T) {
	e := newEnv(t)
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"domain":"example.com"}`), http.StatusOK)
	a := model.App{Name: "web", Image: "registry.example.com/web", TagPattern: "v.*", ContainerPort: 80, PollIntervalSeconds: 300}
	if err := e.store.CreateApp(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	in := model.Instance{AppID: a.ID, Tag: "v1", Subdomain: "web", Status: model.StatusRunning}
	if err := e.store.CreateInstance(t.Context(), &in); err != nil {
		t.Fatal(err)
	}
	proxy := map[string]any{"domain": "app.example.org", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 3000}
	p := decodeInto[model.Proxy](t, e.expect(e.do(e.client, "POST", "/api/proxies", proxy), http.StatusCreated))

	before := e.settings()
	for _, body := range []string{
		`{"ui_domain":"App.Example.org"}`,                        // the proxy's
		`{"ui_domain":"web.example.com"}`,                        // the instance's
		`{"ui_domain":"web.example.net","domain":"example.net"}`, // the instance's under the new domain
	} {
		eb := e.expectError(e.do(e.client, "PUT", "/api/settings", body), http.StatusConflict, "ui_domain")
		if after := e.settings(); after != before {
			t.Fatalf("%s (%s) changed the settings:\n%+v\n%+v", body, eb.Error, before, after)
		}
	}
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"ui_domain":"web.example.net"}`), http.StatusOK)
	// The base domain cannot move under the UI's name either.
	e.expectError(e.do(e.client, "PUT", "/api/settings", `{"domain":"example.net"}`), http.StatusConflict, "ui_domain")
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"ui_domain":"dw.example.com"}`), http.StatusOK)
	// A change of something else is not asked about the name again.
	e.expect(e.do(e.client, "PUT", "/api/settings", `{"hsts":true}`), http.StatusOK)

	proxies, _ := e.store.Proxies(t.Context())
	proxy["domain"] = "DW.example.com"
	e.expectError(e.do(e.client, "POST", "/api/proxies", proxy), http.StatusConflict, "domain")
	e.expectError(e.do(e.client, "PUT", "/api/proxies/"+itoa(p.ID), proxy), http.StatusConflict, "domain")
	if after, _ := e.store.Proxies(t.Context()); !reflect.DeepEqual(after, proxies) {
		t.Fatalf("stored proxies changed:\n%+v\n%+v", proxies, after)
	}
	// A deploy at the name is refused before the engine is asked.
	e.expectError(e.do(e.client, "POST", "/api/apps/"+itoa(a.ID)+"/deploy", `{"tag":"v2","subdomain":"dw"}`), http.StatusConflict, "subdomain")
	if is, _ := e.store.Instances(t.Context()); len(is) != 1 {
		t.Fatalf("a refused deploy left instances: %+v", is)
	}
}

// settings reads the stored settings.
func (e *env) settings() model.Settings {
	e.t.Helper()
	s, err := e.store.Settings(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}
