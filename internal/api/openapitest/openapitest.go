// Package openapitest holds the API's OpenAPI document to the server: it
// compares the document's operations with the route table, and validates
// every request and answer that passes through a handler against it
// (kin-openapi's openapi3filter). For tests only: it never ends up in the
// binary.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/dockerwatcher/docker-watcher/internal/api"
)

func init() {
	// Server-Sent Events are text: read as a string, like text/plain.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	// A body of another content type, or of none, is read as JSON, as the
	// push webhook reads it (the document's */* there).
	openapi3filter.RegisterBodyDecoder("*/*", openapi3filter.JSONBodyDecoder)
}

// Document is the parsed and validated API document with a router over
// its operations, shared by every test of the process.
type Document struct {
	T *openapi3.T
	// mux routes as the server does, to patterns of operations:
	// kin-openapi's own routers are looser than http.ServeMux ("/api/apps/"
	// finds GET /api/apps, "PUT /api/apps" finds PUT /api/apps/{id}).
	mux    *http.ServeMux
	routes map[string]*routers.Route // by ServeMux pattern
}

var (
	loadOnce sync.Once
	loaded   *Document
	loadErr  error
)

// Load parses the served document and validates it as OpenAPI (3.1: the
// loader follows its openapi field).
func Load() (*Document, error) {
	loadOnce.Do(func() { loaded, loadErr = Parse(api.OpenAPIDocument()) })
	return loaded, loadErr
}

// Parse reads and validates a document.
func Parse(b []byte) (*Document, error) {
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("the document says openapi %q; want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	d := &Document{T: doc, mux: http.NewServeMux(), routes: map[string]*routers.Route{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			d.routes[pattern] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			d.mux.Handle(pattern, http.NotFoundHandler()) // never served: only matched
		}
	}
	return d, nil
}

// FindRoute is the operation r asks for, with its path parameters, as
// http.ServeMux matches it; nil for an unknown path or method.
func (d *Document) FindRoute(r *http.Request) (*routers.Route, map[string]string) {
	_, pattern := d.mux.Handler(r)
	route := d.routes[pattern]
	if route == nil {
		return nil, nil
	}
	params := map[string]string{}
	segments := strings.Split(r.URL.Path, "/")
	for i, seg := range strings.Split(route.Path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok && i < len(segments) {
			params[strings.TrimSuffix(name, "}")] = segments[i]
		}
	}
	return route, params
}

// Route is an entry of the route table.
type Route struct {
	Pattern string // http.ServeMux pattern, "METHOD /path/{param}"
	Public  bool   // reachable without a session or an API token
}

// Compare lists where the route table and the document disagree: a route
// that no operation describes (same method and path template), an
// operation that is no route, a route whose public flag the operation's
// security contradicts (private operations inherit the document's
// security; public ones override it), and a pattern without a method,
// which no operation can describe, unless it is one of except.
func Compare(doc *openapi3.T, routes []Route, except ...string) []string {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op
		}
	}
	var problems []string
	described := map[string]bool{}
	for _, rt := range routes {
		if slices.Contains(except, rt.Pattern) {
			continue
		}
		if _, _, ok := strings.Cut(rt.Pattern, " "); !ok {
			problems = append(problems, fmt.Sprintf("route %q has no method, so no operation can describe it", rt.Pattern))
			continue
		}
		op, ok := ops[rt.Pattern]
		if !ok {
			problems = append(problems, fmt.Sprintf("route %q is not described: add its operation to internal/api/openapi.json", rt.Pattern))
			continue
		}
		described[rt.Pattern] = true
		if public := op.Security != nil; public != rt.Public {
			problems = append(problems, fmt.Sprintf("route %q is public=%v, but its operation's security says public=%v", rt.Pattern, rt.Public, public))
		}
	}
	var stale []string
	for key := range ops {
		if !described[key] {
			stale = append(stale, fmt.Sprintf("operation %q is no route of the table", key))
		}
	}
	sort.Strings(stale)
	return append(problems, stale...)
}

// bodyLimit bounds the part of an answer kept for validation; a longer
// one (a log stream) is checked without its body.
const bodyLimit = 4 << 20

// Validator checks every request and answer passing through the handlers
// it wraps. A problem is an answer that does not match the document (its
// status, headers or body), or a request the document refuses that the
// server accepted (a 1xx to 3xx answer): the document must not be stricter
// than the server. A request it refuses that the server refused too is a
// test of a bad request, and fine.
type Validator struct {
	doc *Document

	mu       sync.Mutex
	problems []string
	checked  int
}

// NewValidator validates against the served document.
func NewValidator() (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return &Validator{doc: doc}, nil
}

// ForDocument validates against doc (to test the validator itself).
func ForDocument(doc *Document) *Validator { return &Validator{doc: doc} }

// Problems are the mismatches seen so far.
func (v *Validator) Problems() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.problems)
}

// Checked is how many exchanges were validated against an operation.
func (v *Validator) Checked() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.checked
}

// Report fails t with every problem seen.
func (v *Validator) Report(t testing.TB) {
	t.Helper()
	for _, p := range v.Problems() {
		t.Errorf("OpenAPI: %s", p)
	}
}

func (v *Validator) problem(r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(msg) > 3000 {
		msg = msg[:3000] + "…"
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.problems = append(v.problems, fmt.Sprintf("%s %s → %d: %s", r.Method, r.URL.RequestURI(), status, msg))
}

// Wrap validates what passes through next.
func (v *Validator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body.Close()
		seen := r.Clone(context.WithoutCancel(r.Context()))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		v.check(seen, body, rec)
	})
}

// inAPI tells whether a path is the API's, not the web app's.
func inAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/metrics"
}

func (v *Validator) check(r *http.Request, reqBody []byte, rec *recorder) {
	if !inAPI(r.URL.Path) || r.Method == http.MethodHead {
		return
	}
	status := rec.code()
	route, params := v.doc.FindRoute(r)
	if route == nil {
		// No operation: an unknown path (404) or a known one asked with
		// another method (405). Either is an Error body, like the 401 a
		// private path answers first.
		v.checkUnrouted(r, status, rec)
		return
	}
	ctx := context.Background()
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	reqOpts := &openapi3filter.Options{AuthenticationFunc: credentialsPresent, SkipSettingDefaults: true, MultiError: true}
	reqOpts.WithCustomSchemaErrorFunc(shortSchemaError)
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: reqOpts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 400 {
		v.problem(r, status, "the document refuses this request, which the server accepted: %v", err)
	}
	v.mu.Lock()
	v.checked++
	v.mu.Unlock()

	resOpts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: rec.truncated}
	resOpts.WithCustomSchemaErrorFunc(shortSchemaError)
	resIn := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: rec.Header(), Options: resOpts}
	resIn.SetBodyBytes(rec.body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, resIn); err != nil {
		v.problem(r, status, "the answer does not match the document: %v", err)
		return
	}
	// kin-openapi reads no body where the document has none: a 204 and
	// the like must be empty.
	if res := route.Operation.Responses.Status(status); res != nil && res.Value != nil && len(res.Value.Content) == 0 && rec.body.Len() > 0 {
		v.problem(r, status, "the document has no body for this answer, but it has %d bytes: %.200s", rec.body.Len(), rec.body.String())
	}
}

// shortSchemaError says where and why a value fails its schema, without
// printing the schema and the whole value. An error with causes is
// printed as kin-openapi does (its causes, each through this function).
func shortSchemaError(err *openapi3.SchemaError) string {
	switch p := err.JSONPointer(); {
	case err.Origin != nil:
		return ""
	case len(p) > 0 && !strings.HasPrefix(err.Reason, "error at"):
		return `"/` + strings.Join(p, "/") + `": ` + err.Reason
	}
	return err.Reason
}

// checkUnrouted checks an answer of no operation: an Error body with 401,
// 404 or 405.
func (v *Validator) checkUnrouted(r *http.Request, status int, rec *recorder) {
	if status != http.StatusUnauthorized && status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		v.problem(r, status, "no operation of the document has this method and path, and the answer is not a 401, 404 or 405")
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		v.problem(r, status, "an error answer of Content-Type %q, want application/json", ct)
		return
	}
	var value any
	if err := json.Unmarshal(rec.body.Bytes(), &value); err != nil {
		v.problem(r, status, "an error answer that is not JSON: %v", err)
		return
	}
	schema := v.doc.T.Components.Schemas["Error"]
	if schema == nil || schema.Value == nil {
		v.problem(r, status, "the document has no Error schema")
		return
	}
	if err := schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		v.problem(r, status, "the error answer does not match the Error schema: %v", err)
	}
}

// credentialsPresent stands in for authentication: a request satisfies a
// security scheme of the document when it carries that scheme's
// credentials, valid or not (the server decides that, with a 401).
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, scheme := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"):
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
			return nil
		}
	case scheme.Type == "apiKey" && scheme.In == "cookie":
		if c, err := r.Cookie(scheme.Name); err == nil && c.Value != "" {
			return nil
		}
	case scheme.Type == "apiKey" && scheme.In == "header":
		if r.Header.Get(scheme.Name) != "" {
			return nil
		}
	default:
		return fmt.Errorf("security scheme %s of type %s is not known to the test", in.SecuritySchemeName, scheme.Type)
	}
	return errors.New("no credentials for " + in.SecuritySchemeName)
}

// recorder passes an answer through and keeps its status and (the first
// bodyLimit bytes of) its body. Flush passes through too, for streams.
type recorder struct {
	http.ResponseWriter
	status    int
	body      bytes.Buffer
	truncated bool
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if room := bodyLimit - rec.body.Len(); room >= len(b) {
		rec.body.Write(b)
	} else {
		rec.truncated = true
	}
	return rec.ResponseWriter.Write(b)
}

func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) code() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}
