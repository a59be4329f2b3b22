package cfemu

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// TokenOptions describes an API token.
type TokenOptions struct {
	// ZoneIDs limits the token to these zones; empty means every zone of
	// the account.
	ZoneIDs []string
	// CanEdit grants DNS write (create, update, delete, batch); without it
	// the token can only read zones and records.
	CanEdit bool
	// Status is "active" (the default), "disabled" or "expired". A token
	// past ExpiresOn is expired whatever Status says.
	Status string
	// AccountID makes the token account-owned (verified at
	// /accounts/{id}/tokens/verify); empty makes it a user token (verified
	// at /user/tokens/verify). An account token only reaches the zones of
	// its account.
	AccountID string
	// ExpiresOn and NotBefore are reported by token verification.
	ExpiresOn time.Time
	NotBefore time.Time
}

type token struct {
	id string
	TokenOptions
}

// AddToken registers secret as a bearer token (replacing any token with
// the same secret) and returns its identifier, the id that token
// verification reports.
func (s *Server) AddToken(secret string, o TokenOptions) string {
	if o.Status == "" {
		o.Status = "active"
	}
	o.ZoneIDs = slices.Clone(o.ZoneIDs)
	t := &token{id: newID(), TokenOptions: o}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[secret] = t
	return t.id
}

func (t *token) status(now time.Time) string {
	if !t.ExpiresOn.IsZero() && !now.Before(t.ExpiresOn) {
		return "expired"
	}
	return t.Status
}

// canSee reports whether the token reaches the zone at all.
func (t *token) canSee(z *zoneData) bool {
	if t.AccountID != "" && t.AccountID != z.AccountID {
		return false
	}
	return len(t.ZoneIDs) == 0 || slices.Contains(t.ZoneIDs, z.ID)
}

// credentials reads the bearer token from the request. A missing or
// malformed header is an error; an unknown token is (nil, nil) so that
// each kind of endpoint can answer it its own way.
func (s *Server) credentials(r *http.Request) (*token, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if r.Header.Get("X-Auth-Key") != "" || r.Header.Get("X-Auth-Email") != "" {
			return nil, errBadAuthKey()
		}
		return nil, errMissingAuth()
	}
	scheme, secret, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || strings.ContainsAny(secret, " \t") {
		return nil, errBadAuthHeader()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[secret], nil
}

// authenticate returns the caller's token, which must be active.
func (s *Server) authenticate(r *http.Request) (*token, error) {
	t, err := s.credentials(r)
	if err != nil {
		return nil, err
	}
	if t == nil || t.status(s.now()) != "active" {
		return nil, errInvalidToken()
	}
	return t, nil
}

// handleVerify registers a token verification endpoint: the token must be
// known, but may be disabled or expired, which verification reports.
func (s *Server) handleVerify(pattern string, fn endpoint) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		t, err := s.credentials(r)
		if err != nil {
			writeError(w, err)
			return
		}
		if t == nil {
			writeError(w, errInvalidAPIToken())
			return
		}
		s.serve(w, r, t, fn)
	})
}

func (s *Server) verifyUserToken(r *http.Request, t *token) (reply, error) {
	if t.AccountID != "" {
		return reply{}, errInvalidAPIToken()
	}
	return s.verified(t), nil
}

func (s *Server) verifyAccountToken(r *http.Request, t *token) (reply, error) {
	if t.AccountID == "" || t.AccountID != r.PathValue("account_id") {
		return reply{}, errInvalidAPIToken()
	}
	return s.verified(t), nil
}

type verifyResult struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	ExpiresOn string `json:"expires_on,omitempty"`
	NotBefore string `json:"not_before,omitempty"`
}

// verified answers like Cloudflare: the token's id and status, and for an
// active token the message "This API Token is valid and active" with code
// 10000 (putyourlightson/craft-cloudflare#88 quotes the whole body).
func (s *Server) verified(t *token) reply {
	res := verifyResult{ID: t.id, Status: t.status(s.now())}
	if !t.ExpiresOn.IsZero() {
		res.ExpiresOn = t.ExpiresOn.UTC().Format(time.RFC3339)
	}
	if !t.NotBefore.IsZero() {
		res.NotBefore = t.NotBefore.UTC().Format(time.RFC3339)
	}
	rep := reply{result: res}
	if res.Status == "active" {
		rep.messages = []message{{Code: 10000, Message: "This API Token is valid and active"}}
	}
	return rep
}
