package dns

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestSameData(t *testing.T) {
	base := Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 300, Owner: "m"}
	tests := []struct {
		name string
		b    Record
		want bool
	}{
		{"equal", base, true},
		{"case and trailing dot", Record{Name: "A.Example.COM.", Type: "a", Content: "192.0.2.1", TTL: 300, Owner: "m"}, true},
		{"id ignored", func() Record { r := base; r.ID = "x"; return r }(), true},
		{"content", func() Record { r := base; r.Content = "192.0.2.2"; return r }(), false},
		{"ttl", func() Record { r := base; r.TTL = 60; return r }(), false},
		{"owner", func() Record { r := base; r.Owner = "other"; return r }(), false},
		{"proxied", func() Record { r := base; r.Proxied = true; return r }(), false},
	}
	for _, tt := range tests {
		if got := SameData(base, tt.b); got != tt.want {
			t.Errorf("%s: SameData = %v", tt.name, got)
		}
	}
	// Proxied records have automatic TTL whatever was asked: no flapping.
	p1 := Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 300, Proxied: true}
	p2 := Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Proxied: true}
	if !SameData(p1, p2) {
		t.Error("proxied records differing only in TTL compare unequal")
	}
	if !SameData(Record{Name: "x.example.com", Type: "A", TTL: 0}, Record{Name: "x.example.com", Type: "A", TTL: 1}) {
		t.Error("TTL 0 (default) and 1 (automatic) compare unequal")
	}
}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&Error{Status: 429, Transient: true}, true},
		{&Error{Status: 503, Transient: true}, true},
		{&Error{Status: 403}, false},
		{&Error{Status: 400, Code: 81058}, false},
		{fmt.Errorf("wrapped: %w", &Error{Status: 502, Transient: true}), true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{errors.New("something"), false},
		{&ConflictError{Name: "a", Type: "A"}, false},
	}
	for _, tt := range tests {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestOwnership(t *testing.T) {
	m := OwnerMarker("abc123")
	if len(m) > 100 {
		t.Fatalf("marker %q longer than Cloudflare's free-plan comment limit", m)
	}
	if !IsOurs(Record{Owner: m}, m) || IsOurs(Record{Owner: OwnerMarker("other")}, m) || IsOurs(Record{}, m) || IsOurs(Record{}, "") {
		t.Fatal("IsOurs wrong")
	}
	e := &Error{Provider: "cloudflare", Op: "create A x", Status: 400, Code: 9005, Message: "Content for A record is invalid."}
	if got := e.Error(); got != "cloudflare: create A x: Content for A record is invalid. (code 9005)" {
		t.Fatalf("message %q", got)
	}
}

func TestKeep(t *testing.T) {
	want := Record{Name: "a.example.com", Type: "A", Content: "192.0.2.2", TTL: 1, Owner: "m"}
	wrong := want
	wrong.Content = "192.0.2.9"
	for _, tt := range []struct {
		candidates []Record
		keep       int
	}{
		{[]Record{wrong, want}, 1},
		{[]Record{want, wrong}, 0},
		{[]Record{wrong, wrong}, 0},
	} {
		if got := Keep(tt.candidates, want); got != tt.keep {
			t.Errorf("Keep(%v) = %d, want %d", tt.candidates, got, tt.keep)
		}
	}
}

func TestWritable(t *testing.T) {
	for typ, want := range map[string]bool{"A": true, "AAAA": true, "TXT": true, "CNAME": false, "MX": false, "": false, "txt": false} {
		if Writable(typ) != want {
			t.Errorf("Writable(%q) = %v", typ, !want)
		}
	}
}
