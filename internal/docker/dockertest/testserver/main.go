// Command testserver is the HTTP server inside the test images that
// dockertest.Image builds. It has no dependencies, so that it compiles to a
// small static binary for an image FROM scratch.
//
//	GET /         {"tag": ..., "version": ..., "hostname": ...}
//	GET /healthz  200 "ok"
//
// Every request but those of /healthz is logged on stderr ("testserver:
// GET /?a=b host web.example.com"), so that a test can make the container
// write a line of its own.
//
// Flags: -listen (default :8080), -tag and -version (what GET / answers),
// -slow-start D (listen only after D), -never-listen, -exit-at-once (exit 3
// with a message on stderr), -drain D (the longest a SIGTERM waits for
// requests in flight), -check (GET http://127.0.0.1<port>/healthz and exit
// 0 or 1: the image's HEALTHCHECK, since an image FROM scratch has no shell),
// -delay D (every GET / answers after D, to hold a request in flight).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", ":8080", "address to listen on")
	tag := flag.String("tag", "", "tag answered by GET /")
	version := flag.String("version", "", "version answered by GET /")
	slowStart := flag.Duration("slow-start", 0, "listen only after this long")
	neverListen := flag.Bool("never-listen", false, "run without ever listening")
	exitAtOnce := flag.Bool("exit-at-once", false, "exit 3 at once")
	check := flag.Bool("check", false, "health check: GET /healthz on the listen port and exit 0 or 1")
	drain := flag.Duration("drain", 30*time.Second, "longest wait for requests in flight after SIGTERM")
	delay := flag.Duration("delay", 0, "answer GET / after this long")
	flag.Parse()

	if *check {
		os.Exit(healthCheck(*listen))
	}
	if *exitAtOnce {
		fmt.Fprintln(os.Stderr, "testserver: exiting at once (-exit-at-once)")
		os.Exit(3)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	if *neverListen {
		fmt.Fprintln(os.Stderr, "testserver: not listening (-never-listen)")
		<-stop
		return
	}
	if *slowStart > 0 {
		fmt.Fprintf(os.Stderr, "testserver: listening in %s (-slow-start)\n", *slowStart)
		select {
		case <-time.After(*slowStart):
		case <-stop:
			return
		}
	}

	hostname, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if *delay > 0 {
			time.Sleep(*delay)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"tag": *tag, "version": *version, "hostname": hostname,
		})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: logRequests(mux), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "testserver: tag %q version %q listening on %s\n", *tag, *version, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	select {
	case err := <-done:
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	case sig := <-stop:
		fmt.Fprintf(os.Stderr, "testserver: %s: draining\n", sig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "testserver: drain:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "testserver: drained, exiting")
}

// logRequests logs each request but the health checks (the image's
// HEALTHCHECK asks every half second) before h answers it.
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			fmt.Fprintf(os.Stderr, "testserver: %s %s host %s\n", r.Method, r.URL.RequestURI(), r.Host)
		}
		h.ServeHTTP(w, r)
	})
}

// healthCheck answers 0 when GET /healthz on the port of listen answers 200.
func healthCheck(listen string) int {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver -check:", err)
		return 1
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver -check:", err)
		return 1
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "testserver -check:", resp.Status)
		return 1
	}
	return 0
}
