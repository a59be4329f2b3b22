package proxytest

import (
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFake: a router that keeps the contract passes the suite.
func TestFake(t *testing.T) { Run(t, factory("")) }

// TestSuiteCatchesBugs runs the suite against fakes that each break the
// contract in one way, and checks that the subtests guarding that part of
// the contract fail.
func TestSuiteCatchesBugs(t *testing.T) {
	// In a child process started below: the suite against the broken fake
	// that PROXYTEST_FAKE_BUG names, where it must fail.
	if bug := os.Getenv("PROXYTEST_FAKE_BUG"); bug != "" {
		Run(t, factory(bug))
		return
	}
	if testing.Short() {
		t.Skip("runs the suite in child processes")
	}
	tests := []struct {
		bug      string
		mustFail []string // subtests of Run
	}{
		{"delete-foreign", []string{"ForeignSurvives", "EmptyRemovesOnlyOurs"}},
		{"overwrite-foreign", []string{"ForeignSurvives"}},
		{"chatty", []string{"Twice", "UpdatesInPlace"}},
		{"forget-deletes", []string{"Deletes", "EmptyRemovesOnlyOurs"}},
	}
	failLine := regexp.MustCompile(`--- FAIL: TestSuiteCatchesBugs/(\S+)`)
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSuiteCatchesBugs$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "PROXYTEST_FAKE_BUG="+tt.bug)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a fake with bug %q", tt.bug)
			}
			failed := map[string]bool{}
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed[m[1]] = true
			}
			if len(failed) == 0 {
				t.Fatalf("child failed without a failing subtest: %v\n%s", err, out)
			}
			for _, name := range tt.mustFail {
				if !failed[name] {
					t.Errorf("bug %q: subtest %s did not fail", tt.bug, name)
				}
			}
			t.Logf("bug %q fails: %s", tt.bug, strings.Join(slices.Sorted(maps.Keys(failed)), ", "))
		})
	}
}
