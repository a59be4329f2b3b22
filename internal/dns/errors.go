package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Error is a provider's failure, with its own words kept.
type Error struct {
	Provider  string // "cloudflare"
	Op        string // what we were doing, e.g. "create A app.example.com"
	Status    int    // HTTP status, 0 when none came back
	Code      int    // provider's error code, 0 when none
	Message   string // provider's own message
	Transient bool   // worth retrying later: 429, 5xx, timeouts, resets
	Err       error  // underlying error, when any
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	s := e.Provider + ": " + e.Op + ": " + msg
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ConflictError: a record of that name and type exists that is not ours.
// It is reported and never changed.
type ConflictError struct {
	Name, Type string
	Owner      string // the marker the foreign record carries, if any
}

func (e *ConflictError) Error() string {
	owner := "no Docker Watcher marker"
	if e.Owner != "" {
		owner = fmt.Sprintf("marker %q", e.Owner)
	}
	return fmt.Sprintf("%s %s record for %s exists that Docker Watcher did not create (%s); it is left as it is", article(e.Type), e.Type, e.Name, owner)
}

// ErrNotOurs is returned when a change would touch a record without our
// marker; nothing is sent to the provider.
var ErrNotOurs = errors.New("the record does not carry this installation's marker; refusing to change it")

// IsConflict reports whether err is a *ConflictError.
func IsConflict(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce)
}

// IsTransient reports whether err may succeed when tried again later:
// rate limits, server errors, timeouts and dropped connections.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Transient {
			return true
		}
		if pe.Status != 0 {
			return false
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TransientStatus reports whether an HTTP status is worth retrying.
func TransientStatus(status int) bool {
	return status == 408 || status == 429 || status >= 500
}

// article is "an" before a type read with a vowel sound (A, AAAA, MX...).
func article(typ string) string {
	if typ != "" && strings.ContainsRune("AEFHILMNORSX", rune(typ[0])) {
		return "an"
	}
	return "a"
}
