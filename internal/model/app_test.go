package model

import "testing"

func TestTagPatternMatchesWholeTag(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"latest", []string{"latest"}, []string{"latest2", "not-latest", ""}},
		{`v\d+\.\d+\.\d+`, []string{"v1.2.3", "v10.0.0"}, []string{"v1.2", "v1.2.3-rc1", "xv1.2.3"}},
		// Leftmost-first alternation must still match the whole tag.
		{"a|ab", []string{"a", "ab"}, []string{"abc", "b"}},
		{"v1|v2", []string{"v1", "v2"}, []string{"v1v2", "v12"}},
		{"(?i)Main", []string{"main", "MAIN"}, []string{"main-1"}},
		{`\Q1.0\E`, []string{"1.0"}, []string{"1x0", "1.0.1"}},
		// \Q without \E quotes to the end of the pattern only, not past
		// the anchors.
		{`a\Q)$`, []string{"a)$"}, []string{"a"}},
		{"(stable|edge)-[0-9]{2,4}", []string{"stable-10", "edge-2026"}, []string{"stable-1", "beta-10"}},
		{"v.*", []string{"v", "v1-rc"}, []string{"1v"}},
	}
	for _, tt := range tests {
		a := App{TagPattern: tt.pattern}
		re, err := a.TagRegexp()
		if err != nil {
			t.Errorf("TagRegexp(%q): %v", tt.pattern, err)
			continue
		}
		for _, tag := range tt.match {
			if !re.MatchString(tag) {
				t.Errorf("pattern %q does not match tag %q", tt.pattern, tag)
			}
		}
		for _, tag := range tt.miss {
			if re.MatchString(tag) {
				t.Errorf("pattern %q matches tag %q", tt.pattern, tag)
			}
		}
	}
}

// A pattern that does not parse on its own is refused, even when pasted
// into the anchoring group it would parse (and match every tag).
func TestTagPatternRefused(t *testing.T) {
	for _, p := range []string{"a)(", "v1)|(.*", ".*)|(", "v((", `a\`, "x{2,1}", "*"} {
		a := App{Name: "web", Image: "nginx", TagPattern: p, ContainerPort: 80}
		err := a.Normalize()
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != "tag_pattern" {
			t.Errorf("Normalize with tag_pattern %q = %v, want a tag_pattern error", p, err)
		}
		if re, err := a.TagRegexp(); err == nil {
			t.Errorf("TagRegexp(%q) compiled to %s", p, re)
		}
	}
}
