package reconcile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// A scenario is a golden file of testdata/plan: consumers and settings, the
// provider's records and our rows, and the plan they must give, one line a
// decision. A new case is a new file.
type scenario struct {
	Comment  string `json:"comment"`
	Settings struct {
		Domain string `json:"domain"`
		IPv4   string `json:"public_ipv4"`
		IPv6   string `json:"public_ipv6"`
		TTL    int    `json:"dns_ttl"`
		Grace  int    `json:"dns_delete_grace_seconds"`
	} `json:"settings"`
	Proxies   []string `json:"proxies"`
	Instances []struct {
		Subdomain string `json:"subdomain"`
		Status    string `json:"status"`
		Route     int64  `json:"proxy_route_id"`
		Ago       string `json:"status_changed_ago"` // a Go duration
	} `json:"instances"`
	Provider []struct {
		ID, Name, Type, Content string
		Owner                   string `json:"owner"`       // "ours" for our marker
		Created                 string `json:"created_ago"` // a Go duration; "" for a day ago
	} `json:"provider"`
	Rows []struct {
		Name, Type, ID string
		State          string `json:"state"`
		Pending        string `json:"pending_since_ago"` // a Go duration: a create sent then and never answered
	} `json:"rows"`
	Want []string `json:"want"`
}

func TestPlanScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/plan/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("scenarios %v: %v", files, err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ago := func(t *testing.T, d string) time.Time {
		t.Helper()
		if d == "" {
			return now.Add(-24 * time.Hour)
		}
		v, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("duration %q: %v", d, err)
		}
		return now.Add(-v)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var sc scenario
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&sc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			s := model.Settings{Domain: sc.Settings.Domain, PublicIPv4: sc.Settings.IPv4, PublicIPv6: sc.Settings.IPv6,
				DNSProvider: model.ProviderCloudflare, CloudflareZoneID: "z", CloudflareZoneName: sc.Settings.Domain,
				CloudflareAPIToken: "t", DNSTTL: max(sc.Settings.TTL, 1), DNSDeleteGraceSeconds: sc.Settings.Grace}
			var instances []model.Instance
			for i, in := range sc.Instances {
				instances = append(instances, model.Instance{ID: int64(i + 1), Subdomain: in.Subdomain, Status: in.Status,
					ProxyRouteID: in.Route, StatusChangedAt: ago(t, in.Ago)})
			}
			var proxies []model.Proxy
			for i, d := range sc.Proxies {
				proxies = append(proxies, model.Proxy{ID: int64(100 + i), Domain: d, ForwardScheme: "http", ForwardHost: "h", ForwardPort: 80})
			}
			var actual []dns.Record
			for _, r := range sc.Provider {
				owner := r.Owner
				if owner == "ours" {
					owner = mk
				}
				actual = append(actual, dns.Record{ID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content, TTL: 1, Owner: owner, CreatedOn: ago(t, r.Created)})
			}
			var rows []model.DNSRecord
			for _, r := range sc.Rows {
				row := model.DNSRecord{Provider: model.ProviderCloudflare, ZoneID: "z", FQDN: r.Name, Type: r.Type, ProviderRecordID: r.ID, State: r.State}
				if r.Pending != "" {
					since := ago(t, r.Pending)
					row.PendingSince = &since
				}
				rows = append(rows, row)
			}
			want, outside := Desired(consumer.List(instances, proxies, s, now), s)
			c := Plan(want, actual, rows, mk)
			got := planLinesOf(c)
			for _, w := range outside {
				got = append(got, "outside_zone "+w.Record.Type+" "+w.Record.Name)
			}
			slices.Sort(got)
			wantLines := slices.Clone(sc.Want)
			slices.Sort(wantLines)
			if !slices.Equal(got, wantLines) {
				t.Fatalf("%s\nplan:\n  %s\nwant:\n  %s", sc.Comment, strings.Join(got, "\n  "), strings.Join(wantLines, "\n  "))
			}
			after, afterRows := simulate(actual, rows, c)
			if again := Plan(want, after, afterRows, mk); again.Writes() != 0 || len(again.Forget) != 0 {
				t.Fatalf("the plan of its own result is not empty: %+v", count(again))
			}
		})
	}
}

// planLinesOf renders a plan as "action TYPE name [content]" lines.
func planLinesOf(c Changes) []string {
	var out []string
	line := func(action string, r dns.Record, extra string) {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", action, r.Type, r.Name, extra)))
	}
	for _, it := range c.Create {
		line("create", it.Want.Record, it.Want.Record.Content)
	}
	for _, it := range c.Update {
		line("update", it.Want.Record, it.Current.Content+" -> "+it.Want.Record.Content)
	}
	for _, it := range c.Delete {
		line("delete", it.Current, "id "+it.Current.ID)
	}
	for _, it := range c.InSync {
		line("in_sync", it.Want.Record, "id "+it.Current.ID)
	}
	for _, it := range c.Conflicts {
		line("conflict", it.Want.Record, "held by id "+it.Current.ID)
	}
	for _, it := range c.Forget {
		out = append(out, "forget "+it.Row.Type+" "+it.Row.FQDN)
	}
	return out
}
