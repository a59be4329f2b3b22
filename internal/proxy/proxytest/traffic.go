package proxytest

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// Traffic sends GET requests with Host host to http://addr/ from workers
// goroutines until stop is called (or each has sent max, when max > 0),
// counting the answers that are not 200 with body want (any body when want
// is ""). stop returns the
// requests served and those that failed.
func Traffic(addr, host, want string, workers, max int) (stop func() (served, failed int64)) {
	var servedN, failedN atomic.Int64
	done := make(chan struct{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := 0; max <= 0 || i < max; i++ {
				select {
				case <-done:
					return
				default:
				}
				req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
				req.Host = host
				servedN.Add(1)
				res, err := client.Do(req)
				if err != nil {
					failedN.Add(1)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || want != "" && string(b) != want {
					failedN.Add(1)
				}
			}
		})
	}
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		return servedN.Load(), failedN.Load()
	}
}
