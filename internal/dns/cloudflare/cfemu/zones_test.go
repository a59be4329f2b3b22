package cfemu

import (
	"slices"
	"strconv"
	"testing"
)

type zoneView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	Paused      bool     `json:"paused"`
	Type        string   `json:"type"`
	NameServers []string `json:"name_servers"`
	Permissions []string `json:"permissions"`
	Account     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"account"`
	Plan struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		LegacyID string `json:"legacy_id"`
	} `json:"plan"`
}

func TestListZonesFilters(t *testing.T) {
	f := newFixture(t, Options{AccountName: "Acme"})
	for _, n := range []string{"alpha.org", "beta.org", "dev.example.net", "gamma.io", "Mixed.Org"} {
		f.srv.AddZone(n)
	}
	// Zones: example.com, alpha.org, beta.org, dev.example.net, gamma.io, mixed.org.
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"alpha.org", "beta.org", "dev.example.net", "example.com", "gamma.io", "mixed.org"}},
		{"name=example.com", []string{"example.com"}},
		{"name=EXAMPLE.com", []string{"example.com"}},
		{"name=equal:beta.org", []string{"beta.org"}},
		{"name=contains:.org", []string{"alpha.org", "beta.org", "mixed.org"}},
		{"name=starts_with:dev", []string{"dev.example.net"}},
		{"name=ends_with:io", []string{"gamma.io"}},
		{"name=not_equal:example.com", []string{"alpha.org", "beta.org", "dev.example.net", "gamma.io", "mixed.org"}},
		{"name=contains_case_sensitive:Org", nil},
		{"name=nothing.here", nil},
		{"status=active&name=gamma.io", []string{"gamma.io"}},
		{"status=pending", nil},
		{"account.name=Acme&name=gamma.io", []string{"gamma.io"}},
		{"account.name=contains:nope", nil},
		{"match=any&name=gamma.io&status=pending", []string{"gamma.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := f.ok("GET", "/zones?"+tt.query, editToken, nil)
			got := zoneNames(t, res)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if res.ResultInfo.TotalCount != len(tt.want) {
				t.Errorf("total_count = %d, want %d", res.ResultInfo.TotalCount, len(tt.want))
			}
		})
	}

	desc := zoneNames(t, f.ok("GET", "/zones?order=name&direction=desc", editToken, nil))
	if desc[0] != "mixed.org" || desc[len(desc)-1] != "alpha.org" {
		t.Errorf("order=name&direction=desc: %v", desc)
	}
}

func TestListZonesPagination(t *testing.T) {
	f := newFixture(t, Options{})
	for i := range 11 {
		f.srv.AddZone(string(rune('a'+i)) + "-zone.test")
	}
	// 12 zones in all.
	tests := []struct {
		query                              string
		page, perPage, count, total, pages int
	}{
		{"", 1, 20, 12, 12, 1},
		{"per_page=5", 1, 5, 5, 12, 3},
		{"per_page=5&page=3", 3, 5, 2, 12, 3},
		{"per_page=5&page=4", 4, 5, 0, 12, 3}, // past the end
		{"per_page=1", 1, 5, 5, 12, 3},        // below the minimum of 5
		{"per_page=500", 1, 50, 12, 12, 1},    // above the maximum of 50
		{"page=0", 1, 20, 12, 12, 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := f.ok("GET", "/zones?"+tt.query, editToken, nil)
			want := resultInfo{Page: tt.page, PerPage: tt.perPage, Count: tt.count, TotalCount: tt.total, TotalPages: tt.pages}
			if *res.ResultInfo != want {
				t.Errorf("result_info = %+v, want %+v", *res.ResultInfo, want)
			}
			if got := len(zoneNames(t, res)); got != tt.count {
				t.Errorf("%d zones, want %d", got, tt.count)
			}
			if string(res.Keys["result"])[0] != '[' {
				t.Errorf("result = %s, want an array", res.Keys["result"])
			}
		})
	}

	// Walking the pages gives every zone once.
	seen := map[string]bool{}
	for page := 1; ; page++ {
		got := zoneNames(t, f.ok("GET", "/zones?per_page=5&page="+strconv.Itoa(page), editToken, nil))
		if len(got) == 0 {
			break
		}
		for _, n := range got {
			if seen[n] {
				t.Errorf("%s on two pages", n)
			}
			seen[n] = true
		}
	}
	if len(seen) != 12 {
		t.Errorf("pages held %d zones, want 12", len(seen))
	}
}

func TestGetZone(t *testing.T) {
	f := newFixture(t, Options{AccountName: "Acme"})
	z := decode[zoneView](t, f.ok("GET", "/zones/"+f.zone.ID, editToken, nil).Result)
	if z.ID != f.zone.ID || z.Name != "example.com" || z.Status != "active" || z.Paused || z.Type != "full" ||
		len(z.NameServers) != 2 || z.Account.ID != f.srv.AccountID() || z.Account.Name != "Acme" ||
		z.Plan.LegacyID != "free" || z.Plan.Name != "Free Website" {
		t.Errorf("zone = %+v", z)
	}
	if !slices.Contains(z.Permissions, "#dns_records:edit") {
		t.Errorf("editing token permissions = %v", z.Permissions)
	}
	ro := decode[zoneView](t, f.ok("GET", "/zones/"+f.zone.ID, readToken, nil).Result)
	if slices.Contains(ro.Permissions, "#dns_records:edit") {
		t.Errorf("read-only token permissions = %v", ro.Permissions)
	}

	if err := f.srv.SetPlan(f.zone.ID, "business"); err != nil {
		t.Fatal(err)
	}
	if z := decode[zoneView](t, f.ok("GET", "/zones/"+f.zone.ID, editToken, nil).Result); z.Plan.LegacyID != "business" {
		t.Errorf("plan after SetPlan = %+v", z.Plan)
	}
	if err := f.srv.SetPlan(f.zone.ID, "platinum"); err == nil {
		t.Error("SetPlan accepted an unknown plan")
	}

	for _, id := range []string{"0123456789abcdef0123456789abcdef", "example.com"} {
		res := f.call("GET", "/zones/"+id+"/dns_records", editToken, nil)
		wantError(t, res, 400, 7003)
		if len(res.Errors) != 2 || res.Errors[1].Code != 7000 {
			t.Errorf("unknown zone errors = %+v", res.Errors)
		}
	}
}

func zoneNames(t *testing.T, res apiResponse) []string {
	t.Helper()
	var out []string
	for _, z := range decode[[]zoneView](t, res.Result) {
		out = append(out, z.Name)
	}
	return out
}
