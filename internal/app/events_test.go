package app

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/config"
)

// GET /api/events streams what changes (a proxy, the DNS sync it causes),
// with authentication; a shutdown
// ends the stream instead of waiting for its client.
func TestEventStream(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword = t.TempDir(), "password-for-test"
	cfg.Listen, cfg.ProxyListen, cfg.ProxyTLSListen = freeAddr(t), freeAddr(t), freeAddr(t)
	url, stop := startAt(t, cfg, &lockedBuffer{})
	c := loggedIn(t, url, cfg.AdminPassword)
	if res, err := http.Get(url + "/api/events"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %v %v", res, err)
	}
	res, err := c.Get(url + "/api/events")
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %v %v", res, err)
	}
	defer res.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	p := createProxy(t, c, url, "app.example.com", 3000)
	want := "event: consumers_changed"
	for deadline := time.After(5 * time.Second); ; {
		select {
		case l := <-lines:
			if l != want {
				continue
			}
			if data := <-lines; !strings.Contains(data, `"subject":"proxy"`) || !strings.Contains(data, fmt.Sprintf(`"id":%d`, p.ID)) {
				t.Fatalf("data %q", data)
			}
		case <-deadline:
			t.Fatal("no event for the new proxy")
		}
		break
	}
	// The DNS sync it causes is heard of too.
	for deadline := time.After(5 * time.Second); ; {
		select {
		case l := <-lines:
			if l != "event: dns_synced" {
				continue
			}
		case <-deadline:
			t.Fatal("no event for the DNS sync")
		}
		break
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown waited %v for the stream's client", took)
	}
	for range lines { // the stream ended
	}
}
