package builtin

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
)

var fmtSprintf = fmt.Sprintf

// metrics are the proxy's per-route collectors.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	upstreams *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dw_proxy_requests_total", Help: "Requests the built-in proxy answered, by route and status class.",
		}, []string{"route", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dw_proxy_request_duration_seconds", Help: "Time to the response headers, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		upstreams: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dw_proxy_upstream_errors_total", Help: "Upstreams that could not be reached or did not answer in time, by route.",
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.upstreams)
	}
	return m
}

// routeMetrics are one route's collectors, looked up once per table so
// that a request only increments.
type routeMetrics struct {
	classes        [6]prometheus.Counter // 1xx..5xx, by status/100
	latency        prometheus.Observer
	upstreamErrors prometheus.Counter
}

func (m *metrics) route(host string) routeMetrics {
	var rm routeMetrics
	for c := 1; c <= 5; c++ {
		rm.classes[c] = m.requests.WithLabelValues(host, fmt.Sprintf("%dxx", c))
	}
	rm.latency = m.latency.WithLabelValues(host)
	rm.upstreamErrors = m.upstreams.WithLabelValues(host)
	return rm
}

// forget drops the series of a route no longer served, so that routes
// coming and going do not grow /metrics without bound.
func (m *metrics) forget(host string) {
	l := prometheus.Labels{"route": host}
	m.requests.DeletePartialMatch(l)
	m.latency.DeletePartialMatch(l)
	m.upstreams.DeletePartialMatch(l)
}

func (rm routeMetrics) observe(ctx *fasthttp.RequestCtx, start time.Time) {
	if c := ctx.Response.StatusCode() / 100; c >= 1 && c <= 5 {
		rm.classes[c].Inc()
	}
	rm.latency.Observe(time.Since(start).Seconds())
}
