package dns

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuoteTXT(t *testing.T) {
	long := strings.Repeat("a", 300)
	// 254 ASCII bytes then "é" (2 bytes): the split must not cut it.
	accent := strings.Repeat("b", 254) + "é" + "c"
	tests := []struct{ value, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"v=spf1 include:_spf.example.net -all", `"v=spf1 include:_spf.example.net -all"`},
		{`say "hi" \o/`, `"say \"hi\" \\o/"`},
		{long, `"` + strings.Repeat("a", 255) + `" "` + strings.Repeat("a", 45) + `"`},
		{strings.Repeat("x", 255), `"` + strings.Repeat("x", 255) + `"`},
		{accent, `"` + strings.Repeat("b", 254) + `" "éc"`},
	}
	for _, tt := range tests {
		if got := QuoteTXT(tt.value); got != tt.want {
			t.Errorf("QuoteTXT(%.20q...) = %.40q..., want %.40q...", tt.value, got, tt.want)
		}
	}
}

func TestUnquoteTXT(t *testing.T) {
	tests := []struct{ content, want string }{
		{`"abc"`, "abc"},
		{"abc", "abc"}, // saved without quotes: as it stands
		{"hello world", "hello world"},
		{`"ab" "c"`, "abc"},
		{`"ab"   "c" `, "abc"},
		{` "abc"`, "abc"},
		{`"say \"hi\" \\o/"`, `say "hi" \o/`},
		{`"\065\066C"`, "ABC"},
		{`""`, ""},
		// Not quoted strings: as they stand.
		{`"abc`, `"abc`},
		{`"ab"c`, `"ab"c`},
		{`"ab" c`, `"ab" c`},
		{`"ab\`, `"ab\`},
		{`"\999"`, `"\999"`},
		{`abc "def"`, `abc "def"`},
	}
	for _, tt := range tests {
		if got := UnquoteTXT(tt.content); got != tt.want {
			t.Errorf("UnquoteTXT(%q) = %q, want %q", tt.content, got, tt.want)
		}
	}
}

// FuzzTXTRoundTrip: every value reads back as written, and every string
// QuoteTXT makes fits in a character string.
func FuzzTXTRoundTrip(f *testing.F) {
	for _, s := range []string{"", "abc", `a"b\c`, strings.Repeat("ü", 200), "\x00\xff", strings.Repeat("\x80", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		q := QuoteTXT(value)
		if got := UnquoteTXT(q); got != value {
			t.Fatalf("UnquoteTXT(QuoteTXT(%q)) = %q", value, got)
		}
		if utf8.ValidString(value) && !utf8.ValidString(q) {
			t.Fatalf("QuoteTXT(%q) = %q is not valid UTF-8", value, q)
		}
		for _, part := range strings.Split(q, `" "`) {
			unescaped := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(strings.Trim(part, `"`))
			if len(unescaped) > maxTXTString {
				t.Fatalf("QuoteTXT(%q) has a string of %d bytes", value, len(unescaped))
			}
		}
	})
}

func TestSameTXT(t *testing.T) {
	const m = "managed by docker-watcher test"
	recs := []Record{
		{ID: "1", Name: "_acme-challenge.example.com", Type: "TXT", Content: "v1", Owner: m},
		{ID: "2", Name: "_ACME-challenge.Example.com.", Type: "txt", Content: "v1", Owner: m},
		{ID: "3", Name: "_acme-challenge.example.com", Type: "TXT", Content: "v1", Owner: "managed by docker-watcher other"},
		{ID: "4", Name: "_acme-challenge.example.com", Type: "TXT", Content: "v2", Owner: m},
		{ID: "5", Name: "_acme-challenge.example.com", Type: "TXT", Content: "V1", Owner: ""},
		{ID: "6", Name: "_acme-challenge.example.com", Type: "A", Content: "v1", Owner: m},
		{ID: "7", Name: "x._acme-challenge.example.com", Type: "TXT", Content: "v1", Owner: m},
	}
	ours, foreign := SameTXT(recs, Record{Name: "_acme-challenge.EXAMPLE.com.", Type: "TXT", Content: "v1"}, m)
	ids := func(rs []Record) (s string) {
		for _, r := range rs {
			s += r.ID
		}
		return s
	}
	if ids(ours) != "12" || ids(foreign) != "3" {
		t.Fatalf("ours %q, foreign %q; want 12 and 3 (other values, case, types and names apart)", ids(ours), ids(foreign))
	}
}
