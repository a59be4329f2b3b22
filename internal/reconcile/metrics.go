package reconcile

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	syncs    *prometheus.CounterVec
	changes  *prometheus.CounterVec
	calls    prometheus.Counter
	lastSync prometheus.Gauge
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dw_dns_syncs_total", Help: "DNS syncs by result (ok, error).",
		}, []string{"result"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dw_dns_changes_total", Help: "DNS record outcomes of syncs by action.",
		}, []string{"action"}),
		calls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dw_dns_provider_api_calls_total", Help: "DNS provider API calls made by syncs.",
		}),
		lastSync: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dw_dns_last_sync_timestamp_seconds", Help: "When the last DNS sync finished.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dw_dns_sync_duration_seconds", Help: "How long DNS syncs take.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.syncs, m.changes, m.calls, m.lastSync, m.duration)
	}
	return m
}

func (m *metrics) observe(r Report, err error) {
	result := "ok"
	if err != nil || r.Errors > 0 {
		result = "error"
	}
	m.syncs.WithLabelValues(result).Inc()
	for _, l := range r.Records {
		m.changes.WithLabelValues(string(l.Action)).Inc()
	}
	m.calls.Add(float64(r.APICalls))
	m.lastSync.SetToCurrentTime()
	m.duration.Observe(float64(r.DurationMS) / 1000)
}
