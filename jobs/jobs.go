// Package jobs is Apiary's durable job queue: queued event scripts ("….queued") run as River
// jobs stored in the platform's own database — the embedded SQLite file (River's SQLite
// driver, sharing ent's connection pool) or PostgreSQL (River's pgx driver on a pool of its
// own). River's migrations run at Open; re-running them is a no-op.
//
// A queued script is one job of kind "queued_script" whose arguments are the script's name,
// the event it sees and a reference to the caller (platform.SessionRef: user and app ids).
// Nothing secret is stored: the credentials the caller presented (the Authorization,
// X-DreamFactory-Session-Token, X-DreamFactory-API-Key and Cookie headers; the api_key and
// session_token parameters) are dropped, and values under the event journal's secret keys
// (password, session_token, api_key, dsn, …) are masked, as the journal masks them. When the
// job runs, the caller's session is rebuilt from the current data (platform.RestoreSession),
// so the platform.api calls of the script are checked against the caller's role as it is then.
//
// A run that fails (the script threw or hit a limit) is retried with River's backoff
// (attempt⁴ seconds: 1 s, 16 s, 81 s, …) up to MaxAttempts attempts; then the job is
// discarded — dead-lettered — and kept, with the error of each attempt, for 7 days. Admins
// see jobs through platform.Jobs (GET /api/v2/system/job, GraphQL scriptJobs), and may cancel
// or retry them. A job enqueued before a crash or a stop runs after the next start; one that
// was running when a node died is rescued after an hour (River's RescueStuckJobsAfter).
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/apiary/apiary/platform"
)

// KindQueuedScript is the River job kind of a queued event script.
const KindQueuedScript = "queued_script"

// queueName is the River queue the scripts run on.
const queueName = "queued_scripts"

// Config configures the queue. Zero values take the defaults noted.
type Config struct {
	// Dialect is the platform database's: dialect.SQLite or dialect.Postgres.
	Dialect string
	// DB is the platform's SQLite database; River shares it (and ent's pool).
	DB *sql.DB
	// DSN is the platform's PostgreSQL URL; River opens a pool of its own on it.
	DSN string
	// MaxAttempts is how many times a script runs before its job is discarded (default 5).
	MaxAttempts int
	// Workers is how many jobs this node runs at once (default 10); below zero the node only
	// enqueues and lists jobs, and other nodes (or its next start) run them.
	Workers int
	// JobTimeout cancels a run that takes longer (default 2 minutes; the script's own time
	// budget normally ends it first).
	JobTimeout time.Duration
	// RetryDelay, when set, replaces River's backoff: the wait before attempt n+1 after n
	// failed attempts. Tests shorten it.
	RetryDelay func(attempts int) time.Duration
	// PollInterval is how often workers look for jobs that became due, such as retries
	// (default River's 1 s); new jobs are noticed sooner.
	PollInterval time.Duration
	Logger       *slog.Logger
}

// RunFunc runs the queued script name on its event data as the session's caller; an error
// means the attempt failed and is retried (scripting.Engine.RunQueued).
type RunFunc func(ctx context.Context, name string, data map[string]any, s *platform.Session) error

// client is what the queue uses of a River client, whatever its driver's transaction type.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Queue is the durable queue of queued scripts. Open it, Attach the platform and the run
// function, Start it; Stop it before the platform's database closes. It implements
// scripting.Queue and platform.Jobs, and is safe for concurrent use.
type Queue struct {
	cfg    Config
	client client
	pool   *pgxpool.Pool // PostgreSQL only
	log    *slog.Logger

	mu      sync.RWMutex
	p       *platform.Platform
	run     RunFunc
	started bool
}

// Open migrates River's tables in the platform database and builds the queue (not started).
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Workers == 0 {
		cfg.Workers = 10
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	q := &Queue{cfg: cfg, log: cfg.Logger}
	rc := q.riverConfig()
	var err error
	switch cfg.Dialect {
	case dialect.SQLite:
		if cfg.DB == nil {
			return nil, errors.New("jobs: the SQLite queue needs the platform's *sql.DB")
		}
		q.client, err = newClient(ctx, riversqlite.New(cfg.DB), rc, nil)
	case dialect.Postgres:
		q.pool, err = pgxpool.New(ctx, cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("jobs: connecting to PostgreSQL: %w", err)
		}
		q.client, err = newClient(ctx, riverpgxv5.New(q.pool), rc, q.migrationLock)
	default:
		return nil, fmt.Errorf("jobs: unsupported dialect %q", cfg.Dialect)
	}
	if err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

// riverConfig is the River client configuration: one queue of Workers workers (none for an
// enqueue-only node), MaxAttempts, and the retry policy.
func (q *Queue) riverConfig() *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{q: q})
	rc := &river.Config{
		Workers:                     workers,
		MaxAttempts:                 q.cfg.MaxAttempts,
		JobTimeout:                  q.cfg.JobTimeout,
		RescueStuckJobsAfter:        q.cfg.JobTimeout + time.Hour,
		FetchPollInterval:           q.cfg.PollInterval,
		DiscardedJobRetentionPeriod: 7 * 24 * time.Hour,
		Logger:                      q.log,
	}
	if q.cfg.Workers > 0 {
		rc.Queues = map[string]river.QueueConfig{queueName: {MaxWorkers: q.cfg.Workers}}
	}
	if q.cfg.RetryDelay != nil {
		rc.RetryPolicy = retryPolicy(q.cfg.RetryDelay)
	}
	return rc
}

// newClient runs River's migrations (under lock, when given) and builds the client.
func newClient[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], rc *river.Config, lock func(context.Context, func() error) error) (client, error) {
	migrate := func() error {
		m, err := rivermigrate.New(drv, nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
	if lock == nil {
		lock = func(_ context.Context, fn func() error) error { return fn() }
	}
	if err := lock(ctx, migrate); err != nil {
		return nil, fmt.Errorf("jobs: migrating River's tables: %w", err)
	}
	c, err := river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return c, nil
}

// migrationLock runs fn holding a PostgreSQL advisory lock, so that nodes starting together
// migrate one after the other.
func (q *Queue) migrationLock(ctx context.Context, fn func() error) error {
	conn, err := q.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	const key = 0x61706961727921 // "apiary!"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(key)); err != nil {
		return err
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(key)) }()
	return fn()
}

// Attach gives the queue the platform (to restore callers' sessions) and the function that
// runs a script. Call it before Start.
func (q *Queue) Attach(p *platform.Platform, run RunFunc) {
	q.mu.Lock()
	q.p, q.run = p, run
	q.mu.Unlock()
}

// Start starts the workers; on an enqueue-only node (Workers < 0) it does nothing.
func (q *Queue) Start(ctx context.Context) error {
	if q.cfg.Workers < 0 {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.p == nil || q.run == nil {
		return errors.New("jobs: Start before Attach")
	}
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: starting the workers: %w", err)
	}
	q.started = true
	return nil
}

// Stop stops taking jobs and waits for the running ones until ctx ends; then their contexts
// are cancelled (their attempts fail and are retried later) and Stop waits up to 5 s more.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	started := q.started
	q.started = false
	q.mu.Unlock()
	if !started {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	q.log.Warn("queued scripts still running at shutdown: cancelling them", "err", err)
	hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return q.client.StopAndCancel(hard)
}

// Close releases the PostgreSQL pool. Call it after Stop.
func (q *Queue) Close() {
	if q.pool != nil {
		q.pool.Close()
	}
}

// scriptArgs are a queued script job's arguments.
type scriptArgs struct {
	Script  string              `json:"script"`
	Event   map[string]any      `json:"event"`
	Session platform.SessionRef `json:"session"`
}

// Kind is the job kind (river.JobArgs).
func (scriptArgs) Kind() string { return KindQueuedScript }

// InsertOpts puts the jobs on the scripts' queue.
func (scriptArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueName} }

// Enqueue stores a run of the queued script for the caller of s (scripting.Queue). The event
// is stored without credentials or secrets (see the package comment). The insert outlives a
// cancelled request (up to 10 s): the response is final when queued scripts are enqueued.
func (q *Queue) Enqueue(ctx context.Context, script string, event map[string]any, s *platform.Session) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	args := scriptArgs{Script: script, Event: storable(event), Session: s.Ref()}
	if _, err := q.client.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("enqueueing %s: %w", script, err)
	}
	return nil
}

// credentialParams carry the caller's credentials; they are not stored, nor are headers that
// look like credentials (credentialHeader).
var credentialParams = []string{"api_key", "session_token"}

// credentialHeader reports whether a header may carry a credential or secret: the
// Authorization headers, cookies, and any header naming a key, token, secret or password.
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	for _, part := range []string{"authorization", "cookie", "key", "token", "secret", "password", "session"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// storable is a copy of event without the caller's credentials and with secrets masked.
func storable(event map[string]any) map[string]any {
	out, _ := platform.RedactSecrets(event).(map[string]any)
	if out == nil {
		return map[string]any{}
	}
	if req, ok := out["request"].(map[string]any); ok {
		if h, ok := req["headers"].(map[string]any); ok {
			for k := range h {
				if credentialHeader(k) {
					delete(h, k)
				}
			}
		}
		// The raw body holds what the payload's redaction masked: it is stored as the
		// redacted payload's JSON instead.
		if _, has := req["content"]; has {
			req["content"] = ""
			if p := req["payload"]; p != nil {
				if b, err := json.Marshal(p); err == nil {
					req["content"] = string(b)
				}
			}
		}
		if p, ok := req["parameters"].(map[string]any); ok {
			for _, c := range credentialParams {
				delete(p, c)
			}
		}
	}
	return out
}

// worker runs queued script jobs.
type worker struct {
	river.WorkerDefaults[scriptArgs]
	q *Queue
}

// Work restores the caller's session and runs the script; an error fails the attempt.
func (w *worker) Work(ctx context.Context, job *river.Job[scriptArgs]) error {
	w.q.mu.RLock()
	p, run := w.q.p, w.q.run
	w.q.mu.RUnlock()
	sess, err := p.RestoreSession(ctx, job.Args.Session)
	if err != nil {
		return fmt.Errorf("restoring the caller's session: %w", err)
	}
	event := job.Args.Event
	if event == nil {
		event = map[string]any{}
	}
	return run(ctx, job.Args.Script, event, sess)
}

// retryPolicy waits delay(attempts) after a failed attempt.
type retryPolicy func(attempts int) time.Duration

// NextRetry is when the job runs again (river.ClientRetryPolicy).
func (r retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().UTC().Add(r(len(job.Errors) + 1))
}

// ListJobs lists queued script jobs, newest first (platform.Jobs).
func (q *Queue) ListJobs(ctx context.Context, f platform.JobFilter) ([]platform.Job, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	// River lists by cursor, not offset: read offset+limit rows and skip the offset.
	params := river.NewJobListParams().Kinds(KindQueuedScript).OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		First(min(f.Offset+f.Limit, 10000))
	if f.State != "" {
		params = params.States(rivertype.JobState(f.State))
	}
	if f.Script != "" {
		expr := "json_extract(args, '$.script') = @script"
		if q.cfg.Dialect == dialect.Postgres {
			expr = "args->>'script' = @script"
		}
		params = params.Where(expr, river.NamedArgs{"script": f.Script})
	}
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return nil, platform.Internal(err)
	}
	rows := res.Jobs
	if f.Offset >= len(rows) {
		return []platform.Job{}, nil
	}
	rows = rows[f.Offset:]
	out := make([]platform.Job, 0, len(rows))
	for _, r := range rows {
		out = append(out, jobOf(r))
	}
	return out, nil
}

// GetJob returns one job (platform.Jobs).
func (q *Queue) GetJob(ctx context.Context, id int) (*platform.Job, error) {
	return q.one(ctx, id, q.client.JobGet)
}

// CancelJob cancels a job (platform.Jobs).
func (q *Queue) CancelJob(ctx context.Context, id int) (*platform.Job, error) {
	if _, err := q.GetJob(ctx, id); err != nil { // 404 for jobs of other kinds
		return nil, err
	}
	return q.one(ctx, id, q.client.JobCancel)
}

// RetryJob makes a job available now (platform.Jobs).
func (q *Queue) RetryJob(ctx context.Context, id int) (*platform.Job, error) {
	if _, err := q.GetJob(ctx, id); err != nil {
		return nil, err
	}
	return q.one(ctx, id, q.client.JobRetry)
}

// one runs a single-job operation and maps River's errors; only queued script jobs are shown.
func (q *Queue) one(ctx context.Context, id int, op func(context.Context, int64) (*rivertype.JobRow, error)) (*platform.Job, error) {
	row, err := op(ctx, int64(id))
	if errors.Is(err, river.ErrNotFound) || (err == nil && row.Kind != KindQueuedScript) {
		return nil, platform.NotFound("Record with identifier '%d' not found.", id)
	}
	if err != nil {
		return nil, platform.Internal(err)
	}
	j := jobOf(row)
	return &j, nil
}

// jobOf is the admin view of a job row.
func jobOf(r *rivertype.JobRow) platform.Job {
	var args struct {
		Script string `json:"script"`
	}
	_ = json.Unmarshal(r.EncodedArgs, &args)
	j := platform.Job{ID: int(r.ID), Kind: r.Kind, Script: args.Script, State: string(r.State), Attempt: r.Attempt,
		MaxAttempts: r.MaxAttempts, CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt,
		AttemptedAt: r.AttemptedAt, FinalizedAt: r.FinalizedAt, Errors: make([]platform.JobError, len(r.Errors))}
	for i, e := range r.Errors {
		j.Errors[i] = platform.JobError{Attempt: e.Attempt, At: e.At, Error: e.Error}
	}
	if n := len(r.Errors); n > 0 {
		j.LastError = r.Errors[n-1].Error
	}
	return j
}

// Interface guards
var (
	_ platform.Jobs            = (*Queue)(nil)
	_ river.Worker[scriptArgs] = (*worker)(nil)
	_ river.ClientRetryPolicy  = retryPolicy(nil)
)
