package builtin

import (
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// BenchmarkProxy measures one proxied GET with a small body of known
// length, the common case. The backend and the client are fasthttp, which
// allocate next to nothing per request, so allocs/op is about the proxy's.
func BenchmarkProxy(b *testing.B) {
	body := []byte("docker-watcher bench backend\n")
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	up := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBody(body)
	}}
	go up.Serve(upLn)
	defer up.Shutdown()

	p := New(Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go p.Serve(ln)
	defer p.Shutdown(b.Context())
	p.Apply(b.Context(), []proxy.Route{route("bench.example.com", "http://"+upLn.Addr().String(), proxy.Active)})

	c := &fasthttp.HostClient{Addr: ln.Addr().String()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://bench.example.com/")
		for pb.Next() {
			if err := c.Do(req, resp); err != nil {
				b.Error(err)
				return
			}
			if resp.StatusCode() != 200 || len(resp.Body()) != len(body) {
				b.Errorf("%d %q", resp.StatusCode(), resp.Body())
				return
			}
		}
	})
}
