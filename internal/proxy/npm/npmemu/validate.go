package npmemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// schema is the part of JSON Schema that NPM's request bodies use
// (backend/schema/paths/..., checked by ajv with coerceTypes and
// allErrors in backend/lib/validator/api.js). Errors are worded like
// ajv's errorsText: "data/forward_port must be <= 65535", joined by ", ".
type schema struct {
	typ      string // "object", "array", "string", "integer", "boolean"; "" for anyOf only
	nullable bool   // type [T, "null"]
	props    []prop // in the schema's order, which is the order of errors
	required []string
	open     bool // additionalProperties allowed
	minProps int
	minLen   int
	maxLen   int // 0: none
	minimum  *int
	maximum  *int
	enum     []string
	pattern  string
	minItems int
	maxItems int // 0: none
	unique   bool
	items    *schema
	anyOf    []*schema
}

type prop struct {
	name string
	s    *schema
}

func intp(n int) *int { return &n }

// validate checks v against sc, coercing scalars in place the way ajv's
// coerceTypes does ("8080" to 8080, "true" to true, 5 to "5"), and returns
// NPM's ValidationError listing every failure.
func validate(sc *schema, body map[string]any) error {
	var errs []string
	check(sc, "", any(body), func(v any) {}, &errs)
	if len(errs) > 0 {
		return errValidation(strings.Join(errs, ", "))
	}
	return nil
}

// check validates v at the JSON pointer path; set replaces v by its
// coerced value.
func check(sc *schema, path string, v any, set func(any), errs *[]string) {
	fail := func(format string, a ...any) {
		*errs = append(*errs, "data"+path+" "+fmt.Sprintf(format, a...))
	}
	if len(sc.anyOf) > 0 {
		var branchErrs []string
		for _, b := range sc.anyOf {
			var e []string
			var got any = v
			check(b, path, v, func(c any) { got = c }, &e)
			if len(e) == 0 {
				set(got)
				return
			}
			branchErrs = append(branchErrs, e...)
		}
		*errs = append(*errs, branchErrs...)
		fail("must match a schema in anyOf")
		return
	}
	if v == nil && sc.nullable {
		return
	}
	c, ok := coerce(sc.typ, v)
	if !ok {
		t := sc.typ
		if sc.nullable {
			t += ",null"
		}
		fail("must be %s", t)
		return
	}
	set(c)
	switch x := c.(type) {
	case map[string]any:
		checkObject(sc, path, x, errs)
	case []any:
		checkArray(sc, path, x, errs)
	case string:
		n := len([]rune(x))
		if n < sc.minLen {
			fail("must NOT have fewer than %d characters", sc.minLen)
		}
		if sc.maxLen > 0 && n > sc.maxLen {
			fail("must NOT have more than %d characters", sc.maxLen)
		}
		if sc.pattern != "" && !regexp.MustCompile(sc.pattern).MatchString(x) {
			fail("must match pattern \"%s\"", sc.pattern) // ajv quotes it without escaping
		}
		if sc.enum != nil && !contains(sc.enum, x) {
			fail("must be equal to one of the allowed values")
		}
	case int64:
		if sc.minimum != nil && x < int64(*sc.minimum) {
			fail("must be >= %d", *sc.minimum)
		}
		if sc.maximum != nil && x > int64(*sc.maximum) {
			fail("must be <= %d", *sc.maximum)
		}
	}
}

func checkObject(sc *schema, path string, m map[string]any, errs *[]string) {
	fail := func(msg string) { *errs = append(*errs, "data"+path+" "+msg) }
	if len(m) < sc.minProps {
		fail(fmt.Sprintf("must NOT have fewer than %d properties", sc.minProps))
	}
	for _, name := range sc.required {
		if _, ok := m[name]; !ok {
			fail(fmt.Sprintf("must have required property '%s'", name))
		}
	}
	if !sc.open {
		for name := range m {
			if sc.prop(name) == nil {
				fail("must NOT have additional properties")
			}
		}
	}
	for _, p := range sc.props {
		if v, ok := m[p.name]; ok {
			check(p.s, path+"/"+p.name, v, func(c any) { m[p.name] = c }, errs)
		}
	}
}

func checkArray(sc *schema, path string, a []any, errs *[]string) {
	fail := func(msg string) { *errs = append(*errs, "data"+path+" "+msg) }
	if len(a) < sc.minItems {
		fail(fmt.Sprintf("must NOT have fewer than %d items", sc.minItems))
	}
	if sc.maxItems > 0 && len(a) > sc.maxItems {
		fail(fmt.Sprintf("must NOT have more than %d items", sc.maxItems))
	}
	if sc.items != nil {
		for i := range a {
			check(sc.items, path+"/"+strconv.Itoa(i), a[i], func(c any) { a[i] = c }, errs)
		}
	}
	if sc.unique {
		// ajv walks from the end and reports the later index first.
		seen := map[string]int{}
		for i := len(a) - 1; i >= 0; i-- {
			k, _ := json.Marshal(a[i])
			if j, ok := seen[string(k)]; ok {
				fail(fmt.Sprintf("must NOT have duplicate items (items ## %d and %d are identical)", j, i))
				break
			}
			seen[string(k)] = i
		}
	}
}

func (sc *schema) prop(name string) *schema {
	for _, p := range sc.props {
		if p.name == name {
			return p.s
		}
	}
	return nil
}

// coerce converts v to the JSON type t as ajv's coerceTypes does for
// scalars; objects and arrays are never made from other types. Integers
// come back as int64.
func coerce(t string, v any) (any, bool) {
	switch t {
	case "object":
		m, ok := v.(map[string]any)
		return m, ok
	case "array":
		a, ok := v.([]any)
		return a, ok
	case "string":
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		case nil:
			return "", true
		}
	case "integer":
		switch x := v.(type) {
		case json.Number:
			n, err := strconv.ParseInt(x.String(), 10, 64)
			if err != nil {
				if f, ferr := x.Float64(); ferr == nil && f == float64(int64(f)) {
					return int64(f), true
				}
				return nil, false
			}
			return n, true
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			return n, err == nil && strings.TrimSpace(x) != ""
		case bool:
			if x {
				return int64(1), true
			}
			return int64(0), true
		case nil:
			return int64(0), true
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			if x == "true" || x == "false" {
				return x == "true", true
			}
		case json.Number:
			if s := x.String(); s == "1" || s == "0" {
				return s == "1", true
			}
		case nil:
			return false, true
		}
	}
	return nil, false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// decodeBody reads a JSON request body the way NPM's body-parser set-up
// does: no JSON body at all is "Payload is undefined" (apiValidator); a
// body that is not JSON is body-parser's 400, which NPM's error handler
// shows as "Internal Error"; JSON that is not an object is left to the
// schema ("data must be object").
func decodeBody(r *http.Request) (map[string]any, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return nil, errValidation("Payload is undefined")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, errInternal(http.StatusBadRequest)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, errInternal(http.StatusBadRequest)
	}
	m, ok := v.(map[string]any)
	if !ok {
		if _, isArray := v.([]any); isArray {
			return nil, errValidation("data must be object")
		}
		return nil, errInternal(http.StatusBadRequest) // body-parser's strict mode
	}
	return m, nil
}

// readBody decodes the request body and checks it against sc.
func readBody(r *http.Request, sc *schema) (map[string]any, error) {
	body, err := decodeBody(r)
	if err != nil {
		return nil, err
	}
	if err := validate(sc, body); err != nil {
		return nil, err
	}
	return body, nil
}

// The request schemas, from backend/schema/paths (v2.15.1).

var tokenRequestSchema = &schema{typ: "object", required: []string{"identity", "secret"}, props: []prop{
	{"identity", &schema{typ: "string", minLen: 1}},
	{"scope", &schema{typ: "string", minLen: 1, enum: []string{"user"}}},
	{"secret", &schema{typ: "string", minLen: 1}},
}}

var twoFactorRequestSchema = &schema{typ: "object", required: []string{"challenge_token", "code"}, props: []prop{
	{"challenge_token", &schema{typ: "string", minLen: 1}},
	{"code", &schema{typ: "string", minLen: 6, maxLen: 8}},
}}

// hostProps are the proxy-host properties accepted by POST and PUT
// (components/proxy-host-object.json and common.json).
var hostProps = func() []prop {
	boolean := func() *schema { return &schema{typ: "boolean"} }
	scheme := &schema{typ: "string", enum: []string{"http", "https"}}
	fwdHost := &schema{typ: "string", minLen: 1, maxLen: 255}
	port := &schema{typ: "integer", minimum: intp(1), maximum: intp(65535)}
	location := &schema{typ: "object", required: []string{"forward_scheme", "forward_host", "forward_port", "path"}, props: []prop{
		{"id", &schema{typ: "integer", nullable: true}},
		{"path", &schema{typ: "string", minLen: 1}},
		{"forward_scheme", scheme},
		{"forward_host", fwdHost},
		{"forward_port", port},
		{"forward_path", &schema{typ: "string"}},
		{"advanced_config", &schema{typ: "string"}},
	}}
	return []prop{
		{"domain_names", &schema{typ: "array", minItems: 1, maxItems: 100, unique: true,
			items: &schema{typ: "string", pattern: "^[^&| @!#%^();:/\\\\}{=+?<>,~`'\"]+$"}}},
		{"forward_scheme", scheme},
		{"forward_host", fwdHost},
		{"forward_port", port},
		{"certificate_id", &schema{anyOf: []*schema{
			{typ: "integer", minimum: intp(0)},
			{typ: "string", pattern: "^new$"},
		}}},
		{"ssl_forced", boolean()},
		{"hsts_enabled", boolean()},
		{"hsts_subdomains", boolean()},
		{"trust_forwarded_proto", boolean()},
		{"http2_support", boolean()},
		{"block_exploits", boolean()},
		{"caching_enabled", boolean()},
		{"allow_websocket_upgrade", boolean()},
		{"access_list_id", &schema{typ: "integer", minimum: intp(0)}},
		{"advanced_config", &schema{typ: "string"}},
		{"enabled", boolean()},
		{"meta", &schema{typ: "object", open: true}},
		{"locations", &schema{typ: "array", items: location}},
	}
}()

// createHostSchema is paths/nginx/proxy-hosts/post.json.
var createHostSchema = &schema{typ: "object", props: hostProps,
	required: []string{"domain_names", "forward_scheme", "forward_host", "forward_port"}}

// updateHostSchema is paths/nginx/proxy-hosts/hostID/put.json: the same
// properties, none required, at least one.
var updateHostSchema = &schema{typ: "object", props: hostProps, minProps: 1}
