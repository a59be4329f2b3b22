package cftest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

func TestStartServesTheEmulatorWithItsToken(t *testing.T) {
	seen := 0
	e := Start(t, cfemu.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen++; next.ServeHTTP(w, r) })
	})
	zone := e.AddZone("example.com")
	for _, tt := range []struct {
		token string
		code  int
	}{{Token, http.StatusOK}, {"wrong", http.StatusBadRequest}} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", e.URL+"zones/"+zone.ID+"/dns_records", nil)
		req.Header.Set("Authorization", "Bearer "+tt.token)
		res, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if (res.StatusCode == http.StatusOK) != (tt.code == http.StatusOK) {
			t.Errorf("token %q: %d", tt.token, res.StatusCode)
		}
	}
	if seen != 2 || !strings.HasSuffix(e.URL, "/client/v4/") {
		t.Fatalf("the wrapper saw %d requests; URL %s", seen, e.URL)
	}
}
