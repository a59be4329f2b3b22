package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrTwoFactor is the login of an account with two-factor authentication.
var ErrTwoFactor = errors.New("npm: the NPM account uses two-factor authentication, which Docker Watcher does not support; use an account without it")

// APIError is a call NPM refused, with its error JSON's message.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("npm: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// expired is NPM's answer to an expired token: an AuthError, 400, never 401.
func expired(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusBadRequest && ae.Message == "Token has expired"
}

// unverified may be a token NPM cannot verify (signed with keys it no
// longer has): jsonwebtoken's error is not public, so 500 "Internal Error".
// Other failures look the same, so only reads are retried after a new
// login; Apply starts with one.
func unverified(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusInternalServerError && ae.Message == "Internal Error"
}

// inUse is NPM's refusal of a domain another live host holds.
func inUse(err error) (string, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest && strings.HasSuffix(ae.Message, " is already in use") {
		return ae.Message, true
	}
	return "", false
}

func notFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// maxAnswer bounds what is read of one answer.
const maxAnswer = 16 << 20

// send makes one call; token may be empty. A success is decoded into out
// (when not nil), a failure into an *APIError.
func (r *Router) send(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("npm: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return fmt.Errorf("npm: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("npm: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("npm: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &eb) == nil && eb.Error.Message != "" {
			msg = eb.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("npm: %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// do makes an authenticated call: with a token fresh enough, and once
// more after a new login when NPM says the token has expired (or, for a
// read, that it could not verify it).
func (r *Router) do(ctx context.Context, method, path string, body, out any) error {
	if err := r.ensureToken(ctx); err != nil {
		return err
	}
	err := r.send(ctx, method, path, r.token, body, out)
	if expired(err) || (method == http.MethodGet && unverified(err)) {
		r.token = ""
		if err := r.login(ctx); err != nil {
			return err
		}
		err = r.send(ctx, method, path, r.token, body, out)
	}
	return err
}

// tokenAnswer is POST and GET /api/tokens: a token, or a 2FA challenge.
type tokenAnswer struct {
	Token       string `json:"token"`
	Expires     string `json:"expires"`
	Requires2FA bool   `json:"requires_2fa"`
}

// ensureToken logs in without a token and refreshes one close to its end.
func (r *Router) ensureToken(ctx context.Context) error {
	if r.token == "" {
		return r.login(ctx)
	}
	if r.expires.IsZero() || r.now().Before(r.refreshAt) {
		return nil
	}
	var ta tokenAnswer
	if err := r.send(ctx, http.MethodGet, "/tokens", r.token, nil, &ta); err != nil || ta.Token == "" {
		return r.login(ctx) // expired meanwhile, or refused: start over
	}
	r.keep(ta)
	return nil
}

func (r *Router) login(ctx context.Context) error {
	var ta tokenAnswer
	body := map[string]string{"identity": r.opts.Email, "secret": r.opts.Password}
	if err := r.send(ctx, http.MethodPost, "/tokens", "", body, &ta); err != nil {
		return fmt.Errorf("npm: logging in as %s: %w", r.opts.Email, err)
	}
	if ta.Requires2FA {
		return ErrTwoFactor
	}
	if ta.Token == "" {
		return fmt.Errorf("npm: logging in as %s: the answer has no token", r.opts.Email)
	}
	r.keep(ta)
	return nil
}

// keep stores a token and when to refresh it: before the last tenth of
// its life, at most ten minutes before it ends. An expiry that does not
// parse leaves only the retry on NPM's expired-token error.
func (r *Router) keep(ta tokenAnswer) {
	now := r.now()
	r.token = ta.Token
	r.expires, r.refreshAt = time.Time{}, time.Time{}
	exp, err := time.Parse(time.RFC3339Nano, ta.Expires)
	if err != nil {
		return
	}
	margin := min(exp.Sub(now)/10, 10*time.Minute)
	r.expires, r.refreshAt = exp, exp.Add(-margin)
}
