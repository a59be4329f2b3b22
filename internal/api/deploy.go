package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"

	"github.com/dockerwatcher/docker-watcher/internal/docker"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
)

// Deployer runs instances as containers (docker.Deployer).
type Deployer interface {
	Deploy(ctx context.Context, appID int64, tag, subdomain string) (model.Instance, error)
	Start(ctx context.Context, id int64) error
	Stop(ctx context.Context, id int64) error
	Restart(ctx context.Context, id int64) error
	Redeploy(ctx context.Context, id int64) error
	Rollback(ctx context.Context, id int64) error
	Remove(ctx context.Context, id int64) error
	Logs(ctx context.Context, id int64, tail string, follow bool) (io.ReadCloser, error)
	Progress(id int64) (docker.Progress, bool)
	EngineUp() bool
}

// Hooks takes the pushes of a registry webhook (registry.Watcher).
type Hooks interface {
	HandlePush(ctx context.Context, pushes []registry.Push) ([]registry.Triggered, error)
}

// errNoEngine is the answer when this server was built without a deployer.
var errNoEngine = errorf(http.StatusBadGateway, "", "%s", docker.ErrEngineDown.Error())

type deployInput struct {
	Tag       string `json:"tag"`
	Subdomain string `json:"subdomain"`
}

func (s *Server) deployApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadApp(r)
	if err != nil {
		return err
	}
	var in deployInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if s.deployer == nil {
		return errNoEngine
	}
	inst, err := s.deployer.Deploy(r.Context(), a.ID, in.Tag, in.Subdomain)
	if err != nil {
		return deployErr(err)
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, s.instanceView(inst, st, s.certificates()))
}

// deployErr maps the deployer's errors to answers.
func deployErr(err error) error {
	var ce *docker.ConflictError
	switch {
	case errors.As(err, &ce):
		return errorf(http.StatusConflict, ce.Field, "%s", ce.Message)
	case errors.Is(err, docker.ErrEngineDown):
		return errorf(http.StatusBadGateway, "", "%s", err.Error())
	}
	return err
}

// instanceAction runs a lifecycle action. Start, stop and restart answer
// when done; redeploy and rollback at once (202), the rest in the
// background.
func (s *Server) instanceAction(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.actionTarget(r)
		if err != nil {
			return err
		}
		status := http.StatusOK
		switch action {
		case "start":
			err = s.deployer.Start(r.Context(), id)
		case "stop":
			err = s.deployer.Stop(r.Context(), id)
		case "restart":
			err = s.deployer.Restart(r.Context(), id)
		case "redeploy":
			err, status = s.deployer.Redeploy(r.Context(), id), http.StatusAccepted
		case "rollback":
			err, status = s.deployer.Rollback(r.Context(), id), http.StatusAccepted
		}
		if err != nil && !errors.Is(err, docker.ErrEngineDown) && !isConflict(err) {
			// The action ran and failed: the instance says why.
			inst, lerr := s.loadInstance(r, id)
			if lerr != nil {
				return lerr
			}
			return writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": err.Error(), "instance": inst})
		}
		if err != nil {
			return deployErr(err)
		}
		inst, err := s.loadInstance(r, id)
		if err != nil {
			return err
		}
		return writeJSON(w, status, inst)
	}
}

func isConflict(err error) bool {
	var ce *docker.ConflictError
	return errors.As(err, &ce)
}

// actionTarget is the instance of the path, for the deployer to act on.
func (s *Server) actionTarget(r *http.Request) (int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, err
	}
	if _, err := s.loadInstance(r, id); err != nil {
		return 0, err
	}
	if s.deployer == nil {
		return 0, errNoEngine
	}
	return id, nil
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) error {
	id, err := s.actionTarget(r)
	if err != nil {
		return err
	}
	if err := s.deployer.Remove(r.Context(), id); err != nil {
		return deployErr(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// instanceLogs answers the container's output: the last tail lines as
// text, or with follow=1 as Server-Sent Events, one event per line, until
// the client goes or the container ends.
func (s *Server) instanceLogs(w http.ResponseWriter, r *http.Request) error {
	id, err := s.actionTarget(r)
	if err != nil {
		return err
	}
	tail := r.URL.Query().Get("tail")
	if tail == "" {
		tail = "100"
	}
	if n, err := strconv.Atoi(tail); tail != "all" && (err != nil || n < 0 || n > 100000) {
		return errorf(http.StatusBadRequest, "tail", "tail must be a number of lines (0 to 100000) or all")
	}
	follow := r.URL.Query().Get("follow") == "1" || r.URL.Query().Get("follow") == "true"
	ctx, cancel := s.streamContext(r)
	defer cancel()
	rc, err := s.deployer.Logs(ctx, id, tail, follow)
	if err != nil {
		return deployErr(err)
	}
	defer rc.Close()
	pr, pw := io.Pipe()
	go func() { _, err := stdcopy.StdCopy(pw, pw, rc); pw.CloseWithError(err) }()
	defer pr.Close()
	if !follow {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := io.Copy(w, pr)
		return ignoreClosed(err)
	}
	logEvents(ctx, w, pr, streamHeartbeat)
	return nil
}

// logEvents sends the lines of r as Server-Sent Events, one event per
// line, until r ends (the container ended: "event: end") or ctx does (the
// client went, or the server shuts down: no end, so that a client that is
// still there connects again). The headers go at once, so that the client
// knows the stream is open before the first line; a comment every
// heartbeat keeps a quiet stream open through proxies. A carriage return
// inside a line ends an SSE line, so each part of such a line (a progress
// bar's frames) is a data line of its own: the event's data is the parts
// joined by newlines. A line longer than the reader's buffer comes in
// pieces, each its own event, rather than ending the stream.
func logEvents(ctx context.Context, w http.ResponseWriter, r io.Reader, heartbeat time.Duration) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send([]byte(": connected\n\n")) {
		return
	}
	lines := make(chan []byte)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, _, err := br.ReadLine()
			if err != nil {
				return
			}
			select {
			case lines <- bytes.Clone(line):
			case <-ctx.Done():
				return
			}
		}
	}()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if !send([]byte(": heartbeat\n\n")) {
				return
			}
		case line := <-lines:
			if !send(logEvent(line)) {
				return
			}
		case <-ended:
			// Every line was taken (the reader waits until its line is).
			if ctx.Err() == nil {
				send([]byte("event: end\ndata: \n\n"))
			}
			return
		}
	}
}

// logEvent is one line as an SSE event: "data: " before each of its
// carriage-return separated parts.
func logEvent(line []byte) []byte {
	var b bytes.Buffer
	for part := range bytes.SplitSeq(line, []byte{'\r'}) {
		b.WriteString("data: ")
		b.Write(part)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// maxHookBody bounds a webhook's body; registries send small envelopes.
const maxHookBody = 1 << 20

// registryHook takes a registry's push notification. It has its own
// authentication: the webhook secret as a bearer token or an HMAC of the
// body. A push of an unknown repository is accepted and ignored.
func (s *Server) registryHook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		return errorf(http.StatusRequestEntityTooLarge, "", "the body is over %d bytes", maxHookBody)
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	if !registry.VerifyHook(st.RegistryWebhookSecret, r.Header, body) {
		return errorf(http.StatusUnauthorized, "", "the webhook secret or signature is wrong (or no registry_webhook_secret is set)")
	}
	pushes, err := registry.ParseHook(r.Header.Get("Content-Type"), body)
	if err != nil {
		return errorf(http.StatusBadRequest, "", "%s", err.Error())
	}
	if s.hooks == nil {
		return errNoEngine
	}
	triggered, err := s.hooks.HandlePush(r.Context(), pushes)
	if err != nil {
		return err
	}
	if triggered == nil {
		triggered = []registry.Triggered{}
	}
	return writeJSON(w, http.StatusAccepted, map[string]any{"triggered": triggered})
}
