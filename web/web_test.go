package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestIndexCarriesContentSecurityPolicy(t *testing.T) {
	script := "\n\t\t\t\t{ kit.start(app, element); }\n\t\t\t"
	files := fstest.MapFS{
		"index.html":              {Data: []byte(`<html><body><div style="display: contents"><script>` + script + `</script></div></body></html>`)},
		"_app/immutable/start.js": {Data: []byte("export {}")},
	}
	h := handler(files)
	sum := sha256.Sum256([]byte(script))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"

	for _, path := range []string{"/", "/settings"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self' " + hash + ";", "frame-ancestors 'none'", "default-src 'self'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		for _, d := range strings.Split(csp, ";") {
			if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src") && strings.Contains(d, "unsafe") {
				t.Errorf("GET %s: scripts may run unhashed inline code: %q", path, d)
			}
		}
	}
}
