package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// httpError is an error with the status and message the client gets.
type httpError struct {
	status int
	msg    string
	field  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, field, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...), field: field}
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// writeError answers err as JSON with a fitting status. Unexpected errors
// are logged once here, with the route, and answered without detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var fe *model.FieldError
	var de *dns.Error
	var ce *dns.ConflictError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &ce):
		he = &httpError{status: http.StatusConflict, msg: ce.Error()}
	case errors.As(err, &de):
		// The provider failed: its own words, never a 500.
		s.log.WarnContext(r.Context(), "DNS provider failed", slog.String("route", r.Pattern), slog.Any("err", err))
		he = &httpError{status: http.StatusBadGateway, msg: de.Error()}
	case errors.As(err, &fe):
		he = &httpError{status: http.StatusBadRequest, msg: fe.Message, field: fe.Field}
	case errors.Is(err, store.ErrNotFound):
		he = &httpError{status: http.StatusNotFound, msg: "not found"}
	case errors.Is(err, store.ErrConflict):
		he = &httpError{status: http.StatusConflict, msg: "conflicts with stored data"}
	case errors.Is(err, auth.ErrUnauthenticated):
		he = &httpError{status: http.StatusUnauthorized, msg: "authentication required"}
	default:
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
			slog.String("route", r.Pattern), slog.Any("err", err))
		he = &httpError{status: http.StatusInternalServerError, msg: "internal error; see the server log"}
	}
	writeJSON(w, he.status, errorBody{Error: he.msg, Field: he.field})
}
