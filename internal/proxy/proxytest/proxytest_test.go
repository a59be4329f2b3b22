package proxytest

import (
	"testing"

	"github.com/dockerwatcher/docker-watcher/internal/suitetest"
)

// TestFake: a router that keeps the contract passes the suite.
func TestFake(t *testing.T) { Run(t, factory("")) }

// TestSuiteCatchesBugs runs the suite against fakes that each break the
// contract in one way, and checks that the subtests guarding that part of
// the contract fail.
func TestSuiteCatchesBugs(t *testing.T) {
	// In a child process: the suite against the broken fake that PROXYTEST_FAKE_BUG
	// names, where it must fail.
	suitetest.CatchesBugs(t, "TestSuiteCatchesBugs", "PROXYTEST_FAKE_BUG", []suitetest.Bug{
		{Name: "delete-foreign", MustFail: []string{"ForeignSurvives", "EmptyRemovesOnlyOurs"}},
		{Name: "overwrite-foreign", MustFail: []string{"ForeignSurvives"}},
		{Name: "chatty", MustFail: []string{"Twice", "UpdatesInPlace"}},
		{Name: "forget-deletes", MustFail: []string{"Deletes", "EmptyRemovesOnlyOurs"}},
	}, func(bug string) { Run(t, factory(bug)) })
}
