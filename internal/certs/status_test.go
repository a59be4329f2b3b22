package certs

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"
)

func TestStateOf(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	end, renewal := now.Add(30*24*time.Hour), now.Add(10*24*time.Hour)
	due := now.Add(-time.Hour) // the renewal window opened an hour ago
	gone := now.Add(-time.Minute)
	for _, tc := range []struct {
		name            string
		cached          bool
		ns              nameState
		notAfter, renew *time.Time
		want            string
	}{
		{name: "planned, nothing yet", want: StatePending},
		{name: "the first one being obtained", ns: nameState{obtaining: true}, want: StateObtaining},
		{name: "obtained again after a failure: obtaining, not error", ns: nameState{obtaining: true, lastError: "refused"}, want: StateObtaining},
		{name: "the first attempt failed", ns: nameState{lastError: "refused"}, want: StateError},
		{name: "served", cached: true, notAfter: &end, renew: &renewal, want: StateValid},
		{name: "served, a renewal under way", cached: true, ns: nameState{obtaining: true}, notAfter: &end, renew: &renewal, want: StateRenewing},
		{name: "due, the last renewal failed", cached: true, ns: nameState{lastError: "refused"}, notAfter: &end, renew: &due, want: StateExpiring},
		{name: "not due yet, an old error", cached: true, ns: nameState{lastError: "refused"}, notAfter: &end, renew: &renewal, want: StateValid},
		{name: "expired", cached: true, notAfter: &gone, renew: &due, want: StateError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stateOf(tc.cached, tc.ns, tc.notAfter, tc.renew, now); got != tc.want {
				t.Fatalf("stateOf = %q, want %q", got, tc.want)
			}
		})
	}
}

// certmagic's events move a planned name from pending to obtaining, then
// to error (with the message and when the attempt ended), and obtaining
// again on the next attempt; each change is told.
func TestEventsMoveTheStates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String() // no CA is ever asked: no handshake comes
	ln.Close()
	changes := 0
	m, err := New(Options{DataDir: t.TempDir(), HTTPAddr: dead, Log: slog.New(slog.DiscardHandler), Changed: func() { changes++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	name := fmt.Sprintf("events-%d.example.org", time.Now().UnixNano())
	if err := m.Apply(context.Background(), Config{DirectoryURL: "https://" + dead + "/dir", Plan: Plan{HTTP01: []string{name}}}); err != nil {
		t.Fatal(err)
	}
	status := func() Status {
		t.Helper()
		list := m.Status()
		if len(list) != 1 || list[0].Names[0] != name {
			t.Fatalf("status %+v", list)
		}
		return list[0]
	}
	event := func(e string, data map[string]any) {
		t.Helper()
		before := changes
		data["identifier"] = name
		if err := m.onEvent(context.Background(), e, data); err != nil {
			t.Fatal(err)
		}
		if changes != before+1 {
			t.Fatalf("%s told %d changes", e, changes-before)
		}
	}

	if s := status(); s.State != StatePending || s.LastAttemptAt != nil {
		t.Fatalf("planned: %+v", s)
	}
	event("cert_obtaining", map[string]any{})
	if s := status(); s.State != StateObtaining || s.LastAttemptAt != nil {
		t.Fatalf("obtaining: %+v", s)
	}
	start := time.Now()
	event("cert_failed", map[string]any{"error": "the CA refused the order"})
	failed := status()
	if failed.State != StateError || failed.LastError != "the CA refused the order" || failed.LastAttemptAt == nil ||
		failed.LastAttemptAt.Before(start.Add(-time.Second)) || failed.LastAttemptAt.Location() != time.UTC {
		t.Fatalf("failed: %+v", failed)
	}
	event("cert_obtaining", map[string]any{"renewal": false})
	if s := status(); s.State != StateObtaining || s.LastError != "the CA refused the order" || !s.LastAttemptAt.Equal(*failed.LastAttemptAt) {
		t.Fatalf("obtaining again: %+v", s)
	}
}
