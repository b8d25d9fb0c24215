package platform

import (
	"context"
	"time"
)

// Job is one durable job as admins see it (GET system/job): a queued event script's run,
// its state in the queue, its attempts and the error of each failed attempt. It carries no
// event data and no credentials.
type Job struct {
	ID          int        `json:"id"`
	Kind        string     `json:"kind"`   // "queued_script"
	Script      string     `json:"script"` // the event script's name, "….queued"
	State       string     `json:"state"`  // one of JobStates
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error"` // the error of the latest failed attempt, "" if none
	Errors      []JobError `json:"errors"`     // every failed attempt, oldest first
	CreatedAt   time.Time  `json:"created_at"`
	ScheduledAt time.Time  `json:"scheduled_at"` // when it runs (again)
	AttemptedAt *time.Time `json:"attempted_at"`
	FinalizedAt *time.Time `json:"finalized_at"` // completed, cancelled or discarded
}

// JobError is the error of one failed attempt.
type JobError struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
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
