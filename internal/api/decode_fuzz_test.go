package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// fuzzBody has a field of every kind the API's inputs have.
type fuzzBody struct {
	Name     string            `json:"name"`
	Port     int               `json:"port"`
	Env      map[string]string `json:"env"`
	Auto     bool              `json:"auto"`
	Interval *int              `json:"interval"`
	Secret   *string           `json:"secret"`
	Tags     []string          `json:"tags"`
	Nested   struct {
		Host string `json:"host"`
	} `json:"nested"`
}

// fuzzLimit is small, so that the fuzzer reaches the 413 of an oversized
// body as well as the 1 MiB bound of decode.
const fuzzLimit = 64

// FuzzDecode checks the API's JSON decoder on any body: it never panics,
// every failure is an *httpError the client gets as a 400 (or a 413 for a
// body over the bound), and a success means the body was one JSON value
// and nothing else, read as encoding/json reads it.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {} `, "{}\n", `null`, `{"name":"a","port":80,"env":{"A":"b"},"auto":true,"interval":60,"secret":"s","tags":["x"],"nested":{"host":"h"}}`,
		`{"NAME":"case"}`, `{"name":"a","name":"b"}`, `{"port":"80"}`, `{"port":1e400}`, `{"port":1.5}`, `{"port":-0}`,
		`{"env":{"a":1}}`, `{"env":[]}`, `{"tags":"x"}`, `{"nested":{"host":1}}`, `{"nested":{"nope":1}}`, `{"nope":1}`,
		`{"interval":null}`, `{"secret":"\ud800"}`, "{\"name\":\"\xff\"}", `[]`, `"str"`, `1`, `true`,
		``, `   `, `{`, `{"name":`, `{"name"}`, `{} {}`, `{}}`, `{}]`, `{} x`, `{}null`, `{}/*c*/`, "\ufeff{}",
		`{"name":"` + strings.Repeat("a", fuzzLimit) + `"}`, `{}` + strings.Repeat(" ", fuzzLimit), strings.Repeat("[", 20000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, body, maxBody, func(w http.ResponseWriter, r *http.Request, v any) error { return decode(w, r, v) })
		checkDecode(t, body, fuzzLimit, func(w http.ResponseWriter, r *http.Request, v any) error {
			return decodeLimit(w, r, v, fuzzLimit)
		})
	})
}

func checkDecode(t *testing.T, body []byte, limit int64, decode func(http.ResponseWriter, *http.Request, any) error) {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/api/x", bytes.NewReader(body))
	var got fuzzBody
	err := decode(httptest.NewRecorder(), r, &got)
	if err != nil {
		var he *httpError
		switch {
		case !errors.As(err, &he):
			t.Fatalf("limit %d, body %q: the error %v (%T) is not an *httpError", limit, body, err, err)
		case he.status != http.StatusBadRequest && he.status != http.StatusRequestEntityTooLarge:
			t.Fatalf("limit %d, body %q: status %d (%v), want 400 or 413", limit, body, he.status, err)
		case he.status == http.StatusRequestEntityTooLarge && int64(len(body)) <= limit:
			t.Fatalf("limit %d, body %q of %d bytes: 413", limit, body, len(body))
		case he.msg == "":
			t.Fatalf("limit %d, body %q: status %d without a message", limit, body, he.status)
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("limit %d: body %q decoded, but it is not one JSON value", limit, body)
	}
	if int64(len(body)) > limit {
		t.Fatalf("limit %d: body of %d bytes decoded", limit, len(body))
	}
	var plain fuzzBody
	if err := json.Unmarshal(body, &plain); err != nil || !reflect.DeepEqual(got, plain) {
		t.Fatalf("body %q decoded to %+v, but json.Unmarshal gives %+v, %v", body, got, plain, err)
	}
}
