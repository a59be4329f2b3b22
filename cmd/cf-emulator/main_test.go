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

	"github.com/miekg/dns"
)

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0", "--token", "t0k", "--zone", "example.com", "--zone", "other.org", "--seed", "--plan", "pro"}, pw)
		pw.Close()
	}()

	var base, dnsAddr string
	var zoneIDs []string
	lines := bufio.NewScanner(pr)
	for len(zoneIDs) < 2 && lines.Scan() {
		line := lines.Text()
		if v, ok := strings.CutPrefix(line, "base URL: "); ok {
			base = v
		}
		if v, ok := strings.CutPrefix(line, "dns:      "); ok {
			dnsAddr = strings.Fields(v)[0]
		}
		if v, ok := strings.CutPrefix(line, "zone:     "); ok {
			zoneIDs = append(zoneIDs, strings.Fields(v)[0])
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/client/v4") || len(zoneIDs) != 2 {
		t.Fatalf("printed base %q zones %v", base, zoneIDs)
	}

	req, _ := http.NewRequest("GET", base+"/zones/"+zoneIDs[1]+"/dns_records", nil)
	req.Header.Set("Authorization", "Bearer t0k")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Success    bool `json:"success"`
		ResultInfo struct {
			TotalCount int `json:"total_count"`
		} `json:"result_info"`
	}
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || !body.Success || body.ResultInfo.TotalCount != 5 {
		t.Fatalf("seeded zone: %+v %v", body, err)
	}

	// The seeded records are answered over DNS, UDP and TCP.
	if !strings.HasPrefix(dnsAddr, "127.0.0.1:") {
		t.Fatalf("printed dns address %q", dnsAddr)
	}
	for _, network := range []string{"udp", "tcp"} {
		m := new(dns.Msg)
		m.SetQuestion("other.org.", dns.TypeTXT)
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		r, _, err := c.Exchange(m, dnsAddr)
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		if len(r.Answer) != 1 || !r.Authoritative || r.Answer[0].(*dns.TXT).Txt[0] != "v=spf1 -all" {
			t.Errorf("%s: TXT other.org = %v (AA %v)", network, r.Answer, r.Authoritative)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunRejectsBadDNSAddress(t *testing.T) {
	if err := run(t.Context(), []string{"--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1"}, io.Discard); err == nil {
		t.Fatal("a DNS address without a port was accepted")
	}
}

func TestRunRejectsUnknownPlan(t *testing.T) {
	if err := run(t.Context(), []string{"--listen", "127.0.0.1:0", "--plan", "gold"}, io.Discard); err == nil {
		t.Fatal("unknown plan accepted")
	}
}
