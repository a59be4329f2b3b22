package cfemu

import "testing"

// TestListenThenCloseAtOnce: a Close right after Listen, before the serving
// goroutine has run, must neither panic nor leave the port open.
func TestListenThenCloseAtOnce(t *testing.T) {
	srv := New(Options{})
	for range 50 {
		if _, err := srv.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if srv.URL() != "" {
			t.Fatalf("URL %q after Close", srv.URL())
		}
	}
}
