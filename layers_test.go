package pasched_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The layers of ARCHITECTURE.md, innermost first. A package may import its
// own layer and the layers inside it, never one outside.
const (
	layerDomain   = iota // the root (types, errors) and schedule (pure rules)
	layerStore           // sqlstore and its subpackages
	layerUseCase         // accounts, scheduling, jobs, coverage… and the technology they use
	layerFrontEnd        // api, web and realtime (the WebSocket contract, rendered with api/wire)
	layerMain            // cmd/…: wiring; nothing imports it
)

var layerNames = [...]string{"domain", "store", "use case", "front end", "main"}

// layerOf places a package of the module; internal helpers (internal/…)
// sit with the domain: they import only the standard library.
func layerOf(path string) int {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, "pasched"), "/")
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "", "schedule", "internal":
		return layerDomain
	case "sqlstore":
		return layerStore
	case "api", "web", "realtime":
		return layerFrontEnd
	case "cmd":
		return layerMain
	}
	return layerUseCase
}

// listedPackage is what `go list -deps -json` says of a package.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Module     *struct{ Path string }
	Imports    []string
	Deps       []string
}

// modulePackages lists the module's packages and everything they depend on.
func modulePackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	// Only the fields read here: computing and encoding the rest (files,
	// export data, build IDs) of ~500 packages doubled the command's time.
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Standard,Module,Imports,Deps", "./...")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(&out)
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func ours(p listedPackage) bool { return p.Module != nil && p.Module.Path == "pasched" }

// TestLayers enforces the import graph (tests may cross it; shipped code
// may not): every arrow points inward; schedule and the internal helpers
// depend on the standard library alone; the store knows only the domain;
// no use case reaches a front end; nothing imports a command.
func TestLayers(t *testing.T) {
	pkgs := modulePackages(t)
	checked := 0
	for _, p := range pkgs {
		if !ours(p) {
			continue
		}
		checked++
		from := layerOf(p.ImportPath)
		for _, imp := range p.Imports {
			q, ok := pkgs[imp]
			if !ok || !ours(q) {
				continue
			}
			if to := layerOf(imp); to > from || (to == layerMain) {
				t.Errorf("%s (%s) imports %s (%s): an arrow pointing outward", p.ImportPath, layerNames[from], imp, layerNames[to])
			}
			if from == layerDomain && p.ImportPath != "pasched" && imp != "pasched/schedule" && !strings.HasPrefix(imp, "pasched/internal/") {
				// Inside the domain only the root builds on schedule.
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
		rel := strings.TrimPrefix(p.ImportPath, "pasched/")
		if rel == "schedule" || strings.HasPrefix(rel, "internal/") {
			for _, d := range p.Deps {
				if dp, ok := pkgs[d]; ok && !dp.Standard {
					t.Errorf("%s depends on %s: it may use the standard library only", p.ImportPath, d)
				}
			}
		}
		if from == layerUseCase || from == layerStore || from == layerDomain {
			for _, d := range p.Deps {
				if l := layerOf(d); strings.HasPrefix(d, "pasched/") && l >= layerFrontEnd {
					t.Errorf("%s depends on %s (%s)", p.ImportPath, d, layerNames[l])
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages of the module listed", checked)
	}
}

// TestLayerOf pins the placement of each kind of package.
func TestLayerOf(t *testing.T) {
	for path, want := range map[string]int{
		"pasched": layerDomain, "pasched/schedule": layerDomain, "pasched/internal/python": layerDomain,
		"pasched/sqlstore": layerStore, "pasched/sqlstore/sqltest": layerStore,
		"pasched/accounts": layerUseCase, "pasched/scheduling": layerUseCase, "pasched/jobs": layerUseCase,
		"pasched/realtime": layerFrontEnd, "pasched/schedulex": layerUseCase,
		"pasched/api": layerFrontEnd, "pasched/api/wire": layerFrontEnd, "pasched/web": layerFrontEnd,
		"pasched/cmd/pasched": layerMain, "pasched/cmd/wsload": layerMain,
	} {
		if got := layerOf(path); got != want {
			t.Errorf("layerOf(%s) = %s, want %s", path, layerNames[got], layerNames[want])
		}
	}
}
