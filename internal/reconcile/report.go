package reconcile

import "time"

// Line is what a sync did, or would do, with one record.
type Line struct {
	FQDN    string `json:"fqdn"`
	Type    string `json:"type"`
	Content string `json:"content"`
	Action  Action `json:"action"`
	Error   string `json:"error"`
}

// Report is the outcome of a sync or of a dry run.
type Report struct {
	Mode          string    `json:"mode"` // "managed" or "wildcard"
	Provider      string    `json:"provider"`
	ZoneName      string    `json:"zone_name"`
	DryRun        bool      `json:"dry_run"`
	StartedAt     time.Time `json:"started_at"`
	Created       int       `json:"created"`
	Updated       int       `json:"updated"`
	Deleted       int       `json:"deleted"`
	AlreadySynced int       `json:"already_synced"`
	Conflicts     int       `json:"conflicts"`
	Errors        int       `json:"errors"`
	APICalls      int64     `json:"api_calls"`
	DurationMS    int64     `json:"duration_ms"`
	Records       []Line    `json:"records"`
}

// add counts a line and keeps it.
func (r *Report) add(l Line) {
	switch {
	case l.Error != "" && (l.Action == ActCreate || l.Action == ActUpdate || l.Action == ActDelete):
		r.Errors++
		l.Action = ActError
	case l.Action == ActCreate:
		r.Created++
	case l.Action == ActUpdate:
		r.Updated++
	case l.Action == ActDelete:
		r.Deleted++
	case l.Action == ActInSync:
		r.AlreadySynced++
	case l.Action == ActConflict:
		r.Conflicts++
	}
	r.Records = append(r.Records, l)
}
