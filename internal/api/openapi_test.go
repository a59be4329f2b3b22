package api_test

import (
	"bufio"
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/api/openapitest"
)

// catchAll is the route table's JSON 404 for unknown API paths: it has no
// method, and describes no operation.
const catchAll = "/api/"

func routeTable() []openapitest.Route {
	var out []openapitest.Route
	for _, rt := range new(api.Server).RouteTable() {
		out = append(out, openapitest.Route{Pattern: rt.Pattern, Public: rt.Public})
	}
	return out
}

// Every route of the table has its operation in the OpenAPI document (same
// method and path template, public exactly when the operation overrides
// the document's security) and every operation is a route. A route added
// to api.go without its operation in openapi.json fails here, naming it;
// TestOpenAPICoverageCatchesDrift shows that on a changed table.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	routes := routeTable()
	if len(routes) < 45 {
		t.Fatalf("the route table has only %d routes", len(routes))
	}
	for _, p := range openapitest.Compare(doc.T, routes, catchAll) {
		t.Error(p)
	}
	if got := doc.T.OpenAPI; got != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", got)
	}
}

// The comparison fails for each way the table and the document can drift
// apart: it is built from the real table, changed.
func TestOpenAPICoverageCatchesDrift(t *testing.T) {
	doc, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	real := routeTable()
	without := func(pattern string) []openapitest.Route {
		return slices.DeleteFunc(slices.Clone(real), func(r openapitest.Route) bool { return r.Pattern == pattern })
	}
	flipped := slices.Clone(real)
	for i := range flipped {
		if flipped[i].Pattern == "GET /api/settings" {
			flipped[i].Public = true
		}
	}
	for _, tt := range []struct {
		name   string
		routes []openapitest.Route
		want   []string // one problem containing each
	}{
		{"a route added without its operation", append(slices.Clone(real), openapitest.Route{Pattern: "POST /api/apps/{id}/archive"}),
			[]string{`route "POST /api/apps/{id}/archive" is not described`}},
		{"another method on a described path", append(slices.Clone(real), openapitest.Route{Pattern: "PATCH /api/settings"}),
			[]string{`route "PATCH /api/settings" is not described`}},
		{"a path parameter renamed", append(without("GET /api/proxies/{id}"), openapitest.Route{Pattern: "GET /api/proxies/{proxy}"}),
			[]string{`route "GET /api/proxies/{proxy}" is not described`, `operation "GET /api/proxies/{id}" is no route`}},
		{"a route removed, its operation left", without("POST /api/dns/sync"),
			[]string{`operation "POST /api/dns/sync" is no route of the table`}},
		{"a private route made public", flipped,
			[]string{`route "GET /api/settings" is public=true, but its operation's security says public=false`}},
		{"a catch-all that is not excepted", append(slices.Clone(real), openapitest.Route{Pattern: "/api/v2/"}),
			[]string{`route "/api/v2/" has no method`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			problems := openapitest.Compare(doc.T, tt.routes, catchAll)
			if len(problems) != len(tt.want) {
				t.Fatalf("problems %q, want %d", problems, len(tt.want))
			}
			for i, want := range tt.want {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %q, want one with %q", problems[i], want)
				}
			}
		})
	}
}

// GET /api/openapi.json answers the document to anyone, and it holds no
// secret of this installation.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	secret := "hook-secret-0123456789"
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"registry_webhook_secret": secret, "cloudflare_api_token": "cf-token-0123456789"}), http.StatusOK)
	res := e.do(http.DefaultClient, "GET", "/api/openapi.json", nil)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	b := e.expect(res, http.StatusOK)
	if !bytes.Equal(b, api.OpenAPIDocument()) {
		t.Fatal("the served document is not the embedded one")
	}
	if _, err := openapitest.Parse(b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, "cf-token-0123456789", adminPassword} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("the document holds %q", s)
		}
	}
}

// The routes the other API tests call only without credentials answer as
// the document says too: every answer here goes through the validator.
func TestOpenAPIAnswersOfQuietRoutes(t *testing.T) {
	e := newEnv(t)
	certs := decodeInto[map[string]any](t, e.expect(e.do(e.client, "GET", "/api/certificates", nil), http.StatusOK))
	if certs["enabled"] != false || certs["off_reason"] != "Set a domain to get certificates." {
		t.Errorf("certificates %v without a domain", certs)
	}
	e.expectError(e.do(e.client, "POST", "/api/certificates/renew", nil), http.StatusConflict, "")

	p := decodeInto[struct{ ID int64 }](t, e.expect(e.do(e.client, "POST", "/api/proxies",
		map[string]any{"domain": "quiet.example.com", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 1}), http.StatusCreated))
	check := decodeInto[map[string]any](t, e.expect(e.do(e.client, "POST", "/api/proxies/"+itoa(p.ID)+"/check", nil), http.StatusOK))
	if check["answers"] != false {
		t.Errorf("a route to a closed port answers: %v", check)
	}
	npm := decodeInto[map[string]any](t, e.expect(e.do(e.client, "POST", "/api/proxy/test",
		map[string]string{"npm_url": "http://127.0.0.1:1", "npm_email": "dw@example.com", "npm_password": "secret-password"}), http.StatusOK))
	if npm["ok"] != false {
		t.Errorf("an NPM nobody runs answers: %v", npm)
	}

	a := decodeInto[struct{ ID int64 }](t, e.expect(e.do(e.client, "POST", "/api/apps",
		map[string]any{"name": "quiet", "image": "registry.example.com/team/quiet", "container_port": 8080}), http.StatusCreated))
	e.expect(e.do(e.client, "DELETE", "/api/apps/"+itoa(a.ID), nil), http.StatusNoContent)
	e.expectError(e.do(e.client, "GET", "/api/apps/"+itoa(a.ID), nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "GET", "/api/instances/999/logs", nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "POST", "/api/instances/999/redeploy", nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "DELETE", "/api/instances/999", nil), http.StatusNotFound, "")

	// The event stream: its first line, then the client leaves.
	res := e.do(e.client, "GET", "/api/events", nil)
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("events: %d %q", res.StatusCode, ct)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != ": connected\n" {
		t.Fatalf("events: %q %v", line, err)
	}
}
