package cfemu

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listRecords implements GET /zones/{zone_id}/dns_records: filters, order,
// direction and pagination as documented for "List DNS Records" (per_page
// 1..5,000,000, default 100; order type|name|content|ttl|proxied, default
// type; direction asc|desc; match all|any).
func (s *Server) listRecords(r *http.Request, t *token) (reply, error) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneFor(r, t, false)
	if err != nil {
		return reply{}, err
	}
	conds, err := recordConditions(q, z.Name)
	if err != nil {
		return reply{}, err
	}
	matchAny := q.Get("match") == "any"
	var recs []Record
	for _, rec := range z.records {
		if matches(rec, conds, matchAny) {
			recs = append(recs, rec)
		}
	}
	sortRecords(recs, q.Get("order"), q.Get("direction") == "desc")
	page, info := paginate(recs, q, 100, 1, 5_000_000)
	out := make([]recordJSON, len(page))
	for i, rec := range page {
		out[i] = toJSON(rec)
	}
	return reply{result: out, info: &info}, nil
}

// recordConditions turns the documented filters into predicates. Name,
// content and comment filters are case-insensitive (the API reference says
// so for each); "name", "content" and "comment" alone are aliases of their
// ".exact" forms; comment.present and comment.absent work by presence.
// name and name.exact take a full name, "@" meaning the apex.
//
// Tag filters and search are not emulated: rather than silently ignore
// them, which would hand a client more records than it asked for, the
// emulator refuses them.
func recordConditions(q url.Values, zone string) ([]func(Record) bool, error) {
	for key := range q {
		if key == "tag" || key == "tag_match" || key == "search" || strings.HasPrefix(key, "tag.") {
			return nil, errInvalid("The " + key + " filter is not supported by the Cloudflare emulator.")
		}
	}
	var conds []func(Record) bool
	add := func(c func(Record) bool) { conds = append(conds, c) }

	if v, ok := first(q, "type"); ok {
		add(func(r Record) bool { return strings.EqualFold(r.Type, v) })
	}
	for _, key := range []string{"name", "name.exact"} {
		if v, ok := first(q, key); ok {
			want := strings.TrimSuffix(strings.ToLower(v), ".")
			if want == "@" {
				want = zone
			}
			add(func(r Record) bool { return r.Name == want })
		}
	}
	text := func(field string, get func(Record) (string, bool), exact bool) {
		for _, key := range []string{field, field + ".exact"} {
			if v, ok := first(q, key); ok && exact {
				add(func(r Record) bool { s, has := get(r); return has && strings.EqualFold(s, v) })
			}
		}
		for op, fn := range map[string]func(string, string) bool{
			".contains": strings.Contains, ".startswith": strings.HasPrefix, ".endswith": strings.HasSuffix,
		} {
			if v, ok := first(q, field+op); ok {
				v := strings.ToLower(v)
				add(func(r Record) bool { s, has := get(r); return has && fn(strings.ToLower(s), v) })
			}
		}
	}
	text("name", func(r Record) (string, bool) { return r.Name, true }, false) // exact forms above
	text("content", func(r Record) (string, bool) { return r.Content, true }, true)
	text("comment", func(r Record) (string, bool) { return r.Comment, r.Comment != "" }, true)

	if q.Has("comment.present") {
		add(func(r Record) bool { return r.Comment != "" })
	}
	if q.Has("comment.absent") {
		add(func(r Record) bool { return r.Comment == "" })
	}
	if v, ok := first(q, "proxied"); ok {
		want, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errInvalid("proxied must be true or false.")
		}
		add(func(r Record) bool { return r.Proxied == want })
	}
	return conds, nil
}

// first returns a non-empty query value.
func first(q url.Values, key string) (string, bool) {
	v := q.Get(key)
	return v, v != ""
}

// matches combines conditions with AND (match=all, the default) or OR
// (match=any); no condition matches everything.
func matches[T any](v T, conds []func(T) bool, matchAny bool) bool {
	if len(conds) == 0 {
		return true
	}
	for _, c := range conds {
		if c(v) == matchAny {
			return matchAny
		}
	}
	return !matchAny
}

// sortRecords orders by the requested field, then by type, name and
// content so that the order is total and pages never overlap.
func sortRecords(recs []Record, order string, desc bool) {
	fields := map[string]func(a, b Record) int{
		"type":    func(a, b Record) int { return cmp.Compare(a.Type, b.Type) },
		"name":    func(a, b Record) int { return cmp.Compare(a.Name, b.Name) },
		"content": func(a, b Record) int { return cmp.Compare(a.Content, b.Content) },
		"ttl":     func(a, b Record) int { return cmp.Compare(a.TTL, b.TTL) },
		"proxied": func(a, b Record) int { return cmp.Compare(boolInt(a.Proxied), boolInt(b.Proxied)) },
	}
	primary, ok := fields[order]
	if !ok {
		primary = fields["type"]
	}
	slices.SortStableFunc(recs, func(a, b Record) int {
		c := cmp.Or(primary(a, b), fields["type"](a, b), fields["name"](a, b), fields["content"](a, b))
		if desc {
			return -c
		}
		return c
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// paginate cuts one page out of items. per_page outside [min, max] is
// clamped rather than refused: Cloudflare answers per_page=90 on /zones
// (python-cloudflare#13 shows it), and the page size it used is in
// result_info. A page past the end is empty, with the true totals; an empty
// list still has total_pages 1, as Cloudflare answers.
func paginate[T any](items []T, q url.Values, def, lo, hi int) ([]T, resultInfo) {
	perPage := min(max(queryInt(q.Get("per_page"), def), lo), hi)
	page := max(queryInt(q.Get("page"), 1), 1)
	total := len(items)
	info := resultInfo{
		Page: page, PerPage: perPage, TotalCount: total,
		TotalPages: max((total+perPage-1)/perPage, 1),
	}
	if page-1 >= (total+perPage-1)/perPage { // past the end (and no overflow)
		return nil, info
	}
	start := (page - 1) * perPage
	end := min(start+perPage, total)
	info.Count = end - start
	return items[start:end], info
}
