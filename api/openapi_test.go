package api

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Why this walk of the document is ours: libopenapi-validator does the
// whole job, but it and libopenapi made api.test a 60 MB binary that took
// 3.2 s to link on every `go test ./...` (issue 8 asks the suite to be no
// slower than before it); a JSON Schema 2020-12 validator over the
// document's own schemas, with the status, media type and header rules
// below, links in 1.5 s (42 MB), validates at least as strictly (exact
// media types; non-JSON bodies checked too) and costs the package's tests
// the same CPU (3.75 s against 3.72, alternated runs, 2026-12-06).
//
// The tests' view of the OpenAPI document (openapi/openapi.yaml): its JSON
// values (as /api/schema/ serves them), the OpenAPI 3.1 schema it must
// satisfy (testdata/oas31-schema.json, the OpenAPI Initiative's
// schemas/v3.1/schema.json of 2022-10-07), and every operation's responses
// with their schemas compiled (OpenAPI 3.1 schemas are JSON Schema 2020-12).
type oaSpec struct {
	doc   map[string]any
	meta  *jsonschema.Schema                // the OpenAPI 3.1 schema
	paths map[string]map[string]oaOperation // path template → method (GET, …) → operation
}

// oaOperation holds an operation's responses by status code ("200"), range
// ("4XX") or "default".
type oaOperation map[string]oaResponse

type oaResponse struct {
	content map[string]*jsonschema.Schema // media type → body schema (nil: any body)
	headers map[string]oaHeader
}

type oaHeader struct {
	required bool
	schema   *jsonschema.Schema
}

var (
	oaOnce sync.Once
	oa     *oaSpec
	oaErr  error
)

// openAPI reads the embedded document once per test binary: every $ref in
// it must resolve and every schema in it must compile.
func openAPI(t testing.TB) *oaSpec {
	t.Helper()
	oaOnce.Do(func() { oa, oaErr = loadOpenAPI() })
	if oaErr != nil {
		t.Fatalf("openapi document: %v", oaErr)
	}
	return oa
}

const oaURL = "file:///pasched/openapi.json"

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI() (*oaSpec, error) {
	js, err := OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	s := &oaSpec{paths: map[string]map[string]oaOperation{}}
	s.doc, _ = v.(map[string]any)
	if s.doc == nil {
		return nil, fmt.Errorf("not an object")
	}
	if bad := unresolvedRefs(s.doc, s.doc, ""); len(bad) > 0 {
		return nil, fmt.Errorf("unresolved $ref: %s", strings.Join(bad, ", "))
	}
	metaJSON, err := os.ReadFile("testdata/oas31-schema.json")
	if err != nil {
		return nil, err
	}
	mc := jsonschema.NewCompiler()
	metaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(metaJSON))
	if err != nil {
		return nil, err
	}
	if err := mc.AddResource("file:///oas31-schema.json", metaDoc); err != nil {
		return nil, err
	}
	if s.meta, err = mc.Compile("file:///oas31-schema.json"); err != nil {
		return nil, err
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(oaURL, s.doc); err != nil {
		return nil, err
	}
	// compile compiles the schema at ptr (nil, nil if there is none).
	compile := func(ptr string) (*jsonschema.Schema, error) {
		if s.at(ptr) == nil {
			return nil, nil
		}
		sch, err := c.Compile(oaURL + "#" + ptr)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %v", ptr, err)
		}
		return sch, nil
	}
	for name := range obj(obj(s.doc["components"])["schemas"]) {
		if _, err := compile("/components/schemas/" + ptrEscape(name)); err != nil {
			return nil, err
		}
	}
	for tmpl, item := range obj(s.doc["paths"]) {
		tp := "/paths/" + ptrEscape(tmpl)
		ops := map[string]oaOperation{}
		s.paths[tmpl] = ops
		for i := range arr(obj(item)["parameters"]) {
			if _, err := compile(s.deref(fmt.Sprintf("%s/parameters/%d", tp, i)) + "/schema"); err != nil {
				return nil, err
			}
		}
		for _, m := range oaMethods {
			opv, ok := obj(item)[m].(map[string]any)
			if !ok {
				continue
			}
			op := oaOperation{}
			ops[strings.ToUpper(m)] = op
			mp := tp + "/" + m
			for i := range arr(opv["parameters"]) {
				if _, err := compile(s.deref(fmt.Sprintf("%s/parameters/%d", mp, i)) + "/schema"); err != nil {
					return nil, err
				}
			}
			bp := s.deref(mp + "/requestBody")
			for mt := range obj(obj(s.at(bp))["content"]) {
				if _, err := compile(bp + "/content/" + ptrEscape(mt) + "/schema"); err != nil {
					return nil, err
				}
			}
			for code := range obj(opv["responses"]) {
				rp := s.deref(mp + "/responses/" + ptrEscape(code))
				resp := oaResponse{content: map[string]*jsonschema.Schema{}, headers: map[string]oaHeader{}}
				for mt := range obj(obj(s.at(rp))["content"]) {
					sch, err := compile(rp + "/content/" + ptrEscape(mt) + "/schema")
					if err != nil {
						return nil, err
					}
					resp.content[strings.ToLower(mt)] = sch
				}
				for name := range obj(obj(s.at(rp))["headers"]) {
					hp := s.deref(rp + "/headers/" + ptrEscape(name))
					sch, err := compile(hp + "/schema")
					if err != nil {
						return nil, err
					}
					required, _ := obj(s.at(hp))["required"].(bool)
					resp.headers[name] = oaHeader{required, sch}
				}
				op[code] = resp
			}
		}
	}
	return s, nil
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }

func ptrEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// at is the value at a JSON pointer of the document (nil if none).
func (s *oaSpec) at(ptr string) any { return jsonAt(s.doc, ptr) }

func jsonAt(v any, ptr string) any {
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// deref follows the Reference Object at ptr, if it is one, to what it
// names (a response, parameter, header or request body of components).
func (s *oaSpec) deref(ptr string) string {
	for range 10 {
		ref, ok := obj(s.at(ptr))["$ref"].(string)
		if !ok {
			return ptr
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return ptr
}

// unresolvedRefs lists the $refs under v that do not name a value of the
// document (only references inside it are allowed).
func unresolvedRefs(doc map[string]any, v any, at string) []string {
	var bad []string
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			if !strings.HasPrefix(ref, "#/") || jsonAt(doc, strings.TrimPrefix(ref, "#")) == nil {
				bad = append(bad, at+": "+ref)
			}
		}
		for k, e := range x {
			bad = append(bad, unresolvedRefs(doc, e, at+"/"+ptrEscape(k))...)
		}
	case []any:
		for i, e := range x {
			bad = append(bad, unresolvedRefs(doc, e, at+"/"+strconv.Itoa(i))...)
		}
	}
	return bad
}

// TestOpenAPIDocumentIsValid: the document is valid OpenAPI 3.1.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	s := openAPI(t)
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi %q, want 3.1", v)
	}
	if err := s.meta.Validate(any(s.doc)); err != nil {
		t.Errorf("document: %v", err)
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
	s := openAPI(t)
	routes := registeredRoutes(t)
	if len(routes) < 25 {
		t.Fatalf("found only %d routes in the source: the reader is broken", len(routes))
	}
	documented := map[route]bool{}
	for path, ops := range s.paths {
		for method := range ops {
			documented[route{method, path}] = true
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
	if doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body)); err != nil {
		t.Fatalf("served JSON: %v", err)
	} else if err := openAPI(t).meta.Validate(doc); err != nil {
		t.Fatalf("served JSON is not an OpenAPI 3.1 document: %v", err)
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
	s := openAPI(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		if op := s.operation(r); op != nil {
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
				if errs := op.check(res.StatusCode, res.Header, body); len(errs) > 0 {
					for _, e := range errs {
						t.Errorf("OpenAPI: %s %s → %d: %s\n body: %.300s", r.Method, r.URL, res.StatusCode, e, body)
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

// operation is the document's operation for the request's method on the
// path template matching its path (of several, the one with the most
// literal segments, as the mux routes), or nil.
func (s *oaSpec) operation(r *http.Request) oaOperation {
	segs := strings.Split(r.URL.Path, "/")
	var best oaOperation
	bestTmpl, bestLit := "", -1
	for tmpl, ops := range s.paths {
		op, ok := ops[r.Method]
		ts := strings.Split(tmpl, "/")
		if !ok || len(ts) != len(segs) {
			continue
		}
		lit := 0
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") && segs[i] != "" {
				continue
			}
			if ts[i] != segs[i] {
				lit = -1
				break
			}
			lit++
		}
		if lit > bestLit || lit == bestLit && tmpl < bestTmpl {
			best, bestTmpl, bestLit = op, tmpl, lit
		}
	}
	return best
}

// check lists what makes a response not one the operation documents: a
// status without a response (by code, range or default), a missing
// required header or a header value against its schema, a content type
// the response does not list, a body not valid for its schema (JSON bodies
// as JSON, others as a string).
func (op oaOperation) check(status int, h http.Header, body []byte) []string {
	resp, ok := op[strconv.Itoa(status)]
	if !ok {
		resp, ok = op[strconv.Itoa(status/100)+"XX"]
	}
	if !ok {
		resp, ok = op["default"]
	}
	if !ok {
		return []string{fmt.Sprintf("status %d is not documented", status)}
	}
	var errs []string
	for name, hd := range resp.headers {
		vs := h.Values(name)
		if hd.required && len(vs) == 0 {
			errs = append(errs, "missing required header "+name)
		}
		for _, v := range vs {
			if hd.schema == nil {
				continue
			}
			if err := hd.schema.Validate(v); err != nil {
				errs = append(errs, fmt.Sprintf("header %s: %v", name, err))
			}
		}
	}
	if len(resp.content) == 0 {
		return errs
	}
	ct := h.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	sch, ok := resp.content[mt]
	if !ok {
		return append(errs, fmt.Sprintf("content type %q is not one of the response's (%s)", ct, strings.Join(slices.Sorted(maps.Keys(resp.content)), ", ")))
	}
	if sch == nil {
		return errs
	}
	var v any = string(body)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		var err error
		if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
			return append(errs, fmt.Sprintf("body is not JSON: %v", err))
		}
	}
	if err := sch.Validate(v); err != nil {
		errs = append(errs, fmt.Sprintf("body: %v", err))
	}
	return errs
}
