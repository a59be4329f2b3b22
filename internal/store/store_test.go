package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func TestOpenPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Write something so the WAL files exist too.
	if _, _, err := s.UpdateSettings(t.Context(), func(v model.Settings) (model.Settings, error) {
		v.Domain = "example.com"
		return v, nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o700 {
		t.Errorf("data folder mode %o, want 700", got)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode %o, want 600", name, got)
		}
	}
}

// A data folder and database that exist with looser modes (an older
// version, a restored backup, a hand-made folder) are tightened at start.
func TestOpenRestrictsExisting(t *testing.T) {
	tests := []struct {
		name          string
		dir, file     os.FileMode
		withWAL       bool
		existingStore bool
	}{
		{name: "empty folder 0755", dir: 0o755},
		{name: "folder 0777, empty file 0666", dir: 0o777, file: 0o666},
		{name: "database 0644 with its -wal and -shm", dir: 0o755, file: 0o644, withWAL: true, existingStore: true},
		{name: "folder 0711, database 0640", dir: 0o711, file: 0o640, existingStore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			path := filepath.Join(dir, FileName)
			if tt.existingStore {
				s, err := Open(t.Context(), dir)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			} else if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if tt.file != 0 && !tt.existingStore {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			files := []string{path}
			if tt.withWAL {
				files = append(files, path+"-wal", path+"-shm")
				for _, f := range files[1:] {
					if err := os.WriteFile(f, nil, 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			chmod(t, dir, tt.dir) // after writing, so the umask does not interfere
			if tt.file != 0 {
				for _, f := range files {
					chmod(t, f, tt.file)
				}
			}

			s, err := Open(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := mode(t, dir); got != 0o700 {
				t.Errorf("data folder mode %o, want 700", got)
			}
			for _, f := range files {
				if got := mode(t, f); got != 0o600 {
					t.Errorf("%s mode %o, want 600", filepath.Base(f), got)
				}
			}
		})
	}
}

func chmod(t *testing.T, path string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, m); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, path); got != m {
		t.Fatalf("set-up: %s has mode %o, want %o", path, got, m)
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestRefuseNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(t.Context(), dir)
	if err == nil || !strings.Contains(err.Error(), "schema version 999, newer than this docker-watcher supports") {
		t.Fatalf("err = %v, want a clear refusal", err)
	}
}

func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func version(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Every earlier schema version, the empty database included, migrates to
// the current one and keeps its data.
func TestMigrateFromEveryVersion(t *testing.T) {
	for from := 0; from < len(migrations); from++ {
		db := openRaw(t)
		if from > 0 {
			if err := migrate(t.Context(), db, migrations, from); err != nil {
				t.Fatalf("to %d: %v", from, err)
			}
			if got := version(t, db); got != from {
				t.Fatalf("version %d, want %d", got, from)
			}
		}
		var idBefore string
		if from > 0 {
			db.QueryRow("SELECT installation_id FROM settings").Scan(&idBefore)
		}
		if err := migrate(t.Context(), db, migrations, 0); err != nil {
			t.Fatalf("from %d: %v", from, err)
		}
		if got := version(t, db); got != SchemaVersion() {
			t.Fatalf("from %d: version %d, want %d", from, got, SchemaVersion())
		}
		var id string
		if err := db.QueryRow("SELECT installation_id FROM settings").Scan(&id); err != nil || len(id) != 16 {
			t.Fatalf("installation id %q, %v", id, err)
		}
		if from > 0 && id != idBefore {
			t.Fatalf("installation id changed from %q to %q", idBefore, id)
		}
	}
}

// A failing migration leaves the database at the version before it.
func TestMigrateFailureRollsBack(t *testing.T) {
	db := openRaw(t)
	ms := mustLoad(fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")},
	})
	err := migrate(context.Background(), db, ms, 0)
	if err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("err = %v, want it to name the migration", err)
	}
	if got := version(t, db); got != 1 {
		t.Fatalf("version %d, want 1", got)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'b'").Scan(&n)
	if n != 0 {
		t.Fatal("table b of the failed migration exists")
	}
}

func TestSettingsUpdate(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := s.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !before.WildcardDNS || before.DNSTTL != 1 || before.InstallationID == "" {
		t.Fatalf("defaults %+v", before)
	}
	boom := errors.New("boom")
	if _, _, err := s.UpdateSettings(t.Context(), func(v model.Settings) (model.Settings, error) {
		v.Domain = "changed.example"
		return v, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	after, _ := s.Settings(t.Context())
	if after != before {
		t.Fatalf("a failed update changed settings: %+v", after)
	}
	_, got, err := s.UpdateSettings(t.Context(), func(v model.Settings) (model.Settings, error) {
		v.Domain, v.CloudflareAPIToken, v.InstallationID = "example.com", "tok", "forged"
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Settings(t.Context())
	if stored != got || stored.Domain != "example.com" || stored.InstallationID != before.InstallationID {
		t.Fatalf("stored %+v, returned %+v", stored, got)
	}
}

// The HTTPS settings start as the migration sets them and are stored as
// written.
func TestHTTPSSettingsStored(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !got.ACMEEnabled || got.ACMEEmail != "" || got.ACMEDirectoryURL != model.LetsEncryptProductionURL ||
		!got.HTTPSRedirect || got.HSTS || got.UIDomain != "" {
		t.Fatalf("defaults %+v", got)
	}
	_, want, err := s.UpdateSettings(t.Context(), func(v model.Settings) (model.Settings, error) {
		v.ACMEEnabled, v.ACMEEmail, v.ACMEDirectoryURL = false, "admin@example.com", model.LetsEncryptStagingURL
		v.HTTPSRedirect, v.HSTS, v.UIDomain = false, true, "dw.example.com"
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored, _ := s.Settings(t.Context()); stored != want || stored.ACMEEnabled || !stored.HSTS || stored.UIDomain != "dw.example.com" {
		t.Fatalf("stored %+v, want %+v", stored, want)
	}
}

func TestProxyCRUD(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	p := model.Proxy{Domain: "a.example.com", ForwardScheme: "http", ForwardHost: "127.0.0.1", ForwardPort: 80}
	if err := s.CreateProxy(ctx, &p); err != nil {
		t.Fatal(err)
	}
	dup := p
	if err := s.CreateProxy(ctx, &dup); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate domain: err = %v, want ErrConflict", err)
	}
	p.ForwardPort = 81
	got, err := s.UpdateProxy(ctx, p)
	if err != nil || got.ForwardPort != 81 || !got.CreatedAt.Equal(p.CreatedAt) {
		t.Fatalf("update: %+v, %v", got, err)
	}
	all, err := s.Proxies(ctx)
	if err != nil || len(all) != 1 || all[0].ID != p.ID {
		t.Fatalf("list: %+v, %v", all, err)
	}
	if err := s.DeleteProxy(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Proxy(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteProxy(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestAppWithInstancesCannotBeDeleted(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	a := model.App{Name: "web", Image: "docker.io/library/nginx", TagPattern: "latest", ContainerPort: 80,
		Env: map[string]string{"A": "1"}, PollIntervalSeconds: 300, RegistryPassword: "pw"}
	if err := s.CreateApp(ctx, &a); err != nil {
		t.Fatal(err)
	}
	got, err := s.App(ctx, a.ID)
	if err != nil || got.Env["A"] != "1" || got.RegistryPassword != "pw" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	i := model.Instance{AppID: a.ID, Tag: "latest", Subdomain: "web", Status: model.StatusRunning}
	if err := s.CreateInstance(ctx, &i); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteApp(ctx, a.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("delete app with instance: %v, want ErrConflict", err)
	}
	dup := model.Instance{AppID: a.ID, Tag: "v2", Subdomain: "web", Status: model.StatusRunning}
	if err := s.CreateInstance(ctx, &dup); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate subdomain: %v", err)
	}
}
