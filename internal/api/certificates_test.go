package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// The Certificates card says why nothing is obtained; the server's
// DW_ACME=off comes first, since no setting can undo it.
func TestCertificatesSayWhyNoneAreObtained(t *testing.T) {
	e := newEnv(t)
	reason := func() string {
		t.Helper()
		list := decodeInto[struct {
			Enabled   bool   `json:"enabled"`
			OffReason string `json:"off_reason"`
		}](t, e.expect(e.do(e.client, "GET", "/api/certificates", nil), http.StatusOK))
		if list.Enabled {
			t.Fatal("certificates enabled")
		}
		return list.OffReason
	}
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"domain": "example.com", "acme_enabled": false}), http.StatusOK)
	if r := reason(); !strings.Contains(r, "ACME is off in the settings") {
		t.Errorf("ACME off in the settings: %q", r)
	}

	e.cfg.ACME = false
	e.restart()
	e.expect(e.do(e.client, "PUT", "/api/settings", map[string]any{"acme_enabled": true}), http.StatusOK)
	if r := reason(); !strings.Contains(r, "DW_ACME=off") {
		t.Errorf("DW_ACME=off with ACME on in the settings: %q", r)
	}
}
