package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const maxBody = 1 << 20

const errEmptyBody = "request body is empty; want a JSON object"

var errTrailing = errors.New("request body has data after the JSON object")

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads one JSON object into v, refusing unknown fields, and turns
// every failure into a 400 that names the field where one is at fault.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimit(w, r, v, maxBody)
}

// decodeOptional is decode for a body that may be left out: nothing
// leaves v as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	err := decode(w, r, v)
	var he *httpError
	if errors.As(err, &he) && he.msg == errEmptyBody {
		return nil
	}
	return err
}

// decodeLimit is decode with a smaller bound on the body, for bodies that
// are small by nature (credentials).
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Only white space may follow the value. (dec.More misses a
		// stray "}" or "]": it reports the end of a value there.)
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "", errEmptyBody)
	case errors.Is(err, errTrailing):
		return errorf(http.StatusBadRequest, "", "%v", err)
	case errors.As(err, &big):
		return errorf(http.StatusRequestEntityTooLarge, "", "request body is larger than %d bytes", big.Limit)
	case errors.As(err, &syn):
		return errorf(http.StatusBadRequest, "", "invalid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errorf(http.StatusBadRequest, "", "request body must be a JSON object")
		}
		return errorf(http.StatusBadRequest, typ.Field, "%s must be %s, not %s", typ.Field, article(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errorf(http.StatusBadRequest, field, "unknown field %q", field)
	}
	return errorf(http.StatusBadRequest, "", "invalid request body: %v", err)
}

// article names a Go type as a JSON one, for error messages.
func article(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "*int"):
		return "a whole number"
	case strings.Contains(goType, "string") && strings.HasPrefix(goType, "map"):
		return "an object of strings"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.Contains(goType, "bool"):
		return "true or false"
	}
	return fmt.Sprintf("of type %s", goType)
}
