package cfemu

import (
	"net/http"
	"testing"
	"time"
)

func TestAuthErrors(t *testing.T) {
	f := newFixture(t, Options{})
	other := f.srv.AddZone("other.org")
	f.srv.AddToken("disabled", TokenOptions{CanEdit: true, Status: "disabled"})
	f.srv.AddToken("expired", TokenOptions{CanEdit: true, ExpiresOn: time.Now().Add(-time.Hour)})
	f.srv.AddToken("other-zone-only", TokenOptions{CanEdit: true, ZoneIDs: []string{other.ID}})

	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantCode   int
		wantChain  int
	}{
		{"no credentials", "GET", "/zones", nil, 400, 9106, 0},
		{"global API key is refused", "GET", "/zones", map[string]string{"X-Auth-Key": "k", "X-Auth-Email": "a@b.c"}, 400, 6003, 6103},
		{"not a bearer header", "GET", "/zones", map[string]string{"Authorization": "Basic abc"}, 400, 6003, 6111},
		{"bearer without token", "GET", "/zones", map[string]string{"Authorization": "Bearer "}, 400, 6003, 6111},
		{"unknown token", "GET", "/zones", map[string]string{"Authorization": "Bearer nope"}, 403, 9109, 0},
		{"disabled token", "GET", "/zones", map[string]string{"Authorization": "Bearer disabled"}, 403, 9109, 0},
		{"expired token", "GET", "/zones", map[string]string{"Authorization": "Bearer expired"}, 403, 9109, 0},
		{"read-only token writes", "POST", "/zones/" + f.zone.ID + "/dns_records", map[string]string{"Authorization": "Bearer " + readToken}, 403, 10000, 0},
		{"token for another zone", "GET", "/zones/" + f.zone.ID + "/dns_records", map[string]string{"Authorization": "Bearer other-zone-only"}, 403, 10000, 0},
		{"token for another zone reads the zone", "GET", "/zones/" + f.zone.ID, map[string]string{"Authorization": "Bearer other-zone-only"}, 403, 10000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, f.ts.URL+"/client/v4"+tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res := f.do(req)
			wantError(t, res, tt.wantStatus, tt.wantCode)
			if got := chainCode(res); got != tt.wantChain {
				t.Errorf("error_chain code = %d, want %d", got, tt.wantChain)
			}
		})
	}
}

func TestTokenScopes(t *testing.T) {
	f := newFixture(t, Options{})
	other := f.srv.AddZone("other.org")
	f.srv.AddToken("scoped", TokenOptions{ZoneIDs: []string{other.ID}})
	f.srv.AddToken("foreign-account", TokenOptions{AccountID: "00000000000000000000000000000001"})
	f.srv.AddToken("own-account", TokenOptions{AccountID: f.srv.AccountID()})

	for token, want := range map[string]int{editToken: 2, "scoped": 1, "foreign-account": 0, "own-account": 2} {
		res := f.ok("GET", "/zones", token, nil)
		if got := res.ResultInfo.TotalCount; got != want {
			t.Errorf("token %s sees %d zones, want %d", token, got, want)
		}
	}
	zs := decode[[]map[string]any](t, f.ok("GET", "/zones", "scoped", nil).Result)
	if zs[0]["id"] != other.ID {
		t.Errorf("scoped token sees %v, want %s", zs[0]["id"], other.ID)
	}
}

func TestTokenVerify(t *testing.T) {
	f := newFixture(t, Options{})
	acct := f.srv.AccountID()
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	userID := f.srv.AddToken("user", TokenOptions{ExpiresOn: expires})
	acctID := f.srv.AddToken("account", TokenOptions{AccountID: acct})
	f.srv.AddToken("disabled", TokenOptions{Status: "disabled"})
	f.srv.AddToken("expired", TokenOptions{ExpiresOn: time.Now().Add(-time.Minute)})

	tests := []struct {
		name, path, token string
		wantStatus        int
		wantCode          int // error code, or 0 for success
		wantID            string
		wantState         string
	}{
		{"user token at user endpoint", "/user/tokens/verify", "user", 200, 0, userID, "active"},
		{"account token at its account", "/accounts/" + acct + "/tokens/verify", "account", 200, 0, acctID, "active"},
		{"account token at user endpoint", "/user/tokens/verify", "account", 401, 1000, "", ""},
		{"user token at account endpoint", "/accounts/" + acct + "/tokens/verify", "user", 401, 1000, "", ""},
		{"account token at another account", "/accounts/00000000000000000000000000000001/tokens/verify", "account", 401, 1000, "", ""},
		{"unknown token", "/user/tokens/verify", "nope", 401, 1000, "", ""},
		{"disabled token", "/user/tokens/verify", "disabled", 200, 0, "", "disabled"},
		{"expired token", "/user/tokens/verify", "expired", 200, 0, "", "expired"},
		{"no credentials", "/user/tokens/verify", "", 400, 9106, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.call("GET", tt.path, tt.token, nil)
			if tt.wantCode != 0 {
				wantError(t, res, tt.wantStatus, tt.wantCode)
				return
			}
			if res.Status != tt.wantStatus || !res.Success {
				t.Fatalf("status %d errors %+v", res.Status, res.Errors)
			}
			got := decode[verifyResult](t, res.Result)
			if got.Status != tt.wantState || tt.wantID != "" && got.ID != tt.wantID || !isID(got.ID) {
				t.Errorf("result %+v, want id %s status %s", got, tt.wantID, tt.wantState)
			}
			active := len(res.Messages) == 1 && res.Messages[0].Code == 10000 &&
				res.Messages[0].Message == "This API Token is valid and active"
			if active != (tt.wantState == "active") {
				t.Errorf("messages %+v for status %s", res.Messages, tt.wantState)
			}
		})
	}

	got := decode[verifyResult](t, f.ok("GET", "/user/tokens/verify", "user", nil).Result)
	if got.ExpiresOn != expires.Format(time.RFC3339) {
		t.Errorf("expires_on = %q, want %q", got.ExpiresOn, expires.Format(time.RFC3339))
	}
}

func TestEnvelopeShape(t *testing.T) {
	f := newFixture(t, Options{})

	single := f.ok("GET", "/zones/"+f.zone.ID, editToken, nil)
	wantKeys(t, "single", single, "result", "success", "errors", "messages")
	if string(single.Keys["errors"]) != "[]" || string(single.Keys["messages"]) != "[]" {
		t.Errorf("errors/messages = %s/%s, want []/[]", single.Keys["errors"], single.Keys["messages"])
	}

	list := f.ok("GET", "/zones", editToken, nil)
	wantKeys(t, "list", list, "result", "result_info", "success", "errors", "messages")
	info := decode[map[string]int](t, list.Keys["result_info"])
	for _, k := range []string{"page", "per_page", "count", "total_count", "total_pages"} {
		if _, ok := info[k]; !ok {
			t.Errorf("result_info lacks %s: %v", k, info)
		}
	}

	fail := f.call("GET", "/zones", "", nil)
	wantKeys(t, "failure", fail, "result", "success", "errors", "messages")
	if fail.Status < 400 || fail.Success || string(fail.Keys["result"]) != "null" || len(fail.Errors) == 0 {
		t.Errorf("failure envelope: %d %+v", fail.Status, fail.Keys)
	}
	if ct := fail.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func wantKeys(t *testing.T, what string, res apiResponse, keys ...string) {
	t.Helper()
	if len(res.Keys) != len(keys) {
		t.Errorf("%s envelope has keys %v, want exactly %v", what, mapKeys(res.Keys), keys)
	}
	for _, k := range keys {
		if _, ok := res.Keys[k]; !ok {
			t.Errorf("%s envelope lacks %q", what, k)
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
