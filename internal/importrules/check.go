package importrules

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Graph maps an import path to the import paths it imports directly.
type Graph map[string][]string

// A Violation is one package of a rule's From that reaches a forbidden
// package, with the chain of imports that leads there.
type Violation struct {
	Rule  string
	Chain []string // From package first, forbidden package last
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s", v.Rule, strings.Join(v.Chain, " → "))
}

// Check returns every violation of rules in g, whose module is module, in
// a stable order: for each rule and each package it is about, the first
// forbidden package of every import chain (found breadth-first, so the
// chain shown is a shortest one).
func Check(module string, g Graph, rules []Rule) []Violation {
	var out []Violation
	for _, r := range rules {
		for _, from := range matching(module, g, r.From) {
			for _, chain := range forbiddenChains(module, g, from, r.Forbid) {
				out = append(out, Violation{Rule: r.Name, Chain: chain})
			}
		}
	}
	return out
}

// Unmatched returns the names of the rules that are not marked Future and
// whose From matches no package of g: a rule that checks nothing, for
// instance after a package moved.
func Unmatched(module string, g Graph, rules []Rule) []string {
	var out []string
	for _, r := range rules {
		if !r.Future && len(matching(module, g, r.From)) == 0 {
			out = append(out, r.Name)
		}
	}
	return out
}

// matching returns the packages of g that any of patterns names, sorted.
func matching(module string, g Graph, patterns []string) []string {
	var out []string
	for p := range g {
		if matchAny(module, patterns, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// forbiddenChains walks the dependencies of from breadth-first and returns
// a chain to every forbidden package it reaches, without walking further
// through a forbidden one (its own dependencies are its rule's business).
func forbiddenChains(module string, g Graph, from string, forbid []string) [][]string {
	parent := map[string]string{from: ""}
	queue := []string{from}
	var out [][]string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		imports := slices.Clone(g[p])
		slices.Sort(imports)
		for _, imp := range imports {
			if _, seen := parent[imp]; seen {
				continue
			}
			parent[imp] = p
			if matchAny(module, forbid, imp) {
				out = append(out, chainTo(parent, imp))
				continue
			}
			queue = append(queue, imp)
		}
	}
	return out
}

func chainTo(parent map[string]string, p string) []string {
	var chain []string
	for ; p != ""; p = parent[p] {
		chain = append(chain, p)
	}
	slices.Reverse(chain)
	return chain
}

func matchAny(module string, patterns []string, importPath string) bool {
	return slices.ContainsFunc(patterns, func(pat string) bool { return match(module, pat, importPath) })
}

// match reports whether pattern (see Rule) names importPath.
func match(module, pattern, importPath string) bool {
	if rel, ok := strings.CutPrefix(pattern, "./"); ok {
		inModule := importPath == module || strings.HasPrefix(importPath, module+"/")
		if !inModule {
			return false
		}
		if name, ok := strings.CutPrefix(rel, ".../"); ok {
			ok, _ := path.Match(name, path.Base(importPath))
			return ok
		}
		pattern = module + "/" + rel
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return importPath == base || strings.HasPrefix(importPath, base+"/")
	}
	return importPath == pattern
}
