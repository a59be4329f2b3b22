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

// A registry check of an auto-deploy app is an apps_changed event (the
// app's last check time and error changed), which the UI refetches on;
// it does not make the watcher read the apps again.
func TestRegistryCheckIsAnEvent(t *testing.T) {
	e := newDeployEnv(t)
	res, err := e.c.Get(e.url + "/api/events")
	if err != nil || res.StatusCode != 200 {
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
	var app struct{ ID int64 }
	// A repository with no tags: the check fails at once, which is noted.
	if code := call(t, e.c, "POST", e.url+"/api/apps", fmt.Sprintf(`{"name":"watched","image":%q,"tag_pattern":"v.*","container_port":8080,"auto_deploy":true,"poll_interval_seconds":3600}`,
		e.registry+"/dwtest/none-"+fmt.Sprint(time.Now().UnixNano())), &app); code != 201 {
		t.Fatalf("create: %d", code)
	}
	for deadline := time.After(20 * time.Second); ; {
		select {
		case l := <-lines:
			if l != "event: apps_changed" {
				continue
			}
			if data := <-lines; !strings.Contains(data, `"subject":"check"`) {
				continue // the create itself
			} else if !strings.Contains(data, fmt.Sprintf(`"id":%d`, app.ID)) {
				t.Fatalf("data %q", data)
			}
		case <-deadline:
			t.Fatal("no event for the registry check")
		}
		break
	}
	var got struct {
		LastError     string  `json:"last_error"`
		LastCheckedAt *string `json:"last_checked_at"`
	}
	call(t, e.c, "GET", fmt.Sprintf("%s/api/apps/%d", e.url, app.ID), "", &got)
	if got.LastCheckedAt == nil || got.LastError == "" {
		t.Fatalf("the app after its check: %+v", got)
	}
}
