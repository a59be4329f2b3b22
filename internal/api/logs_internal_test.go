package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// streamRecorder is a ResponseWriter whose flushed output a test reads
// while the handler still writes.
type streamRecorder struct {
	mu      sync.Mutex
	header  http.Header
	status  int
	written strings.Builder
	flushed string
}

func newStreamRecorder() *streamRecorder { return &streamRecorder{header: http.Header{}} }

func (r *streamRecorder) Header() http.Header { return r.header }

func (r *streamRecorder) WriteHeader(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

func (r *streamRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written.Write(b)
}

func (r *streamRecorder) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushed = r.written.String()
}

// waitFlushed waits until the flushed output has want in it, and gives it.
func (r *streamRecorder) waitFlushed(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		out := r.flushed
		r.mu.Unlock()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("flushed output has no %q within 5 s:\n%s", want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// run starts logEvents on a pipe and gives its writing end, the recorder
// and a channel closed when logEvents returns.
func runLogEvents(t *testing.T, ctx context.Context, heartbeat time.Duration) (*io.PipeWriter, *streamRecorder, chan struct{}) {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pr.Close() })
	rec := newStreamRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		logEvents(ctx, rec, pr, heartbeat)
	}()
	return pw, rec, done
}

func waitDone(t *testing.T, done chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("logEvents did not return within 5 s")
	}
}

func TestLogEventsOpensAtOnceAndEndsWithTheContainer(t *testing.T) {
	pw, rec, done := runLogEvents(t, t.Context(), time.Hour)
	// Before any line: the client must see the stream open.
	rec.waitFlushed(t, ": connected\n\n")
	if rec.status != http.StatusOK || rec.header.Get("Content-Type") != "text/event-stream" || rec.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v", rec.status, rec.header)
	}
	long := strings.Repeat("x", 70<<10) // over the reader's 64 KiB buffer
	// The last line ends in CRLF, which ends a line as LF does.
	for _, line := range []string{"first line", "", "10%\r50%\r100%", long, "crlf\r"} {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	_ = pw.Close()
	waitDone(t, done)
	out := rec.waitFlushed(t, "event: end\n")
	want := ": connected\n\n" +
		"data: first line\n\n" +
		"data: \n\n" +
		"data: 10%\ndata: 50%\ndata: 100%\n\n" +
		"data: " + long[:64<<10] + "\n\n" +
		"data: " + long[64<<10:] + "\n\n" +
		"data: crlf\n\n" +
		"event: end\ndata: \n\n"
	if out != want {
		i := 0
		for i < len(out) && i < len(want) && out[i] == want[i] {
			i++
		}
		t.Fatalf("stream differs at byte %d of %d (want %d): got %q, want %q", i, len(out), len(want), out[max(0, i-20):min(len(out), i+40)], want[max(0, i-20):min(len(want), i+40)])
	}
}

func TestLogEventsHeartbeat(t *testing.T) {
	_, rec, _ := runLogEvents(t, t.Context(), 20*time.Millisecond)
	out := rec.waitFlushed(t, ": heartbeat\n\n")
	if !strings.HasPrefix(out, ": connected\n\n") {
		t.Fatalf("the heartbeat came before the stream opened:\n%s", out)
	}
}

// When the client goes or the server shuts down, the stream ends without
// "end": the container did not end, so a client still there connects
// again.
func TestLogEventsContextEndSendsNoEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pw, rec, done := runLogEvents(t, ctx, time.Hour)
	if _, err := io.WriteString(pw, "a line\n"); err != nil {
		t.Fatal(err)
	}
	rec.waitFlushed(t, "data: a line\n\n")
	cancel()
	waitDone(t, done)
	if out := rec.waitFlushed(t, "a line"); strings.Contains(out, "event: end") {
		t.Fatalf("an end event after the context ended:\n%s", out)
	}
}
