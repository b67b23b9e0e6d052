package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, USER, ...
	args string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// TestDockerfile lints the image recipe for what operators rely on: a
// multi-stage build of a static binary, a non-root user, the /data volume
// and a HEALTHCHECK that uses the binary's own health check (the runtime
// image has no shell and no curl).
func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t, "../../Dockerfile")
	var froms, users, health, volumes, runs []string
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "USER":
			users = append(users, in.args)
		case "HEALTHCHECK":
			health = append(health, in.args)
		case "VOLUME":
			volumes = append(volumes, in.args)
		case "RUN":
			runs = append(runs, in.args)
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, got FROM %v", froms)
	}
	if !slices.ContainsFunc(runs, func(r string) bool {
		return strings.Contains(r, "CGO_ENABLED=0") && strings.Contains(r, "go build") && strings.Contains(r, "./cmd/pasched")
	}) {
		t.Error("no static (CGO_ENABLED=0) go build of ./cmd/pasched")
	}
	// The user in force at the end is the one the container runs as.
	if len(users) == 0 {
		t.Fatal("no USER: the container would run as root")
	}
	last := users[len(users)-1]
	name, _, _ := strings.Cut(last, ":")
	if name == "root" || name == "0" || name == "" {
		t.Errorf("final USER %q is root", last)
	}
	if len(health) != 1 {
		t.Fatalf("want one HEALTHCHECK, got %v", health)
	}
	hc := health[0]
	if strings.HasPrefix(hc, "NONE") || !strings.Contains(hc, "CMD") {
		t.Errorf("HEALTHCHECK %q runs nothing", hc)
	}
	if !regexp.MustCompile(`"?/usr/local/bin/pasched"?,?\s+"?healthcheck"?`).MatchString(hc) {
		t.Errorf("HEALTHCHECK %q does not run `pasched healthcheck`", hc)
	}
	if _, ok := opsCommands["healthcheck"]; !ok {
		t.Error("the binary has no healthcheck command for the HEALTHCHECK to run")
	}
	if !slices.ContainsFunc(volumes, func(v string) bool { return strings.Contains(v, "/data") }) {
		t.Errorf("no /data volume, got %v", volumes)
	}
	var env string
	for _, in := range ins {
		if in.cmd == "ENV" {
			env += in.args + " "
		}
	}
	if !strings.Contains(env, "DATABASE_URL=sqlite:////data/") {
		t.Errorf("the default database is not in /data: ENV %s", env)
	}
}

// TestComposeFile checks that compose.yaml runs two instances on
// PostgreSQL, each on its own published port, sharing one SECRET_KEY.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"image: postgres:", "DATABASE_URL: postgres://", "SECRET_KEY:", "app1:", "app2:", `"8001:8000"`, `"8002:8000"`} {
		if !strings.Contains(s, want) {
			t.Errorf("compose.yaml lacks %q", want)
		}
	}
}
