package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--email", "me@example.org", "--password", "s3cret", "--seed"}, pw)
		pw.Close()
	}()

	var base string
	lines := bufio.NewScanner(pr)
	for base == "" && lines.Scan() {
		if v, found := strings.CutPrefix(lines.Text(), "base URL: "); found {
			base = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/api") {
		t.Fatalf("printed base URL %q", base)
	}

	res, err := http.Post(base+"/tokens", "application/json", strings.NewReader(`{"identity":"me@example.org","secret":"s3cret"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || tok.Token == "" {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	req, _ := http.NewRequest("GET", base+"/nginx/proxy-hosts", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []struct {
		DomainNames []string `json:"domain_names"`
	}
	err = json.NewDecoder(res.Body).Decode(&hosts)
	res.Body.Close()
	if err != nil || len(hosts) != 1 || hosts[0].DomainNames[0] != "manual.example.com" {
		t.Fatalf("the admin's list: %+v %v", hosts, err)
	}

	cancel() // as SIGINT would
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	select {
	case <-timeout.C:
		t.Fatal("run did not stop within 5s")
	case err := <-done:
		if err != nil {
			t.Fatalf("run ended with %v", err)
		}
	}
}

func TestRunTwoFactor(t *testing.T) {
	if err := run(t.Context(), []string{"--listen", "127.0.0.1:0", "--2fa-code", "12"}, io.Discard); err == nil {
		t.Fatal("a 2-character 2FA code was accepted")
	}
}
