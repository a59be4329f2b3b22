package npmemu

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is a failed call as NPM's error handler (backend/app.js) writes
// it: {"error": {"code": <status>, "message": ..., "message_i18n": ...}}.
// The message of an error NPM does not mark public is "Internal Error".
type apiError struct {
	status  int
	message string
	i18n    string // message_i18n, only on some AuthErrors
}

func (e *apiError) Error() string {
	return fmt.Sprintf("npm emulator: %d %s", e.status, e.message)
}

// errorBody is the JSON of an apiError.
type errorBody struct {
	Error struct {
		Code        int    `json:"code"`
		Message     string `json:"message"`
		MessageI18n string `json:"message_i18n,omitempty"`
	} `json:"error"`
}

func (e *apiError) body() errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.MessageI18n = e.status, e.message, e.i18n
	return b
}

// The catalogue. NPM's error classes are in backend/lib/error.js: AuthError
// and ValidationError are public with status 400, ItemNotFoundError 404;
// anything else (a jsonwebtoken error, a TypeError) is not public and has
// no status, so the handler answers 500 "Internal Error".

// errValidation is a request body refused by the schema (ajv's errorsText).
func errValidation(msg string) *apiError { return &apiError{status: 400, message: msg} }

// errAuth is NPM's AuthError (status 400, not 401: NPM never answers 401).
func errAuth(msg, i18n string) *apiError { return &apiError{status: 400, message: msg, i18n: i18n} }

// errInternal stands for the non-public errors: a token that does not
// verify (jsonwebtoken's "invalid signature", "jwt malformed"), a body that
// is not JSON (body-parser's SyntaxError has no public flag), an id that
// fails the route's own validator (InternalValidationError). The code is
// 400 for the two NPM classes that carry it, else 500.
func errInternal(status int) *apiError { return &apiError{status: status, message: "Internal Error"} }

// errNotFound is ItemNotFoundError: "Not Found - <id>", or "Not Found" when
// the id is falsy (NaN from parseInt, 0).
func errNotFound(id int, ok bool) *apiError {
	if !ok || id == 0 {
		return &apiError{status: http.StatusNotFound, message: "Not Found"}
	}
	return &apiError{status: http.StatusNotFound, message: "Not Found - " + strconv.Itoa(id)}
}

// errNoRoute is the catch-all of backend/routes/main.js: ItemNotFoundError
// with the path below /api.
func errNoRoute(path string) *apiError {
	return &apiError{status: http.StatusNotFound, message: "Not Found - " + path}
}

// errDenied is what a refused permission turns into in v2.15.1. Access.can
// (backend/lib/access.js) ends in `throw errs.PermissionError(...)` without
// `new`: the constructor runs on the errs object and returns undefined, so
// the promise rejects with undefined, the route calls next(undefined),
// Express moves on to the next route, and the request ends in the API's
// catch-all 404 for its own path. A missing token, a user deleted or
// disabled after login, a 2FA challenge token and a user without the
// proxy-host permission all get this, never a 401 or 403.
var errDenied = errors.New("permission denied (falls through to the route catch-all)")

// errInjected is a failure injected with FailNext.
func errInjected(status int) *apiError {
	msg := http.StatusText(status)
	if msg == "" {
		msg = "Injected failure"
	}
	return &apiError{status: status, message: msg}
}
