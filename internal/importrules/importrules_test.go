package importrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestModuleFollowsTheRules checks the module's own packages, as
// `go list -deps` sees them (the binary's code, not the tests').
func TestModuleFollowsTheRules(t *testing.T) {
	module, g := moduleGraph(t)
	for _, want := range []string{"/cmd/docker-watcher", "/internal/app", "/internal/store", "/internal/model", "/internal/dns/cloudflare"} {
		if _, ok := g[module+want]; !ok {
			t.Fatalf("go list did not list %s%s: the graph is not the module's", module, want)
		}
	}
	if len(g[module+"/cmd/docker-watcher"]) == 0 {
		t.Fatalf("the binary imports nothing: the graph has no edges")
	}
	for _, name := range Unmatched(module, g, Rules) {
		t.Errorf("the rule %q matches no package: did a package move?", name)
	}
	for _, v := range Check(module, g, Rules) {
		t.Errorf("%s", v)
	}
}

// moduleGraph returns the module path and the import graph of every
// package of the module and of everything they depend on.
func moduleGraph(t *testing.T) (string, Graph) {
	t.Helper()
	// This package's module, and its root, from which "./..." is every
	// package of the module.
	self, err := exec.CommandContext(t.Context(), "go", "list", "-f", "{{.Module.Path}}\n{{.Module.Dir}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", stderr(err))
	}
	module, root, _ := strings.Cut(strings.TrimSpace(string(self)), "\n")
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-json=ImportPath,Imports", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", stderr(err))
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("reading go list's output: %v", err)
		}
		g[p.ImportPath] = p.Imports
	}
	return module, g
}

// stderr adds what the go command said to its error.
func stderr(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return errors.New(err.Error() + ": " + strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}
