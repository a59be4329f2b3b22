package docker

import "testing"

func TestNextProgressCarriesThePull(t *testing.T) {
	pulling := Progress{Step: StepPulling, Current: 5, Total: 10}
	for _, c := range []struct {
		name       string
		prev, step Progress
		pulled     bool
	}{
		{"a first step: nothing pulled yet", Progress{}, Progress{Step: StepCreating}, false},
		{"the pull itself", Progress{}, pulling, false},
		{"the step after a pull, however short", pulling, Progress{Step: StepCreating}, true},
		{"carried to the end", Progress{Step: StepRouting, Pulled: true}, Progress{Step: StepDone}, true},
		{"carried to a failure", Progress{Step: StepHealth, Pulled: true}, Progress{Step: StepFailed}, true},
		{"the engine had the image", Progress{Step: StepCreating}, Progress{Step: StepStarting}, false},
		{"a new rollout after done starts afresh", Progress{Step: StepDone, Pulled: true}, Progress{Step: StepCreating}, false},
		{"a new rollout after a failure starts afresh", Progress{Step: StepFailed, Pulled: true}, Progress{Step: StepCreating}, false},
	} {
		if got := nextProgress(c.prev, c.step); got.Pulled != c.pulled || got.Step != c.step.Step || got.Current != c.step.Current {
			t.Errorf("%s: nextProgress(%+v, %+v) = %+v, want pulled %v", c.name, c.prev, c.step, got, c.pulled)
		}
	}
}
