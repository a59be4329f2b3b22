// Package storetest gives tests a fresh, migrated database in a temporary
// folder.
package storetest

import (
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// New opens a new store in t.TempDir and closes it when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
