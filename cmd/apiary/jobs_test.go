package main

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// queued starts a server on backend whose scripts run on the embedded engine and whose queued
// scripts run on the durable queue, retrying after 50 ms (not River's 1 s, 16 s, …) up to 3
// attempts, with the address book (SQLite) as service "db".
func queued(t *testing.T, backend string, configure ...func(*Main)) *server {
	t.Helper()
	fast := func(m *Main) {
		m.Scripts = nil
		m.ScriptConfig.Timeout = 3 * time.Second
		m.JobConfig.MaxAttempts = 3
		m.JobConfig.RetryDelay = func(int) time.Duration { return 50 * time.Millisecond }
		m.JobConfig.PollInterval = 100 * time.Millisecond
	}
	s := MustServe(t, backend, append([]func(*Main){fast}, configure...)...)
	s.addressBookService("sqlite")
	return s
}

// writesInfo is a queued script on contact creation that records, through platform.api as
// the caller, a contact_info row with the new contact's first name; a refused write throws.
const writesInfo = `
var name = event.request.payload.resource[0].first_name;
var r = platform.api.post("db/_table/contact_info", {resource: [{contact_id: 1, info_type: "queued", email: name + "@queued.test"}]});
if (r.content && r.content.error) { throw new Error("write refused: " + r.status_code + " " + r.content.error.message); }`

// infos lists the emails of contact_info rows written by queued runs.
func (s *server) infos() string {
	s.t.Helper()
	var out []string
	path := "/api/v2/db/_table/contact_info?order=id&filter=" + url.QueryEscape("info_type='queued'")
	for _, r := range s.must(200, "GET", path, nil).(map[string]any)["resource"].([]any) {
		out = append(out, fmt.Sprint(r.(map[string]any)["email"]))
	}
	return strings.Join(out, ",")
}

// jobs lists system/job as the admin with the given query.
func (s *server) jobs(query string) []map[string]any {
	s.t.Helper()
	var out []map[string]any
	for _, j := range s.must(200, "GET", "/api/v2/system/job?"+query, nil).(map[string]any)["resource"].([]any) {
		out = append(out, j.(map[string]any))
	}
	return out
}

// eventually polls cond every 25 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// scriptUser creates a role that may POST contacts (API) and contact_info (only as SCRIPT,
// that is from scripts), an app with that role and a user, logged in through the app. With
// infoAccess false the role has no access to contact_info at all.
func (s *server) scriptUser(email string, infoAccess bool) (token, key string) {
	s.t.Helper()
	db := s.serviceID("db")
	access := []any{map[string]any{"service_id": db, "component": "_table/contact", "verb_mask": 2, "requestor_mask": 1}}
	if infoAccess {
		access = append(access, map[string]any{"service_id": db, "component": "_table/contact_info", "verb_mask": 2, "requestor_mask": 2})
	}
	role := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "writer " + email, "is_active": true,
		"role_service_access_by_role_id": access})))
	app := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "app " + email, "role_id": role, "is_active": true})))
	key = s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", app), nil).(map[string]any)["api_key"].(string)
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": email, "password": "userpass1", "name": email, "is_active": true}))
	return s.login("user/session", email, "userpass1", key), key
}

// TestQueuedScriptsRunDurably: a queued script runs after the response, as its caller (the
// caller's role decides what its platform.api calls may do), and its job is visible to admins;
// a script that keeps throwing is retried, then discarded with its errors, while the server
// keeps serving; admins may retry and cancel jobs; non-admins may not see them; GraphQL's
// scriptJobs shows what REST shows.
func TestQueuedScriptsRunDurably(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := queued(t, backend)
		s.script("db._table.contact.post.queued", writesInfo, false)
		post := func(name string, headers map[string]string) {
			t.Helper()
			status, body := s.do("POST", "/api/v2/db/_table/contact", rec(map[string]any{"first_name": name, "last_name": "Q"}), headers)
			if status != 200 {
				t.Fatalf("POST contact %s: %d %v", name, status, body)
			}
		}

		t.Run("runs after the response; its platform.api write lands; the job is completed", func(t *testing.T) {
			post("Ada", creds(s.admin, ""))
			eventually(t, "the queued run's row", func() bool { return s.infos() == "Ada@queued.test" })
			eventually(t, "the completed job", func() bool {
				list := s.jobs("state=completed&script=db._table.contact.post.queued")
				return len(list) == 1 && list[0]["attempt"] == float64(1) && list[0]["kind"] == "queued_script" &&
					list[0]["last_error"] == "" && list[0]["finalized_at"] != nil
			})
		})

		t.Run("runs as the caller: the caller's role applies to its platform.api calls", func(t *testing.T) {
			token, key := s.scriptUser("writer@example.com", true)
			post("Bob", creds(token, key))
			eventually(t, "the row written with the user's SCRIPT access", func() bool {
				return s.infos() == "Ada@queued.test,Bob@queued.test"
			})
			token, key = s.scriptUser("reader@example.com", false)
			post("Cy", creds(token, key))
			eventually(t, "the refused run discarded", func() bool {
				list := s.jobs("state=discarded&script=db._table.contact.post.queued")
				return len(list) == 1 && strings.Contains(fmt.Sprint(list[0]["last_error"]), "write refused: 403")
			})
			if got := s.infos(); got != "Ada@queued.test,Bob@queued.test" {
				t.Fatalf("a caller without access wrote through a queued script: %s", got)
			}
		})

		const boom = "db._table.contact_info.get.queued"
		var failed map[string]any
		t.Run("a throwing script is retried, then discarded with its errors; the server keeps serving", func(t *testing.T) {
			s.script(boom, `throw new Error("boom on " + event.request.method);`, false)
			s.must(200, "GET", "/api/v2/db/_table/contact_info", nil)
			for i := 0; i < 5; i++ { // meanwhile, requests are answered
				s.must(200, "GET", "/api/v2/db/_table/contact?limit=1", nil)
			}
			eventually(t, "the discarded job", func() bool {
				list := s.jobs("state=discarded&script=" + boom)
				if len(list) == 1 {
					failed = list[0]
				}
				return failed != nil
			})
			errs := failed["errors"].([]any)
			if failed["attempt"] != float64(3) || failed["max_attempts"] != float64(3) || len(errs) != 3 ||
				!strings.Contains(failed["last_error"].(string), "boom on GET") || failed["finalized_at"] == nil {
				t.Fatalf("discarded job: %v", failed)
			}
			id := int(failed["id"].(float64))
			one := s.must(200, "GET", fmt.Sprintf("/api/v2/system/job/%d", id), nil).(map[string]any)
			if !reflect.DeepEqual(one, failed) {
				t.Fatalf("GET job/%d = %v, the list had %v", id, one, failed)
			}
			s.must(200, "GET", "/api/v2/db/_table/contact?limit=1", nil)
		})

		t.Run("retry runs a discarded job again; cancel leaves a finished job as it is", func(t *testing.T) {
			if failed == nil {
				t.Skip("no discarded job")
			}
			id := int(failed["id"].(float64))
			path := fmt.Sprintf("/api/v2/system/job/%d", id)
			if msg := errorMessage(s.must(400, "PATCH", path, map[string]any{"state": "completed"})); !strings.Contains(msg, "retried") {
				t.Fatalf("PATCH state completed: %q", msg)
			}
			s.must(200, "PATCH", path, map[string]any{"state": "available"})
			eventually(t, "the retried job discarded again after one more attempt", func() bool {
				j := s.must(200, "GET", path, nil).(map[string]any)
				return j["state"] == "discarded" && j["attempt"] == float64(4) && j["max_attempts"] == float64(4) && len(j["errors"].([]any)) == 4
			})
			if j := s.must(200, "DELETE", path, nil).(map[string]any); j["state"] != "discarded" {
				t.Fatalf("cancelling a discarded job changed it: %v", j)
			}
			s.must(404, "GET", "/api/v2/system/job/999999", nil)
			s.must(400, "GET", "/api/v2/system/job?state=lost", nil)
		})

		t.Run("non-admins get 403 on REST and GraphQL; a role with system access to job may list", func(t *testing.T) {
			token, key := s.scriptUser("nosys@example.com", true)
			if status, body := s.do("GET", "/api/v2/system/job", nil, creds(token, key)); status != 403 {
				t.Fatalf("non-admin GET system/job: %d %v", status, body)
			}
			_, errs := s.gql(`{ scriptJobs { id } }`, nil, creds(token, key))
			if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "FORBIDDEN") {
				t.Fatalf("non-admin scriptJobs: %v", errs)
			}
			sys := s.serviceID("system")
			role := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "job watcher", "is_active": true,
				"role_service_access_by_role_id": []any{map[string]any{"service_id": sys, "component": "job", "verb_mask": 1, "requestor_mask": 1}}})))
			app := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "ops", "role_id": role, "is_active": true})))
			opsKey := s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", app), nil).(map[string]any)["api_key"].(string)
			if status, body := s.do("GET", "/api/v2/system/job?limit=1", nil, creds("", opsKey)); status != 200 || len(body.(map[string]any)["resource"].([]any)) != 1 {
				t.Fatalf("GET system/job with the job component: %d %v", status, body)
			}
			// Refused: without a user, DreamFactory answers 401 rather than 403.
			if status, _ := s.do("DELETE", "/api/v2/system/job/1", nil, creds("", opsKey)); status != 401 {
				t.Fatalf("DELETE with GET-only access: %d", status)
			}
		})

		t.Run("GraphQL scriptJobs returns what REST returns", func(t *testing.T) {
			const q = `query($state: String, $script: String, $first: Int, $offset: Int) {
  scriptJobs(state: $state, script: $script, first: $first, offset: $offset) {
    id kind script state attempt maxAttempts lastError errors { attempt error } attemptedAt finalizedAt
  }
}`
			for _, c := range []struct {
				vars  map[string]any
				query string
			}{
				{map[string]any{}, ""},
				{map[string]any{"state": "discarded"}, "state=discarded"},
				{map[string]any{"script": "db._table.contact.post.queued"}, "script=db._table.contact.post.queued"},
				{map[string]any{"first": 1, "offset": 1}, "limit=1&offset=1"},
			} {
				data, errs := s.gql(q, c.vars, creds(s.admin, ""))
				if errs != nil {
					t.Fatalf("%v: %v", c.vars, errs)
				}
				got := data["scriptJobs"].([]any)
				want := s.jobs(c.query)
				if len(got) != len(want) || len(want) == 0 {
					t.Fatalf("%v: GraphQL %d jobs, REST %d", c.vars, len(got), len(want))
				}
				for i, g := range got {
					g, w := g.(map[string]any), want[i]
					var errs []string
					for _, e := range w["errors"].([]any) {
						errs = append(errs, fmt.Sprint(e.(map[string]any)["attempt"], ":", e.(map[string]any)["error"]))
					}
					var gerrs []string
					for _, e := range g["errors"].([]any) {
						gerrs = append(gerrs, fmt.Sprint(e.(map[string]any)["attempt"], ":", e.(map[string]any)["error"]))
					}
					if fmt.Sprint(g["id"]) != fmt.Sprint(w["id"]) || g["kind"] != w["kind"] || g["script"] != w["script"] ||
						g["state"] != w["state"] || g["attempt"] != w["attempt"] || g["maxAttempts"] != w["max_attempts"] ||
						g["lastError"] != w["last_error"] || !reflect.DeepEqual(gerrs, errs) ||
						(g["finalizedAt"] == nil) != (w["finalized_at"] == nil) {
						t.Fatalf("%v: GraphQL %v, REST %v", c.vars, g, w)
					}
				}
			}
			data, errs := s.gql(`mutation($id: ID!) { cancelScriptJob(id: $id) { id state } }`, map[string]any{"id": failed["id"]}, creds(s.admin, ""))
			if errs != nil || data["cancelScriptJob"].(map[string]any)["state"] != "discarded" {
				t.Fatalf("cancelScriptJob: %v %v", data, errs)
			}
		})
	})
}

// TestQueuedScriptsSurviveRestart: jobs enqueued on a node that does not run them (or that
// stops first) wait in the database and run after the next start; a cancelled one never does;
// no credential of the caller is stored with the job.
func TestQueuedScriptsSurviveRestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		a := queued(t, backend, func(m *Main) { m.JobConfig.Workers = -1 })
		a.script("db._table.contact.post.queued", writesInfo, false)
		for _, name := range []string{"Before", "Cancelled"} {
			a.must(200, "POST", "/api/v2/db/_table/contact?api_key=unused&session_token="+a.admin, rec(map[string]any{"first_name": name, "last_name": "R"}))
		}
		list := a.jobs("script=db._table.contact.post.queued")
		if len(list) != 2 || list[0]["state"] != "available" || list[1]["state"] != "available" {
			t.Fatalf("enqueued jobs: %v", list)
		}
		if j := a.must(200, "DELETE", fmt.Sprintf("/api/v2/system/job/%v", list[0]["id"]), nil).(map[string]any); j["state"] != "cancelled" {
			t.Fatalf("cancelled job: %v", j)
		}
		// What is stored carries no credentials.
		var args string
		query := "SELECT json(args) FROM river_job WHERE id = $1"
		if backend == "postgres" {
			query = "SELECT args::text FROM river_job WHERE id = $1"
		}
		if err := a.m.Store.DB.QueryRowContext(context.Background(), query, int64(list[1]["id"].(float64))).Scan(&args); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(args, a.admin) || strings.Contains(args, "unused") || !strings.Contains(args, "Before") {
			t.Fatalf("stored job arguments: %s", args)
		}
		b := a.restarted(func(m *Main) {
			m.Scripts, m.JobConfig = nil, a.m.JobConfig
			m.JobConfig.Workers = 0
		})
		b.admin = b.login("system/admin/session", "admin@example.com", "secret123", "")
		eventually(t, "the job enqueued before the restart ran", func() bool { return b.infos() == "Before@queued.test" })
		eventually(t, "its job completed", func() bool {
			j := b.must(200, "GET", fmt.Sprintf("/api/v2/system/job/%v", list[1]["id"]), nil).(map[string]any)
			return j["state"] == "completed"
		})
		time.Sleep(300 * time.Millisecond)
		if got := b.infos(); got != "Before@queued.test" {
			t.Fatalf("the cancelled job ran: %s", got)
		}
	})
}

// TestQueuedScriptFinishesAtShutdown: a queued script running when the server stops finishes
// (within the shutdown deadline) before the database closes; its write and its completion are
// there after the restart, and it is not run twice.
func TestQueuedScriptFinishesAtShutdown(t *testing.T) {
	a := queued(t, "sqlite")
	a.script("db._table.contact.post.queued", `var until = Date.now() + 700; while (Date.now() < until) {}
`+writesInfo, false)
	a.must(200, "POST", "/api/v2/db/_table/contact", rec(map[string]any{"first_name": "Slow", "last_name": "S"}))
	var id any
	eventually(t, "the job running", func() bool {
		list := a.jobs("state=running")
		if len(list) == 1 {
			id = list[0]["id"]
		}
		return id != nil
	})
	b := a.restarted(func(m *Main) { m.Scripts, m.JobConfig = nil, a.m.JobConfig })
	b.admin = b.login("system/admin/session", "admin@example.com", "secret123", "")
	j := b.must(200, "GET", fmt.Sprintf("/api/v2/system/job/%v", id), nil).(map[string]any)
	if j["state"] != "completed" || j["attempt"] != float64(1) || b.infos() != "Slow@queued.test" {
		t.Fatalf("after a stop during the run: job %v, rows %q", j, b.infos())
	}
}

// TestQueuedScriptedServiceIsAJob: a scripted service with queued: true answers 202 and runs as
// a durable job "service.{name}" with the request it was given, retried when it fails.
func TestQueuedScriptedServiceIsAJob(t *testing.T) {
	s := queued(t, "sqlite")
	s.scriptService("later", "v8js", `
var name = event.request.payload.name;
if (name === "fail") { throw new Error("refusing " + event.resource); }
platform.api.post("db/_table/contact_info", {resource: [{contact_id: 1, info_type: "queued", email: name + "@" + event.resource}]});`,
		map[string]any{"queued": true})
	if body := s.must(202, "POST", "/api/v2/later/inbox", map[string]any{"name": "ann"}); fmt.Sprint(body) != "map[success:true]" {
		t.Fatalf("got %v", body)
	}
	eventually(t, "the queued service writes its row", func() bool { return s.infos() == "ann@inbox" })
	eventually(t, "its job is completed", func() bool {
		jobs := s.jobs("script=service.later&state=completed")
		return len(jobs) == 1 && jobs[0]["kind"] == "queued_script"
	})
	s.must(202, "POST", "/api/v2/later/outbox", map[string]any{"name": "fail"})
	eventually(t, "a failing run is retried, then discarded", func() bool {
		jobs := s.jobs("script=service.later&state=discarded")
		return len(jobs) == 1 && jobs[0]["attempt"] == float64(3) && jobs[0]["last_error"] == "refusing outbox"
	})
}
