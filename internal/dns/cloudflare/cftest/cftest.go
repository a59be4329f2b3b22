// Package cftest starts the Cloudflare API emulator for a test: one
// set-up instead of one per test file. It is a test helper: nothing in
// the docker-watcher binary imports it.
package cftest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

// Token is the API token an emulator started here accepts, with DNS edit
// permission on every zone.
const Token = "cftest-token"

// Emulator is a Cloudflare API emulator serving on 127.0.0.1 until the
// test ends.
type Emulator struct {
	*cfemu.Server
	// URL is the API's base URL, for the provider's BaseURL or
	// DW_CLOUDFLARE_API_URL.
	URL    string
	Client *http.Client
}

// Start starts an emulator with Token and no rate limit (o.RateLimit 0
// means none here; set it to test the limit). wrap, when given, sits in
// front of the emulator: to inject faults or check every request.
func Start(t testing.TB, o cfemu.Options, wrap ...func(http.Handler) http.Handler) *Emulator {
	t.Helper()
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	emu := cfemu.New(o)
	emu.AddToken(Token, cfemu.TokenOptions{CanEdit: true})
	var h http.Handler = emu
	for _, w := range wrap {
		h = w(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &Emulator{Server: emu, URL: ts.URL + "/client/v4/", Client: ts.Client()}
}
