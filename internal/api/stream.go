package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/events"
)

// subscriber is a Publisher that can also be listened to (events.Bus).
type subscriber interface {
	Subscribe(func(events.Event)) (unsubscribe func())
}

// EndStreams ends the long-lived answers (event and log streams), so that
// a graceful shutdown need not wait for their clients to leave.
func (s *Server) EndStreams() { s.endStreams.Do(func() { close(s.streams) }) }

// streamContext is the request's context, also ended by EndStreams.
func (s *Server) streamContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-s.streams:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// streamHeartbeat keeps idle streams open through proxies.
const streamHeartbeat = 25 * time.Second

// eventStream sends what changes as Server-Sent Events: the event's kind
// as the SSE event, {"subject","id"} as its data; the client reads the
// new state from the API. A client too slow to keep up gets "resync" in
// place of what it missed.
func (s *Server) eventStream(w http.ResponseWriter, r *http.Request) error {
	sub, ok := s.events.(subscriber)
	if !ok {
		return errorf(http.StatusNotImplemented, "", "this server has no event stream")
	}
	ctx, cancel := s.streamContext(r)
	defer cancel()
	ch := make(chan events.Event, 256)
	missed := make(chan struct{}, 1)
	unsubscribe := sub.Subscribe(func(e events.Event) {
		select {
		case ch <- e:
		default:
			select {
			case missed <- struct{}{}:
			default:
			}
		}
	})
	defer unsubscribe()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(format string, args ...any) bool {
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send(": connected\n\n") {
		return nil
	}
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			if !send(": heartbeat\n\n") {
				return nil
			}
		case <-missed:
			if !send("event: resync\ndata: {}\n\n") {
				return nil
			}
		case e := <-ch:
			data, _ := json.Marshal(struct {
				Subject string `json:"subject"`
				ID      int64  `json:"id,omitempty"`
			}{e.Subject, e.ID})
			if !send("event: %s\ndata: %s\n\n", e.Kind, data) {
				return nil
			}
		}
	}
}
