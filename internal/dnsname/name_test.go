package dnsname

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM.", "example.com", true},
		{" app.example.org ", "app.example.org", true},
		{"bücher.example", "xn--bcher-kva.example", true},
		{"a-b.c-d.example.com", "a-b.c-d.example.com", true},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", true},
		{"XN--Bcher-KVA.example", "xn--bcher-kva.example", true},
		{"app.xn--d1acufc.xn--p1ai", "app.xn--d1acufc.xn--p1ai", true},
		{"xn--zz.example.com", "", false},
		{"app.xn--zz", "", false},
		{"bücher.xn--zz.example", "", false},
		{"xn--.example.com", "", false},
		{"xn--a.example.com", "", false},      // decodes to a control character
		{"xn--abc-.example.com", "", false},   // decodes to plain "abc"
		{"xn--bcher-kva-.example", "", false}, // a hyphen too many
		{"", "", false},
		{"localhost", "", false},
		{"bad domain!.com", "", false},
		{"-bad.example.com", "", false},
		{"bad-.example.com", "", false},
		{"under_score.example.com", "", false},
		{"a..b.com", "", false},
		{"1.2.3.4", "", false},
		{"*.example.com", "", false},
		{string(make([]byte, 64)) + ".com", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCheckHostname(t *testing.T) {
	for host, ok := range map[string]bool{
		"backend": true, "my_app": true, "host.docker.internal": true, "Web-1.local": true,
		"": false, "bad host": false, "-x": false, "a..b": false, "xn--zz.local": false,
	} {
		if err := CheckHostname(host); (err == nil) != ok {
			t.Errorf("CheckHostname(%q) = %v, want ok=%v", host, err, ok)
		}
	}
}

func TestInZone(t *testing.T) {
	tests := []struct {
		name, zone string
		want       bool
	}{
		{"example.com", "example.com", true},
		{"a.example.com", "example.com", true},
		{"a.b.example.com", "example.com", true},
		{"badexample.com", "example.com", false},
		{"example.org", "example.com", false},
	}
	for _, tt := range tests {
		if got := InZone(tt.name, tt.zone); got != tt.want {
			t.Errorf("InZone(%q, %q) = %v", tt.name, tt.zone, got)
		}
	}
}

func TestLabel(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"web-v1.2.0", 63, "web-v1-2-0"},
		{"Web_V1.2.0-RC.1", 63, "web-v1-2-0-rc-1"},
		{"--a..b--", 63, "a-b"},
		{"___", 63, ""},
		{"bücher-1", 63, "b-cher-1"},
		{strings.Repeat("a", 70), 63, strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + "-bcd", 63, strings.Repeat("a", 62)}, // no dash left at the end
		{"abc", 100, "abc"},
	} {
		got := Label(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Label(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if got != "" && CheckLabel(got) != nil {
			t.Errorf("Label(%q) = %q is no valid label: %v", tt.in, got, CheckLabel(got))
		}
	}
}

func TestUniqueLabel(t *testing.T) {
	taken := map[string]bool{"web-v1": true, "web-v1-2": true, strings.Repeat("a", 63): true}
	is := func(l string) bool { return taken[l] }
	for _, tt := range []struct{ in, want string }{
		{"web-v2", "web-v2"},
		{"web-v1", "web-v1-3"},
		{strings.Repeat("a", 70), strings.Repeat("a", 61) + "-2"},
		{"%%%", "x"},
	} {
		if got := UniqueLabel(tt.in, is); got != tt.want || CheckLabel(got) != nil {
			t.Errorf("UniqueLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
