package cfemu

import (
	"slices"
	"strings"
	"testing"
)

func TestTXTStrings(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		content string
		want    []string
		bad     bool
	}{
		{content: "v=spf1 -all", want: []string{"v=spf1 -all"}},
		{content: "token-123", want: []string{"token-123"}},
		{content: long, want: []string{long[:255], long[255:]}},
		{content: strings.Repeat("b", 255), want: []string{strings.Repeat("b", 255)}},
		{content: `"hello world"`, want: []string{"hello world"}},
		{content: `"a" "b"`, want: []string{"a", "b"}},
		{content: "\"a\"\t  \"b\" ", want: []string{"a", "b"}},
		{content: `""`, want: []string{""}},
		{content: `"say \"hi\"" "back\\slash"`, want: []string{`say "hi"`, `back\slash`}},
		{content: `"tab\009end" "\065\066"`, want: []string{"tab\tend", "AB"}},
		{content: `"` + long + `"`, want: []string{long[:255], long[255:]}},
		{content: `unquoted "inside"`, want: []string{`unquoted "inside"`}},
		{content: `"this`, bad: true},
		{content: `"these" ones"`, bad: true},
		{content: `"a""b"`, bad: true},
		{content: `"a" b`, bad: true},
		{content: `"end\`, bad: true},
		{content: `"\256"`, bad: true},
	}
	for _, tt := range tests {
		got, err := txtStrings(tt.content)
		if tt.bad {
			if err == nil {
				t.Errorf("txtStrings(%q) = %q, want an error", tt.content, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("txtStrings(%q) = %q, %v; want %q", tt.content, got, err, tt.want)
		}
	}
}

// TestTXTContentThroughAPI checks what the API stores for TXT content:
// unquoted content as sent, quoted content checked and a string of over
// 255 bytes split (see txt.go for the sources).
func TestTXTContentThroughAPI(t *testing.T) {
	long := strings.Repeat("k", 300)
	tests := []struct {
		name    string
		content string
		want    string // stored and returned content
	}{
		{"unquoted kept as sent", "W9FxmWDQbIJeFW3AlkvyaSxYr93qRER0XecSMX1qwtI", "W9FxmWDQbIJeFW3AlkvyaSxYr93qRER0XecSMX1qwtI"},
		{"unquoted with spaces", "v=spf1 include:_spf.example.net -all", "v=spf1 include:_spf.example.net -all"},
		{"long unquoted not split", long, long},
		{"quoted kept as sent", `"a"   "b"`, `"a"   "b"`},
		{"long quoted split", `"` + long + `"`, `"` + long[:255] + `" "` + long[255:] + `"`},
		{"split re-escapes", `"` + long + `\"q\""`, `"` + long[:255] + `" "` + long[255:] + `\"q\""`},
	}
	f := newFixture(t, Options{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.create(map[string]any{"type": "TXT", "name": "t" + string(rune('a'+i)), "content": tt.content})
			if rec.Content != tt.want {
				t.Errorf("created content = %q, want %q", rec.Content, tt.want)
			}
			got := decode[recordJSON](t, f.ok("GET", f.recordsPath()+"/"+rec.ID, editToken, nil).Result)
			if got.Content != tt.want {
				t.Errorf("read content = %q, want %q", got.Content, tt.want)
			}
		})
	}

	for _, bad := range []string{`"this`, `"these" ones"`} {
		res := f.call("POST", f.recordsPath(), editToken, map[string]any{"type": "TXT", "name": "bad", "content": bad})
		wantError(t, res, 400, 1004)
	}
}
