package api

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

var (
	oaOnce      sync.Once
	oaModel     *v3.Document
	oaValidator validator.Validator
	oaErr       error
)

// openAPI parses the embedded document once per test binary and builds a
// validator of it.
func openAPI(t testing.TB) (*v3.Document, validator.Validator) {
	t.Helper()
	oaOnce.Do(func() {
		doc, err := libopenapi.NewDocument(OpenAPIYAML())
		if err != nil {
			oaErr = err
			return
		}
		m, err := doc.BuildV3Model()
		if err != nil {
			oaErr = err
			return
		}
		oaModel = &m.Model
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			oaErr = errs[0]
			return
		}
		oaValidator = v
	})
	if oaErr != nil {
		t.Fatalf("openapi document: %v", oaErr)
	}
	return oaModel, oaValidator
}

// TestOpenAPIDocumentIsValid: the document is valid OpenAPI 3.1.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	m, v := openAPI(t)
	if !strings.HasPrefix(m.Version, "3.1") {
		t.Errorf("openapi %q, want 3.1", m.Version)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("document: %s: %s", e.Message, e.Reason)
		}
	}
}

// route is one method of one path that api/ registers.
type route struct{ method, path string }

// registeredRoutes reads api/'s source for every route it registers: the
// DRF-style views (s.handle and s.handleConverted, whose methods{} literal
// names the methods) and the plain mux patterns ("GET /healthz"). Read from
// the code, so a new route cannot escape the document's test.
func registeredRoutes(t *testing.T) []route {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			switch sel.Sel.Name {
			case "handle", "handleConverted", "HandleFunc", "Handle":
			default:
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				// handle's own body registers its parameter; a route
				// elsewhere must be a literal to be checked.
				if fn := enclosingFunc(f, call); fn != "handle" && fn != "handleConverted" {
					t.Errorf("%s: route pattern is not a string literal", fset.Position(call.Pos()))
				}
				return true
			}
			pattern, _ := strconv.Unquote(lit.Value)
			switch sel.Sel.Name {
			case "HandleFunc", "Handle":
				method, path, ok := strings.Cut(pattern, " ")
				if !ok {
					if pattern == "/" {
						return true // the catch-all 404 (and APPEND_SLASH redirect)
					}
					t.Errorf("%s: pattern %q without a method", fset.Position(call.Pos()), pattern)
					return true
				}
				out = append(out, route{method, strings.TrimSuffix(path, "{$}")})
			default:
				ms, ok := call.Args[len(call.Args)-1].(*ast.CompositeLit)
				if !ok {
					t.Errorf("%s: methods are not a literal", fset.Position(call.Pos()))
					return true
				}
				for _, el := range ms.Elts {
					kv := el.(*ast.KeyValueExpr)
					key, ok := kv.Key.(*ast.SelectorExpr)
					if !ok || !strings.HasPrefix(key.Sel.Name, "Method") {
						t.Errorf("%s: method key is not http.MethodX", fset.Position(kv.Pos()))
						continue
					}
					out = append(out, route{strings.ToUpper(strings.TrimPrefix(key.Sel.Name, "Method")), pattern})
				}
			}
			return true
		})
	}
	return out
}

func enclosingFunc(f *ast.File, n ast.Node) string {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= n.Pos() && n.End() <= fd.End() {
			return fd.Name.Name
		}
	}
	return ""
}

// TestOpenAPICoversEveryRoute: every route api/ registers is an operation
// of the document, and every operation of the document is a route.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	m, _ := openAPI(t)
	routes := registeredRoutes(t)
	if len(routes) < 25 {
		t.Fatalf("found only %d routes in the source: the reader is broken", len(routes))
	}
	documented := map[route]bool{}
	for p := range m.Paths.PathItems.FromOldest() {
		_ = p
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented[route{strings.ToUpper(method), path}] = true
		}
	}
	for _, r := range routes {
		if !documented[r] {
			t.Errorf("route %s %s is not in the OpenAPI document", r.method, r.path)
		}
	}
	for r := range documented {
		if !slices.Contains(routes, r) {
			t.Errorf("the document describes %s %s, which api/ does not register", r.method, r.path)
		}
	}
}

// TestOpenAPIServed: /api/schema/ serves the document as JSON and as YAML,
// and /api/docs/ the page and its files under a CSP without inline script.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	r := e.do("GET", "/api/schema/", nil, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/json" || !bytes.HasPrefix(r.Body, []byte(`{`)) {
		t.Fatalf("schema JSON: %d %s %.80s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if _, err := libopenapi.NewDocument(r.Body); err != nil {
		t.Fatalf("served JSON is not an OpenAPI document: %v", err)
	}
	r = e.do("GET", "/api/schema/?format=yaml", nil, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") || !bytes.Equal(r.Body, OpenAPIYAML()) {
		t.Fatalf("schema YAML: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if r := e.do("GET", "/api/schema/?format=xml", nil, nil); r.Status != 404 {
		t.Errorf("schema ?format=xml: %d", r.Status)
	}
	r = e.do("GET", "/api/docs/", nil, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("docs CSP = %q", csp)
	}
	if bytes.Contains(r.Body, []byte("<script>")) || bytes.Contains(r.Body, []byte("//cdn")) || bytes.Contains(r.Body, []byte("https://")) {
		t.Errorf("docs page has inline script or an outside URL")
	}
	for _, f := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "docs.js"} {
		if !bytes.Contains(r.Body, []byte("/api/docs/"+f)) {
			t.Errorf("docs page does not load %s", f)
		}
		a := e.do("GET", "/api/docs/"+f, nil, nil)
		if a.Status != 200 || len(a.Body) == 0 {
			t.Errorf("%s: %d", f, a.Status)
		}
	}
	if r := e.do("GET", "/api/docs/openapi.yaml", nil, nil); r.Status != 404 {
		t.Errorf("an unlisted file under /api/docs/: %d", r.Status)
	}
}

// validating wraps the API tests' server: every response to a request
// whose path and method the document describes must validate against it
// (status documented, body and content type as described). Requests outside
// the document (unknown paths, OPTIONS, HEAD, methods a view does not
// have) are not API operations and pass through.
// validResponses holds the responses validating found valid, by request
// (method, path and query), status, headers and body.
var validResponses sync.Map

func validating(t *testing.T, next http.Handler) http.Handler {
	m, v := openAPI(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		if documentedOp(m, r) {
			body := rec.Body.Bytes()
			// The same answer to the same request validates the same way:
			// one already found valid is not validated again (the list and
			// calendar tests read the same pages many times; validating
			// was a third of this package's test CPU).
			var key strings.Builder
			key.WriteString(r.Method + " " + r.URL.RequestURI() + " " + strconv.Itoa(res.StatusCode) + "\n")
			res.Header.Write(&key) // in key order
			key.Write(body)
			if _, seen := validResponses.Load(key.String()); !seen {
				vres := *res
				vres.Body = io.NopCloser(bytes.NewReader(body))
				vreq := r.Clone(r.Context())
				vreq.Body = http.NoBody
				if ok, errs := v.ValidateHttpResponse(vreq, &vres); !ok {
					for _, e := range errs {
						t.Errorf("OpenAPI: %s %s → %d: %s: %s %s\n body: %.300s", r.Method, r.URL, res.StatusCode, e.Message, e.Reason, schemaErrors(e), body)
					}
				} else {
					validResponses.Store(key.String(), struct{}{})
				}
			}
		}
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		w.Write(rec.Body.Bytes())
	})
}

func schemaErrors(e interface{ Error() string }) string { return "" }

// documentedOp reports whether the document has an operation for the
// request's method on a path template matching its path.
func documentedOp(m *v3.Document, r *http.Request) bool {
	segs := strings.Split(r.URL.Path, "/")
	for tmpl, item := range m.Paths.PathItems.FromOldest() {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if ts[i] != segs[i] && !(strings.HasPrefix(ts[i], "{") && segs[i] != "") {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		for method := range item.GetOperations().FromOldest() {
			if strings.EqualFold(method, r.Method) {
				return true
			}
		}
	}
	return false
}

var _ = os.Getenv
