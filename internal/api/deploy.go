package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

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
	return writeJSON(w, http.StatusAccepted, s.instanceView(inst, st))
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
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if _, err := fmt.Fprintf(w, "data: %s\n\n", sc.Bytes()); err != nil {
			return nil
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	fmt.Fprint(w, "event: end\ndata: \n\n")
	return nil
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
