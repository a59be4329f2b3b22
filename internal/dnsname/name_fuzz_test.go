package dnsname

import (
	"strings"
	"testing"
)

// FuzzNormalizeName checks what every stored name relies on: a name that
// normalises is lower case, has no trailing dot, fits DNS's 253 characters,
// and is its own normal form, so storing it again changes nothing.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{
		"example.com", "Example.COM.", " app.example.org ", "bücher.example", "BÜCHER.example",
		"xn--bcher-kva.example", "XN--Bcher-KVA.example", "xn--zz.example.com", "app.xn--d1acufc.xn--p1ai",
		"example。com", "example.com。", "ｅｘａｍｐｌｅ.com", "a..b", ".", "..", "example.com..", "-a.com", "a-.com",
		"192.0.2.1", "1.2.3.4a", "*.example.com", "a_b.example.com", "\u200bexample.com", "example.com\x00",
		"\xff.example", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefghi.", 25) + "com", strings.Repeat("abcdefghi.", 25) + "co", strings.Repeat("ü.", 80) + "com",
		"ß.example", "ﬁ.example", "İ.example", "\u0627\u0644.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeName(in)
		if err != nil {
			if got != "" {
				t.Fatalf("NormalizeName(%q) = %q with the error %v, want no name", in, got, err)
			}
			return
		}
		switch {
		case got != strings.ToLower(got):
			t.Fatalf("NormalizeName(%q) = %q: not lower case", in, got)
		case strings.HasSuffix(got, "."):
			t.Fatalf("NormalizeName(%q) = %q: trailing dot", in, got)
		case len(got) > 253:
			t.Fatalf("NormalizeName(%q) = %q: %d characters, more than 253", in, got, len(got))
		case !isASCII(got):
			t.Fatalf("NormalizeName(%q) = %q: not ASCII", in, got)
		}
		again, err := NormalizeName(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeName(%q) = %q, but NormalizeName(%q) = %q, %v", in, got, got, again, err)
		}
	})
}
