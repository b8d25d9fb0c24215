package platform

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Job is one durable job as admins see it (GET system/job, GraphQL scriptJobs): a queued
// event script's run, its state in the queue, its attempts and the error of each failed
// attempt. It carries no event data and no credentials.
type Job struct {
	ID          int
	Kind        string // "queued_script"
	Script      string // the event script's name, "….queued"
	State       string // one of JobStates
	Attempt     int
	MaxAttempts int
	LastError   string     // the error of the latest failed attempt, "" if none
	Errors      []JobError // every failed attempt, oldest first
	CreatedAt   time.Time
	ScheduledAt time.Time // when it runs (again)
	AttemptedAt *time.Time
	FinalizedAt *time.Time // completed, cancelled or discarded
}

// JobError is the error of one failed attempt.
type JobError struct {
	Attempt int
	At      time.Time
	Error   string
}

// JobStates are the states a job can be in, as River names them: a job waits (available,
// scheduled, pending), runs (running), waits for its next attempt after a failure
// (retryable), and ends completed, cancelled, or discarded once its attempts are exhausted
// (the dead letters, kept for inspection and retry).
var JobStates = []string{"available", "cancelled", "completed", "discarded", "pending", "retryable", "running", "scheduled"}

// JobFilter selects jobs: by state and script name when set, newest first, Limit from Offset.
type JobFilter struct {
	State  string
	Script string
	Limit  int
	Offset int
}

// JobFilterOf reads a job listing's parameters — state, script, limit (alias top) and offset
// (alias skip) — with the limit capped at Config.MaxRecords. An unknown state or a malformed
// number is a 400.
func (p *Platform) JobFilterOf(req *Request) (JobFilter, error) {
	f := JobFilter{Limit: p.Config.MaxRecords}
	f.State, _ = req.Param("state")
	f.State = strings.ToLower(strings.TrimSpace(f.State))
	if f.State != "" && !slices.Contains(JobStates, f.State) {
		return f, BadRequest("Invalid state '%s': use one of %s.", f.State, strings.Join(JobStates, ", "))
	}
	f.Script, _ = req.Param("script")
	f.Script = strings.TrimSpace(f.Script)
	if v, ok := req.Param("limit", "top"); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return f, BadRequest("Invalid limit '%s': send a whole number.", v)
		}
		if n > 0 && n < f.Limit {
			f.Limit = n
		}
	}
	if v, ok := req.Param("offset", "skip"); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return f, BadRequest("Invalid offset '%s': send a whole number of zero or more.", v)
		}
		f.Offset = n
	}
	return f, nil
}

// ListJobs lists jobs for f, or none when the platform has no queue.
func (p *Platform) ListJobs(ctx context.Context, f JobFilter) ([]Job, error) {
	if p.Config.Jobs == nil {
		return []Job{}, nil
	}
	return p.Config.Jobs.ListJobs(ctx, f)
}

// Jobs is the durable job queue's admin side (the system service's job resource). The queue
// lives outside platform (package jobs, on River), so that platform never depends on it.
//
// GetJob, CancelJob and RetryJob return a *Error with status 404 for an unknown id. CancelJob
// leaves a finished job as it is and marks a running one for cancellation; RetryJob makes a
// job that is not running available at once, with one more attempt if it had used them all.
// Implementations are safe for concurrent use.
type Jobs interface {
	ListJobs(ctx context.Context, f JobFilter) ([]Job, error)
	GetJob(ctx context.Context, id int) (*Job, error)
	CancelJob(ctx context.Context, id int) (*Job, error)
	RetryJob(ctx context.Context, id int) (*Job, error)
}

// Jobs returns the platform's job queue, or nil when this server has none (scripts replaced
// by a test recorder).
func (p *Platform) Jobs() Jobs { return p.Config.Jobs }
