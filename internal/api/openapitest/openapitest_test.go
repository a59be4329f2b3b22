package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// settings is a Settings answer that matches the document.
const settings = `{"domain":"","public_ipv4":"","public_ipv6":"","wildcard_dns":true,"dns_provider":"",
"cloudflare_api_token_set":false,"cloudflare_zone_id":"","cloudflare_zone_name":"","dns_ttl":1,"cloudflare_proxied":false,
"dns_delete_grace_seconds":600,"dns_sync_interval_seconds":600,"proxy_provider":"builtin","npm_url":"","npm_email":"",
"npm_password_set":false,"npm_forward_host":"","trusted_proxies":[],"proxy_access_log":false,"docker_publish_address":"127.0.0.1",
"deploy_timeout_seconds":60,"drain_timeout_seconds":30,"registry_webhook_secret_set":false,"acme_enabled":true,"acme_email":"",
"acme_directory_url":"https://acme-v02.api.letsencrypt.org/directory","https_redirect":true,"hsts":false,"ui_domain":"","dns_cleanups":[]}`

// The validator reports each kind of mismatch between an exchange and the
// document, and nothing for exchanges that match: the fake server answers
// what each case says, and the validator sits in front of it as in the
// API tests.
func TestValidatorCatchesMismatches(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cookie := []string{"Cookie", "dw_session=x"}
	for _, tt := range []struct {
		name         string
		method, path string
		reqBody      string
		header       []string
		status       int
		contentType  string
		body         string
		want         string // in the one problem; "" for none
	}{
		{"a matching answer", "GET", "/api/settings", "", cookie, 200, "application/json", settings, ""},
		{"a field of the wrong type", "GET", "/api/settings", "", cookie, 200, "application/json",
			strings.Replace(settings, `"dns_ttl":1`, `"dns_ttl":"1"`, 1), "does not match the document"},
		{"a field the document lacks", "GET", "/api/settings", "", cookie, 200, "application/json",
			strings.Replace(settings, `"hsts":false`, `"hsts":false,"extra":1`, 1), "does not match the document"},
		{"a required field left out", "GET", "/api/settings", "", cookie, 200, "application/json",
			strings.Replace(settings, `"hsts":false,`, ``, 1), "does not match the document"},
		{"an undocumented status", "GET", "/api/settings", "", cookie, 418, "application/json", `{"error":"teapot"}`, "status is not supported"},
		{"another content type", "GET", "/api/settings", "", cookie, 200, "text/html", "<p>", "does not match the document"},
		{"an error body of another shape", "GET", "/api/settings", "", cookie, 401, "application/json", `{"message":"no"}`, "does not match the document"},
		{"a body where the document has none", "DELETE", "/api/proxies/1", "", cookie, 204, "", "gone", "has no body for this answer"},
		{"a 204 as documented", "DELETE", "/api/proxies/1", "", cookie, 204, "", "", ""},
		{"a request the document refuses, accepted", "PUT", "/api/auth/password", `{"current_password":"old password"}`, cookie,
			204, "", "", "the document refuses this request"},
		{"a request the document refuses, refused", "POST", "/api/proxies", `{"domain":"a.example.com"}`, cookie,
			400, "application/json", `{"error":"forward_scheme must be http or https","field":"forward_scheme"}`, ""},
		{"a private route answered without credentials", "GET", "/api/settings", "", nil, 200, "application/json", settings, "the document refuses this request"},
		{"an unknown API path answered otherwise than 404", "GET", "/api/nope", "", cookie, 200, "application/json", `{}`, "no operation"},
		{"an unknown API path with a JSON 404", "GET", "/api/nope", "", cookie, 404, "application/json", `{"error":"no such API route"}`, ""},
		{"a 405 of another shape", "PATCH", "/api/settings", "", cookie, 405, "text/plain", "method not allowed", "Content-Type"},
		{"the web app is not checked", "GET", "/dns", "", nil, 200, "text/html", "<!doctype html>", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := ForDocument(doc)
			srv := httptest.NewServer(v.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})))
			defer srv.Close()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader(tt.reqBody))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			srv.Close() // every answer is in
			problems := v.Problems()
			switch {
			case tt.want == "" && len(problems) != 0:
				t.Fatalf("problems %q, want none", problems)
			case tt.want != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.want)):
				t.Fatalf("problems %q, want one with %q", problems, tt.want)
			}
			if inAPI(tt.path) && !strings.HasPrefix(tt.path, "/api/nope") && tt.status != 405 && v.Checked() != 1 {
				t.Fatalf("checked %d exchanges against an operation, want 1", v.Checked())
			}
		})
	}
}
