package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed templates
var templateFS embed.FS

// pages are the parsed templates: every page is the layout and the
// partials plus its own file, parsed once at start.
type pages struct {
	byName map[string]*template.Template
}

// parsed returns the embedded static files and templates, read, hashed and
// parsed by the first call of the process. Both are read-only once built
// (html/template executes concurrently), so every Server shares them: a
// process that builds several (the tests build one per test) pays for
// gzip and template parsing once.
var parsed = sync.OnceValues(func() (parsedFiles, error) {
	a, err := loadAssets()
	if err != nil {
		return parsedFiles{}, err
	}
	p, err := parsePages(a)
	return parsedFiles{a, p}, err
})

type parsedFiles struct {
	assets *assets
	pages  *pages
}

func parsePages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.URL,
		"field": newField,
		"withOptions": func(f Field, opts []Option) Field {
			f.Options = opts
			return f
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
	for k, v := range consoleFuncs {
		funcs[k] = v
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web templates: %w", err)
		}
		p.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes page name with v and status. The page is rendered to a
// buffer first, so a template error becomes a clean 500, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *View) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	s.complete(w, r, v)
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", v); err != nil {
		if name == "error" {
			// The error page itself failed: plain text, still with the id.
			http.Error(w, "Something went wrong. Incident "+v.IncidentID, http.StatusInternalServerError)
			return
		}
		s.serverError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}
