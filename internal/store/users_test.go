package store

import (
	"errors"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// openAt opens a fresh store whose clock the test moves.
func openAt(t *testing.T) (*Store, *time.Time) {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return now }
	return s, &now
}

func TestTokenExpiryScopeAndLastUse(t *testing.T) {
	s, now := openAt(t)
	ctx := t.Context()
	u := model.User{Username: "admin", PasswordHash: "x"}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	expires := now.Add(time.Hour)
	tok := model.APIToken{UserID: u.ID, Name: "ci", Prefix: "dw_abc", Scope: model.TokenScopeRead, ExpiresAt: &expires}
	if err := s.CreateAPIToken(ctx, &tok, []byte("hash")); err != nil {
		t.Fatal(err)
	}

	_, got, err := s.TokenUser(ctx, []byte("hash"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Scope != model.TokenScopeRead || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) {
		t.Fatalf("token %+v", got)
	}
	lastUse := func() time.Time {
		t.Helper()
		ts, err := s.APITokens(ctx, u.ID)
		if err != nil || len(ts) != 1 || ts[0].LastUsedAt == nil {
			t.Fatalf("tokens %+v, %v", ts, err)
		}
		return *ts[0].LastUsedAt
	}
	first := *now
	if !lastUse().Equal(first) {
		t.Fatalf("last use %v, want %v", lastUse(), first)
	}
	// Used again within the minute: not written again.
	*now = now.Add(30 * time.Second)
	s.TokenUser(ctx, []byte("hash"))
	if !lastUse().Equal(first) {
		t.Fatalf("last use written twice within a minute: %v", lastUse())
	}
	*now = now.Add(31 * time.Second)
	s.TokenUser(ctx, []byte("hash"))
	if !lastUse().Equal(*now) {
		t.Fatalf("last use %v after a minute, want %v", lastUse(), *now)
	}

	*now = expires
	if _, _, err := s.TokenUser(ctx, []byte("hash")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired token: err %v, want ErrNotFound", err)
	}
	if ts, _ := s.APITokens(ctx, u.ID); len(ts) != 1 {
		t.Fatalf("the expired token is no longer listed: %+v", ts)
	}
}

// Ending sessions refuses every session of the user, and only of that user.
func TestEndSessions(t *testing.T) {
	s, _ := openAt(t)
	ctx := t.Context()
	a, b := model.User{Username: "a", PasswordHash: "x"}, model.User{Username: "b", PasswordHash: "x"}
	for _, u := range []*model.User{&a, &b} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	exp := s.now().Add(time.Hour)
	for i, sess := range []struct {
		u    model.User
		hash string
	}{{a, "a1"}, {a, "a2"}, {b, "b1"}} {
		if err := s.CreateSession(ctx, sess.u, []byte(sess.hash), exp); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := s.EndSessions(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for hash, want := range map[string]error{"a1": ErrNotFound, "a2": ErrNotFound, "b1": nil} {
		if _, err := s.SessionUser(ctx, []byte(hash)); !errors.Is(err, want) {
			t.Errorf("session %s: err %v, want %v", hash, err, want)
		}
	}
	// A session stored with the old epoch (a login racing the change) is void.
	if err := s.CreateSession(ctx, a, []byte("a3"), exp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, []byte("a3")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session of an old epoch: err %v", err)
	}
}
