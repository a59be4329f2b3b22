package npmemu

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestCreateAndGetHost(t *testing.T) {
	f := newFixture(t, Options{})
	body := hostBody("B.example.com")
	body["domain_names"] = []string{"b.example.com", "a.example.com"}
	body["forward_port"] = "8081" // ajv's coerceTypes
	body["allow_websocket_upgrade"] = true
	body["ssl_forced"] = true // no certificate: NPM turns it off
	body["meta"] = map[string]any{"letsencrypt_agree": false}
	created := ok[map[string]any](f, 201, "POST", "/nginx/proxy-hosts", f.token, body)

	for _, k := range []string{"id", "created_on", "modified_on", "owner_user_id", "domain_names", "forward_host",
		"forward_port", "access_list_id", "certificate_id", "ssl_forced", "caching_enabled", "block_exploits",
		"advanced_config", "meta", "allow_websocket_upgrade", "http2_support", "forward_scheme", "enabled",
		"locations", "hsts_enabled", "hsts_subdomains", "trust_forwarded_proto", "certificate", "owner", "access_list"} {
		if _, ok := created[k]; !ok {
			t.Errorf("create answer lacks %q", k)
		}
	}
	if _, ok := created["is_deleted"]; ok {
		t.Error("create answer shows is_deleted, which NPM omits")
	}
	var h hostAnswer
	raw, _ := json.Marshal(created)
	_ = json.Unmarshal(raw, &h)
	if h.ID != 1 || h.OwnerUserID != f.adminID || !slices.Equal(h.DomainNames, []string{"a.example.com", "b.example.com"}) ||
		h.ForwardPort != 8081 || !h.Enabled || h.SSLForced || h.Owner == nil || h.Owner.Email != adminEmail {
		t.Errorf("created = %s", raw)
	}
	if created["created_on"] != "2026-03-01T12:00:00.000Z" || created["advanced_config"] != "" || created["locations"] != nil {
		t.Errorf("created_on %v, advanced_config %q, locations %v", created["created_on"], created["advanced_config"], created["locations"])
	}
	// The answer is read before nginx is configured; the next GET sees it.
	if _, ok := h.Meta["nginx_online"]; ok || h.Meta["letsencrypt_agree"] != false {
		t.Errorf("create answer meta = %v", h.Meta)
	}
	got := ok[map[string]any](f, 200, "GET", "/nginx/proxy-hosts/1", f.token, nil)
	if meta, _ := got["meta"].(map[string]any); meta["nginx_online"] != true || meta["nginx_err"] != nil {
		t.Errorf("GET meta = %v", got["meta"])
	}
	if _, ok := got["owner"]; ok {
		t.Error("GET without expand shows owner")
	}
	if got := ok[map[string]any](f, 200, "GET", "/nginx/proxy-hosts/1?expand=owner", f.token, nil); got["owner"] == nil {
		t.Error("?expand=owner gave no owner")
	}

	wantError(t, f.call("GET", "/nginx/proxy-hosts/2", f.token, nil), 404, "Not Found - 2")
	wantError(t, f.call("GET", "/nginx/proxy-hosts/abc", f.token, nil), 400, "Internal Error")
	wantError(t, f.call("GET", "/nginx/proxy-hosts/1?expand=secrets", f.token, nil), 500, "Internal Error")
}

func TestHostSchemaRefusesBadBodies(t *testing.T) {
	f := newFixture(t, Options{})
	with := func(k string, v any) map[string]any {
		b := hostBody("x.example.com")
		b[k] = v
		return b
	}
	without := func(k string) map[string]any {
		b := hostBody("x.example.com")
		delete(b, k)
		return b
	}
	for _, c := range []struct {
		name string
		body any
		msg  string
	}{
		{"unknown property", with("proxy_pass", "x"), "data must NOT have additional properties"},
		{"missing forward_host", without("forward_host"), "data must have required property 'forward_host'"},
		{"missing two", map[string]any{"domain_names": []string{"x.example.com"}, "forward_scheme": "http"},
			"data must have required property 'forward_host', data must have required property 'forward_port'"},
		{"port range", with("forward_port", 70000), "data/forward_port must be <= 65535"},
		{"port type", with("forward_port", "http"), "data/forward_port must be integer"},
		{"scheme", with("forward_scheme", "ftp"), "data/forward_scheme must be equal to one of the allowed values"},
		{"no domains", with("domain_names", []string{}), "data/domain_names must NOT have fewer than 1 items"},
		{"bad domain", with("domain_names", []string{"a b"}), "data/domain_names/0 must match pattern \"" + createHostSchema.prop("domain_names").items.pattern + "\""},
		{"duplicate domain", with("domain_names", []string{"a.example.com", "a.example.com"}),
			"data/domain_names must NOT have duplicate items (items ## 1 and 0 are identical)"},
		{"boolean", with("block_exploits", "yes"), "data/block_exploits must be boolean"},
		{"certificate", with("certificate_id", "old"),
			`data/certificate_id must be integer, data/certificate_id must match pattern "^new$", data/certificate_id must match a schema in anyOf`},
		{"location extra", with("locations", []map[string]any{{"path": "/a", "forward_scheme": "http", "forward_host": "h", "forward_port": 1, "x": 1}}),
			"data/locations/0 must NOT have additional properties"},
		{"not an object", []int{1}, "data must be object"},
	} {
		res := f.call("POST", "/nginx/proxy-hosts", f.token, c.body)
		if res.Status != 400 || res.Error.Message != c.msg {
			t.Errorf("%s: got %d %q\nwant 400 %q", c.name, res.Status, res.Error.Message, c.msg)
		}
	}
	wantError(t, f.call("POST", "/nginx/proxy-hosts", f.token, "{"), 400, "Internal Error")
	if n := len(f.srv.Hosts()); n != 0 {
		t.Fatalf("refused bodies stored %d hosts", n)
	}

	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("x.example.com"))
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{}), 400, "data must NOT have fewer than 1 properties")
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"owner_user_id": 2}), 400, "data must NOT have additional properties")
}

func TestDomainInUse(t *testing.T) {
	f := newFixture(t, Options{})
	other := f.srv.AddUser(UserOptions{Email: "other@example.com", Password: "pw"})
	mine := ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("app.example.com"))
	theirs, err := f.srv.AddHost(other, Host{DomainNames: []string{"manual.example.com"}, ForwardHost: "10.0.0.9", ForwardPort: 80, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}

	// Taken by anyone, compared without case; the message names the domain as sent.
	wantError(t, f.call("POST", "/nginx/proxy-hosts", f.token, hostBody("MANUAL.example.com")), 400, "MANUAL.example.com is already in use")
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"domain_names": []string{"manual.example.com"}}), 400,
		"manual.example.com is already in use")
	// A host keeps its own domains on update.
	ok[hostAnswer](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"domain_names": []string{"app.example.com"}, "forward_port": 9000})

	hosts := f.srv.Hosts()
	if len(hosts) != 2 || hosts[1].OwnerUserID != other || !slices.Equal(hosts[1].DomainNames, theirs.DomainNames) ||
		hosts[1].ForwardHost != "10.0.0.9" || hosts[0].ID != mine.ID || hosts[0].ForwardPort != 9000 {
		t.Fatalf("hosts after refused takeovers: %+v", hosts)
	}
	if _, err := f.srv.AddHost(other, Host{DomainNames: []string{"app.example.com"}}); err == nil {
		t.Error("AddHost took a domain in use")
	}
}

func TestVisibility(t *testing.T) {
	f := newFixture(t, Options{})
	alice := f.srv.AddUser(UserOptions{Email: "alice@example.com", Password: "pw"})
	viewer := f.srv.AddUser(UserOptions{Email: "viewer@example.com", Password: "pw", ProxyHosts: "view", Visibility: "all"})
	aliceTok := f.srv.IssueToken(alice, f.now.Add(time.Hour))
	viewerTok := f.srv.IssueToken(viewer, f.now.Add(time.Hour))

	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("z-admin.example.com"))
	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", aliceTok, hostBody("alice.example.com"))

	domains := func(token string) []string {
		var out []string
		for _, h := range ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", token, nil) {
			out = append(out, h.DomainNames...)
		}
		return out
	}
	if got := domains(f.token); !slices.Equal(got, []string{"alice.example.com", "z-admin.example.com"}) {
		t.Errorf("admin sees %v", got)
	}
	if got := domains(aliceTok); !slices.Equal(got, []string{"alice.example.com"}) {
		t.Errorf("alice sees %v", got)
	}
	if got := domains(viewerTok); len(got) != 2 {
		t.Errorf("a user with visibility all sees %v", got)
	}
	if got := ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts?query=ALICE", f.token, nil); len(got) != 1 {
		t.Errorf("?query=ALICE found %d hosts", len(got))
	}
	// Someone else's host is not found for alice, not even to change it.
	wantError(t, f.call("GET", "/nginx/proxy-hosts/1", aliceTok, nil), 404, "Not Found - 1")
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", aliceTok, map[string]any{"forward_port": 1}), 404, "Not Found - 1")
	wantError(t, f.call("DELETE", "/nginx/proxy-hosts/1", aliceTok, nil), 404, "Not Found - 1")
	// A view-only user may not create: the refusal falls through to the catch-all.
	wantError(t, f.call("POST", "/nginx/proxy-hosts", viewerTok, hostBody("v.example.com")), 404, "Not Found - /nginx/proxy-hosts")
	if h := f.srv.Hosts(); len(h) != 2 || h[0].ForwardPort != 8080 || h[0].IsDeleted {
		t.Fatalf("hosts changed by refused calls: %+v", h)
	}
}

func TestNginxTestFailure(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.FailNginxTest(1, "nginx: [alert] could not open error log file: open() \"/var/log/nginx/error.log\" failed\nnginx: [emerg] unknown directive \"bogus\"\nnginx: configuration file /etc/nginx/nginx.conf test failed")
	created := ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com"))
	if _, ok := created.Meta["nginx_online"]; ok {
		t.Errorf("create answer meta = %v; NPM answers before configuring", created.Meta)
	}
	stored := f.srv.Hosts()[0]
	wantErr := "nginx: [emerg] unknown directive \"bogus\"\nnginx: configuration file /etc/nginx/nginx.conf test failed"
	if stored.Meta["nginx_online"] != false || stored.Meta["nginx_err"] != wantErr || !stored.Enabled {
		t.Fatalf("stored meta = %v, enabled %v", stored.Meta, stored.Enabled)
	}

	// An update answers the new nginx state itself.
	f.srv.FailNginxTest(1, "")
	got := ok[hostAnswer](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"advanced_config": "bogus;"})
	if got.Meta["nginx_online"] != false || got.Meta["nginx_err"] == nil {
		t.Errorf("update answer meta = %v", got.Meta)
	}
	got = ok[hostAnswer](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"advanced_config": ""})
	if got.Meta["nginx_online"] != true || got.Meta["nginx_err"] != nil {
		t.Errorf("after the fault: meta = %v", got.Meta)
	}
	// A disabled host is not configured, so a fault waits for the next one.
	f.srv.FailNginxTest(1, "")
	got = ok[hostAnswer](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"enabled": false})
	if got.Enabled || got.Meta["nginx_online"] != true {
		t.Errorf("disabled host: %+v", got)
	}
}

func TestSoftDelete(t *testing.T) {
	f := newFixture(t, Options{})
	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com"))
	f.now = f.now.Add(time.Minute)
	if got := ok[bool](f, 200, "DELETE", "/nginx/proxy-hosts/1", f.token, nil); !got {
		t.Fatal("DELETE answered false")
	}
	h := f.srv.Hosts()
	if len(h) != 1 || !h[0].IsDeleted || !h[0].ModifiedOn.Equal(f.now) {
		t.Fatalf("after delete: %+v", h)
	}
	wantError(t, f.call("GET", "/nginx/proxy-hosts/1", f.token, nil), 404, "Not Found - 1")
	wantError(t, f.call("DELETE", "/nginx/proxy-hosts/1", f.token, nil), 404, "Not Found - 1")
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"forward_port": 1}), 404, "Not Found - 1")
	wantError(t, f.call("DELETE", "/nginx/proxy-hosts/abc", f.token, nil), 404, "Not Found")
	if got := ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", f.token, nil); len(got) != 0 {
		t.Errorf("list shows deleted hosts: %v", got)
	}
	// The domain is free again, for a new host with a new id.
	again := ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("A.example.com"))
	if again.ID != 2 {
		t.Errorf("new host id = %d", again.ID)
	}
}

func TestUpdateMergesAndCleansSSL(t *testing.T) {
	f := newFixture(t, Options{})
	body := hostBody("a.example.com")
	body["certificate_id"] = 3
	body["ssl_forced"], body["hsts_enabled"], body["hsts_subdomains"], body["http2_support"] = true, true, true, true
	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, body)
	f.now = f.now.Add(time.Minute)
	got := ok[map[string]any](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"ssl_forced": false, "forward_host": "10.0.0.2"})
	if got["forward_host"] != "10.0.0.2" || got["forward_port"] != 8080.0 || got["certificate_id"] != 3.0 ||
		got["http2_support"] != true || got["hsts_enabled"] != false || got["hsts_subdomains"] != false {
		t.Errorf("update = %v", got)
	}
	if got["modified_on"] != "2026-03-01T12:01:00.000Z" || got["created_on"] != "2026-03-01T12:00:00.000Z" {
		t.Errorf("timestamps %v %v", got["created_on"], got["modified_on"])
	}
	wantError(t, f.call("PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"certificate_id": "new"}), 400,
		`npmemu: certificate_id "new" (a Let's Encrypt certificate requested with the host) is not emulated`)
}
