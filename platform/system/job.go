package system

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/apiary/apiary/platform"
)

// jobs is system/job, an Apiary extension: the durable job queue of queued event scripts.
//
//	GET    system/job[?state=&script=&limit=&offset=]  newest first, {"resource":[…]}
//	GET    system/job/{id}
//	DELETE system/job/{id}                             cancel (a finished job is left as it is)
//	PATCH  system/job/{id}  {"state":"available"}      retry now (PUT is the same)
//
// Access is the system service's, component "job", like the other system resources.
func (s *System) jobs(ctx context.Context, req *platform.Request, key string) (*platform.Response, error) {
	q := s.p.Jobs()
	if key == "" {
		if req.Method != http.MethodGet {
			return nil, platform.BadRequest("%s requests for resource 'job' are not currently supported by the 'system' service; address one job as job/{id}.", req.Method)
		}
		f, err := s.p.JobFilterOf(req)
		if err != nil {
			return nil, err
		}
		list, err := s.p.ListJobs(ctx, f)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(list))
		for i, j := range list {
			out[i] = jobRecord(j)
		}
		return platform.OK(platform.Wrap(out)), nil
	}
	id, err := strconv.Atoi(key)
	if err != nil || id <= 0 || q == nil {
		return nil, platform.NotFound("Record with identifier '%s' not found.", key)
	}
	var j *platform.Job
	switch req.Method {
	case http.MethodGet:
		j, err = q.GetJob(ctx, id)
	case http.MethodDelete:
		j, err = q.CancelJob(ctx, id)
	case http.MethodPatch, http.MethodPut:
		rec, rerr := platform.Record(req.Payload)
		if rerr != nil {
			return nil, rerr
		}
		if st, _ := rec["state"].(string); st != "available" || len(rec) != 1 {
			return nil, platform.BadRequest(`A job can only be retried: send {"state": "available"}.`)
		}
		j, err = q.RetryJob(ctx, id)
	default:
		return nil, platform.BadRequest("%s requests for resource 'job' are not currently supported by the 'system' service.", req.Method)
	}
	if err != nil {
		return nil, err
	}
	return platform.OK(jobRecord(*j)), nil
}

// jobRecord is a job as REST shows it: snake_case fields, times in DreamFactory's format (UTC),
// null for times not reached yet.
func jobRecord(j platform.Job) map[string]any {
	errs := make([]any, len(j.Errors))
	for i, e := range j.Errors {
		errs[i] = map[string]any{"attempt": e.Attempt, "at": date(e.At), "error": e.Error}
	}
	return map[string]any{"id": j.ID, "kind": j.Kind, "script": j.Script, "state": j.State,
		"attempt": j.Attempt, "max_attempts": j.MaxAttempts, "last_error": j.LastError, "errors": errs,
		"created_at": date(j.CreatedAt), "scheduled_at": date(j.ScheduledAt),
		"attempted_at": optDate(j.AttemptedAt), "finalized_at": optDate(j.FinalizedAt)}
}

func date(t time.Time) string { return t.UTC().Format(platform.DateFormat) }

func optDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return date(*t)
}
