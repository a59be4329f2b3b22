package certs

import (
	"slices"
	"testing"
)

func TestWant(t *testing.T) {
	names := []string{"web-v1.example.com", "Blog.Other.org.", "deep.web.example.com", "example.com", "web-v1.example.com", "", "*.example.com"}
	for _, c := range []struct {
		name        string
		in          Input
		dns01, http []string
	}{
		{"managed: the wildcard pair, and names outside it over HTTP-01",
			Input{Enabled: true, Domain: "example.com", Builtin: true, Managed: true, Names: names},
			[]string{"*.example.com", "example.com"}, []string{"blog.other.org", "deep.web.example.com"}},
		{"wildcard DNS mode: every consumer name over HTTP-01, once",
			Input{Enabled: true, Domain: "example.com", Builtin: true, Names: names},
			nil, []string{"blog.other.org", "deep.web.example.com", "example.com", "web-v1.example.com"}},
		{"managed without consumers: still the wildcard pair",
			Input{Enabled: true, Domain: "example.com", Builtin: true, Managed: true},
			[]string{"*.example.com", "example.com"}, nil},
		{"ACME off", Input{Domain: "example.com", Builtin: true, Managed: true, Names: names}, nil, nil},
		{"no domain", Input{Enabled: true, Builtin: true, Managed: true, Names: names}, nil, nil},
		{"Nginx Proxy Manager routes: it serves HTTPS itself", Input{Enabled: true, Domain: "example.com", Managed: true, Names: names}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Want(c.in)
			if !slices.Equal(p.DNS01, c.dns01) || !slices.Equal(p.HTTP01, c.http) {
				t.Fatalf("Want = %+v, want DNS01 %v HTTP01 %v", p, c.dns01, c.http)
			}
			if p.Empty() != (c.dns01 == nil && c.http == nil) {
				t.Fatalf("Empty() = %v", p.Empty())
			}
		})
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{"example.com", true}, {"web.example.com", true}, {"a.b.example.com", false},
		{"badexample.com", false}, {".example.com", false}, {"example.org", false},
	} {
		if got := Covers("example.com", c.name); got != c.want {
			t.Errorf("Covers(example.com, %q) = %v", c.name, got)
		}
	}
}

func TestServing(t *testing.T) {
	list := []Status{
		{Names: []string{"*.example.com"}, State: StateValid},
		{Names: []string{"example.com"}, State: StateRenewing},
		{Names: []string{"web.example.com"}, State: StateError},
		{Names: []string{"blog.other.org"}, State: StatePending},
	}
	for _, c := range []struct {
		name, want string // want: the serving certificate's name, "" for none
	}{
		{"app.example.com", "*.example.com"},
		{"App.Example.COM.", "*.example.com"},
		{"web.example.com", "web.example.com"}, // its own wins over the wildcard
		{"example.com", "example.com"},
		{"a.b.example.com", ""}, // a wildcard covers one label only
		{"blog.other.org", "blog.other.org"},
		{"other.org", ""},
		{"", ""},
	} {
		got, ok := Serving(list, c.name)
		if ok != (c.want != "") || ok && got.Names[0] != c.want {
			t.Errorf("Serving(%q) = %v, %v; want %q", c.name, got.Names, ok, c.want)
		}
	}
}
