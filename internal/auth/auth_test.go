package auth

import (
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockerwatcher/docker-watcher/internal/store/storetest"
)

// A restart with a new DW_ADMIN_PASSWORD is a password change: the sessions
// opened with the old one end. A restart with the same one ends nothing.
func TestEnsureAdminWithNewPasswordEndsSessions(t *testing.T) {
	s := NewService(storetest.New(t), bcrypt.MinCost)
	ctx := t.Context()
	if _, err := s.EnsureAdmin(ctx, "first password"); err != nil {
		t.Fatal(err)
	}
	_, session, err := s.Login(ctx, AdminUser, "first password")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.EnsureAdmin(ctx, "first password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, session); err != nil {
		t.Fatalf("a restart with the same password ended the session: %v", err)
	}

	if _, err := s.EnsureAdmin(ctx, "second password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, session); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("old session after a password change: err %v, want ErrUnauthenticated", err)
	}
	if _, _, err := s.Login(ctx, AdminUser, "first password"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("old password: %v", err)
	}
	if _, _, err := s.Login(ctx, AdminUser, "second password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

// A login whose password check raced a password change gets a session of
// the old epoch, which is refused.
func TestSessionOfAnOldEpochIsRefused(t *testing.T) {
	st := storetest.New(t)
	s := NewService(st, bcrypt.MinCost)
	ctx := t.Context()
	if _, err := s.EnsureAdmin(ctx, "first password"); err != nil {
		t.Fatal(err)
	}
	u, err := s.checkPassword(ctx, AdminUser, "first password")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndSessions(ctx, u.ID); err != nil { // in between
		t.Fatal(err)
	}
	token, err := s.openSession(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session of an old epoch: err %v, want ErrUnauthenticated", err)
	}
}
