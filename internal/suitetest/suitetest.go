// Package suitetest checks that a conformance suite catches bugs: each
// broken fake runs the suite in a child test process, where it must fail
// in the subtests that guard the broken part of the contract. Tests only.
package suitetest

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Bug is a broken fake and the subtests of the suite that must fail on it.
type Bug struct {
	Name     string
	MustFail []string // subtest paths below the test, e.g. "Batch/Applies"
}

// CatchesBugs is called first thing by the test named test. In the child
// process (env names the bug) it runs the suite with run and returns true:
// the caller then returns. Otherwise it starts one child per bug and checks
// which subtests failed, and returns false.
func CatchesBugs(t *testing.T, test, env string, bugs []Bug, run func(bug string)) (child bool) {
	if bug := os.Getenv(env); bug != "" {
		run(bug)
		return true
	}
	failLine := regexp.MustCompile(`--- FAIL: ` + regexp.QuoteMeta(test) + `/(\S+)`)
	for _, b := range bugs {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), env+"="+b.Name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a fake with bug %q", b.Name)
			}
			failed := map[string]bool{}
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed[m[1]] = true
			}
			if len(failed) == 0 {
				t.Fatalf("child failed without a failing subtest: %v\n%s", err, out)
			}
			for _, name := range b.MustFail {
				if !failed[name] {
					t.Errorf("bug %q: subtest %s did not fail", b.Name, name)
				}
			}
			var top []string
			for name := range failed {
				if !strings.Contains(name, "/") {
					top = append(top, name)
				}
			}
			slices.Sort(top)
			t.Logf("bug %q fails: %s", b.Name, strings.Join(top, ", "))
		})
	}
	return false
}
