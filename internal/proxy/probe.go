package proxy

import (
	"context"
	"net/http"
	"time"
)

// ProbeResult says whether a route answers.
type ProbeResult struct {
	Answers    bool   `json:"answers"`          // a response other than 502, 503 or 504
	Status     int    `json:"status,omitempty"` // of the response
	Error      string `json:"error,omitempty"`  // why there was none
	Via        string `json:"via"`              // "proxy": through the built-in proxy; "upstream": the target itself
	DurationMS int64  `json:"duration_ms"`
}

// probeClient follows no redirect (a redirect is an answer) and gives up
// after a few seconds.
var probeClient = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Probe sends GET / for host to base (scheme://address) and reports what
// came back. via is copied into the result.
func Probe(ctx context.Context, base, host, via string) ProbeResult {
	start := time.Now()
	res := ProbeResult{Via: via}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	req.Host = host
	req.Header.Set("User-Agent", "docker-watcher-probe")
	resp, err := probeClient.Do(req)
	res.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	resp.Body.Close()
	res.Status = resp.StatusCode
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		res.Error = http.StatusText(resp.StatusCode)
	default:
		res.Answers = true
	}
	return res
}
