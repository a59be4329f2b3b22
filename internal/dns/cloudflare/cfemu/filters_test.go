package cfemu

import (
	"slices"
	"strconv"
	"testing"
)

// seedFilterZone makes six records:
//
//	A     www.example.com  198.51.100.1     "dw:owned"        ttl 300
//	A     api.example.com  198.51.100.2     "Managed by hand" proxied
//	AAAA  www.example.com  2001:db8::1      "dw:owned"        ttl 600
//	CNAME blog.example.com host.example.net (none)            ttl 120
//	TXT   example.com      v=spf1 -all      (none)            ttl 3600
//	MX    example.com      mail.example.net "MAIL"            ttl 60
func seedFilterZone(t *testing.T) *fixture {
	f := newFixture(t, Options{})
	for _, b := range []map[string]any{
		{"type": "A", "name": "www", "content": "198.51.100.1", "comment": "dw:owned", "ttl": 300},
		{"type": "A", "name": "api", "content": "198.51.100.2", "comment": "Managed by hand", "proxied": true},
		{"type": "AAAA", "name": "www", "content": "2001:db8::1", "comment": "dw:owned", "ttl": 600},
		{"type": "CNAME", "name": "blog", "content": "host.example.net", "ttl": 120},
		{"type": "TXT", "name": "@", "content": "v=spf1 -all", "ttl": 3600},
		{"type": "MX", "name": "@", "content": "mail.example.net", "priority": 10, "comment": "MAIL", "ttl": 60},
	} {
		f.create(b)
	}
	return f
}

func TestListRecordFilters(t *testing.T) {
	f := seedFilterZone(t)
	const (
		wwwA  = "A www.example.com"
		apiA  = "A api.example.com"
		www6  = "AAAA www.example.com"
		blog  = "CNAME blog.example.com"
		txt   = "TXT example.com"
		mx    = "MX example.com"
		every = "*"
	)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{every}},
		{"type=A", []string{wwwA, apiA}},
		{"type=aaaa", []string{www6}},
		{"name=www.example.com", []string{wwwA, www6}},
		{"name=WWW.Example.com.", []string{wwwA, www6}},
		{"name=@", []string{txt, mx}},
		{"name=www", nil}, // a name filter takes the full name
		{"name.exact=api.example.com", []string{apiA}},
		{"name.contains=PI.ex", []string{apiA}},
		{"name.startswith=www", []string{wwwA, www6}},
		{"name.endswith=.example.com", []string{wwwA, apiA, www6, blog}},
		{"content=198.51.100.1", []string{wwwA}},
		{"content.exact=HOST.example.net", []string{blog}},
		{"content.contains=2001", []string{www6}},
		{"content.startswith=198.51", []string{wwwA, apiA}},
		{"content.endswith=.NET", []string{blog, mx}},
		{"comment=DW:OWNED", []string{wwwA, www6}},
		{"comment.exact=mail", []string{mx}},
		{"comment.contains=hand", []string{apiA}},
		{"comment.startswith=dw:", []string{wwwA, www6}},
		{"comment.endswith=AIL", []string{mx}},
		{"comment.present", []string{wwwA, apiA, www6, mx}},
		{"comment.present=1", []string{wwwA, apiA, www6, mx}},
		{"comment.absent", []string{blog, txt}},
		{"proxied=true", []string{apiA}},
		{"proxied=false", []string{wwwA, www6, blog, txt, mx}},
		{"type=A&name=www.example.com", []string{wwwA}},
		{"type=A&name=www.example.com&match=all", []string{wwwA}},
		{"type=CNAME&comment=MAIL&match=any", []string{blog, mx}},
		{"type=A&proxied=true&match=any", []string{wwwA, apiA}},
		{"type=A&content.endswith=.net", nil},
	}
	all := []string{wwwA, apiA, www6, blog, txt, mx}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			want := tt.want
			if slices.Equal(want, []string{every}) {
				want = all
			}
			want = slices.Clone(want)
			slices.Sort(want)
			res := f.ok("GET", f.recordsPath()+"?"+tt.query, readToken, nil)
			got := names(decode[[]recordJSON](t, res.Result))
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if res.ResultInfo.TotalCount != len(want) || res.ResultInfo.Count != len(want) {
				t.Errorf("result_info = %+v", *res.ResultInfo)
			}
		})
	}
}

func TestListRecordFiltersRefused(t *testing.T) {
	f := seedFilterZone(t)
	for _, q := range []string{"tag=owner", "tag.present=owner", "tag_match=any", "search=www", "proxied=maybe"} {
		wantError(t, f.call("GET", f.recordsPath()+"?"+q, readToken, nil), 400, 1004)
	}
}

func TestListRecordsOrder(t *testing.T) {
	f := seedFilterZone(t)
	order := func(q string) []string {
		var out []string
		for _, r := range decode[[]recordJSON](t, f.ok("GET", f.recordsPath()+"?"+q, readToken, nil).Result) {
			out = append(out, r.Type+" "+r.Name)
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		// Default: by type, then name.
		{"", []string{"A api.example.com", "A www.example.com", "AAAA www.example.com", "CNAME blog.example.com", "MX example.com", "TXT example.com"}},
		{"order=type&direction=desc", []string{"TXT example.com", "MX example.com", "CNAME blog.example.com", "AAAA www.example.com", "A www.example.com", "A api.example.com"}},
		{"order=name", []string{"A api.example.com", "CNAME blog.example.com", "MX example.com", "TXT example.com", "A www.example.com", "AAAA www.example.com"}},
		{"order=ttl", []string{"A api.example.com", "MX example.com", "CNAME blog.example.com", "A www.example.com", "AAAA www.example.com", "TXT example.com"}},
		{"order=content&direction=asc&type=A", []string{"A www.example.com", "A api.example.com"}},
		{"order=proxied&direction=desc&type=A", []string{"A api.example.com", "A www.example.com"}},
	}
	for _, tt := range tests {
		if got := order(tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestListRecordsPagination(t *testing.T) {
	f := seedFilterZone(t)
	tests := []struct {
		query string
		want  resultInfo
	}{
		{"", resultInfo{Page: 1, PerPage: 100, Count: 6, TotalCount: 6, TotalPages: 1}},
		{"per_page=4", resultInfo{Page: 1, PerPage: 4, Count: 4, TotalCount: 6, TotalPages: 2}},
		{"per_page=4&page=2", resultInfo{Page: 2, PerPage: 4, Count: 2, TotalCount: 6, TotalPages: 2}},
		{"per_page=4&page=3", resultInfo{Page: 3, PerPage: 4, Count: 0, TotalCount: 6, TotalPages: 2}},
		{"page=99", resultInfo{Page: 99, PerPage: 100, Count: 0, TotalCount: 6, TotalPages: 1}},
		{"page=9223372036854775807&per_page=5000000", resultInfo{Page: 9223372036854775807, PerPage: 5000000, Count: 0, TotalCount: 6, TotalPages: 1}},
		{"per_page=0", resultInfo{Page: 1, PerPage: 1, Count: 1, TotalCount: 6, TotalPages: 6}},
		{"per_page=10000000", resultInfo{Page: 1, PerPage: 5000000, Count: 6, TotalCount: 6, TotalPages: 1}},
		{"type=TXT&per_page=1", resultInfo{Page: 1, PerPage: 1, Count: 1, TotalCount: 1, TotalPages: 1}},
		{"type=SRV", resultInfo{Page: 1, PerPage: 100, Count: 0, TotalCount: 0, TotalPages: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := f.ok("GET", f.recordsPath()+"?"+tt.query, readToken, nil)
			if *res.ResultInfo != tt.want {
				t.Errorf("result_info = %+v, want %+v", *res.ResultInfo, tt.want)
			}
			if string(res.Keys["result"])[0] != '[' {
				t.Errorf("result = %s, want an array (empty past the end)", res.Keys["result"])
			}
			if n := len(decode[[]recordJSON](t, res.Result)); n != tt.want.Count {
				t.Errorf("%d records, want %d", n, tt.want.Count)
			}
		})
	}

	// Walking pages of two yields every record exactly once.
	seen := map[string]bool{}
	for page := 1; ; page++ {
		recs := decode[[]recordJSON](t, f.ok("GET", f.recordsPath()+"?per_page=2&page="+strconv.Itoa(page), readToken, nil).Result)
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if seen[r.ID] {
				t.Errorf("%s on two pages", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != 6 {
		t.Errorf("pages held %d records, want 6", len(seen))
	}
}
