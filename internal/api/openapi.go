package api

import (
	_ "embed"
	"net/http"
	"slices"
)

// openAPIDocument describes every route of the table: methods, paths,
// bodies, answers and errors (OpenAPI 3.1). The tests check it against
// the route table and validate every request and answer of the API tests
// against it (openapitest); the web UI's types are checked against it too.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument is the API's OpenAPI document, as GET /api/openapi.json
// serves it.
func OpenAPIDocument() []byte { return slices.Clone(openAPIDocument) }

// openAPI serves the document. It is public: it says nothing that
// docs/api.md does not, and holds no secret.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(openAPIDocument)
	return err
}
