package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The OpenAPI 3.1 document of the API (openapi/openapi.yaml) and the page
// that renders it (Swagger UI, vendored from npm: openapi/VENDOR.md). Tests
// keep the document true: every route registered here appears in it, and
// every response of the API tests validates against it (openapi_test.go).
//
//go:embed openapi/openapi.yaml openapi/docs.html openapi/docs.js openapi/swagger-ui/swagger-ui-bundle.js openapi/swagger-ui/swagger-ui.css
var openapiFS embed.FS

// OpenAPIYAML is the API's OpenAPI document as written.
func OpenAPIYAML() []byte {
	b, err := openapiFS.ReadFile("openapi/openapi.yaml")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	return b
}

var (
	openapiJSONOnce sync.Once
	openapiJSON     []byte
	openapiJSONErr  error
)

// OpenAPIJSON is the document as JSON, converted once.
func OpenAPIJSON() ([]byte, error) {
	openapiJSONOnce.Do(func() {
		var doc any
		if openapiJSONErr = yaml.Unmarshal(OpenAPIYAML(), &doc); openapiJSONErr != nil {
			return
		}
		openapiJSON, openapiJSONErr = json.Marshal(doc)
	})
	return openapiJSON, openapiJSONErr
}

// docsCSP is the docs page's Content-Security-Policy: everything from this
// origin, no inline script, no eval.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsAssets are the files the docs page loads, by URL name.
var docsAssets = map[string]struct{ file, contentType string }{
	"swagger-ui-bundle.js": {"openapi/swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
	"swagger-ui.css":       {"openapi/swagger-ui/swagger-ui.css", "text/css; charset=utf-8"},
	"docs.js":              {"openapi/docs.js", "text/javascript; charset=utf-8"},
}

// openapiRoutes mounts the document and its page: public, as DRF's schema
// and browsable API are.
func (s *Server) openapiRoutes() {
	s.handle("/api/schema/", allowAny, methods{http.MethodGet: s.schema})
	s.describe("/api/schema/", viewMeta{Name: "Schema", Description: "The OpenAPI 3.1 document of this API."})
	s.handle("/api/docs/", allowAny, methods{http.MethodGet: s.docsPage})
	s.describe("/api/docs/", viewMeta{Name: "Docs", Description: "A page rendering the OpenAPI document."})
	s.mux.HandleFunc("GET /api/docs/{file}", s.docsAsset)
}

// schema answers the document: JSON, or YAML with ?format=yaml. Another
// format is DRF's 404 for a renderer it does not have.
func (s *Server) schema(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Query().Get("format") {
	case "", "json", "openapi-json":
		b, err := OpenAPIJSON()
		if err != nil {
			writeError(w, r, fmt.Errorf("openapi document: %w", err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	case "yaml", "openapi":
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Write(OpenAPIYAML())
	default:
		writeJSON(w, http.StatusNotFound, detail{"Not found."})
	}
}

func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	b, err := openapiFS.ReadFile("openapi/docs.html")
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Cache-Control", "no-cache")
	w.Write(b)
}

func (s *Server) docsAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := docsAssets[path.Base(r.PathValue("file"))]
	if !ok || r.PathValue("file") != path.Base(r.PathValue("file")) {
		writeJSON(w, http.StatusNotFound, detail{"Not found."})
		return
	}
	b, err := openapiFS.ReadFile(a.file)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
