package reconcile

import (
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// A stopped instance keeps its record for the grace period, so a restart
// causes no churn; after it, the record goes. A removed instance loses it
// at once.
func TestStoppedInstanceGracePeriod(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	w.r.now = func() time.Time { return now }
	w.settings(func(s *model.Settings) { s.DNSDeleteGraceSeconds = 600 })
	app := model.App{Name: "web", Image: "docker.io/library/nginx", TagPattern: "latest", ContainerPort: 80}
	if err := w.st.CreateApp(t.Context(), &app); err != nil {
		t.Fatal(err)
	}
	web := model.Instance{AppID: app.ID, Tag: "latest", Subdomain: "web", Status: model.StatusRunning, ProxyRouteID: 1}
	api := model.Instance{AppID: app.ID, Tag: "latest", Subdomain: "api", Status: model.StatusRunning, ProxyRouteID: 2}
	for _, in := range []*model.Instance{&web, &api} {
		if err := w.st.CreateInstance(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	if rep := w.sync(); rep.Created != 2 {
		t.Fatalf("first sync %+v", rep)
	}
	if err := w.st.SetInstanceStatus(t.Context(), web.ID, model.StatusStopped, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.st.DeleteInstance(t.Context(), api.ID); err != nil {
		t.Fatal(err)
	}
	rep := w.sync()
	if rep.Deleted != 1 || rep.AlreadySynced != 1 {
		t.Fatalf("within the grace period: %+v", rep)
	}
	if _, ok := w.records()["A web.example.com"]; !ok {
		t.Fatal("the stopped instance lost its record within the grace period")
	}
	view, err := w.r.Records(t.Context(), Filter{})
	if err != nil || len(view.Records) != 1 || view.Records[0].State != StateGrace {
		t.Fatalf("records view %+v, %v", view.Records, err)
	}
	if g := w.r.nextGraceEnd(t.Context()); g.IsZero() || g.Before(now.Add(9*time.Minute)) {
		t.Fatalf("next grace end %v", g)
	}
	now = now.Add(11 * time.Minute)
	if rep := w.sync(); rep.Deleted != 1 {
		t.Fatalf("after the grace period: %+v", rep)
	}
	if len(w.records()) != 0 {
		t.Fatalf("records left: %v", w.records())
	}
}
