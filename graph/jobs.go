package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
)

// scriptJobs is GET system/job with REST's parameters (state, script, limit, offset): the
// pipeline checks and fires events, then the listing is read for the request as it stands.
func (r *Resolver) scriptJobs(ctx context.Context, state, script *string, first, offset *int) ([]*platform.Job, error) {
	q := url.Values{}
	if state != nil {
		q.Set("state", *state)
	}
	if script != nil {
		q.Set("script", *script)
	}
	if first != nil {
		q.Set("limit", strconv.Itoa(*first))
	}
	if offset != nil {
		q.Set("offset", strconv.Itoa(*offset))
	}
	req := &platform.Request{Method: http.MethodGet, Service: "system", Resource: "job", Query: q}
	req.Load = func(ctx context.Context, _ *platform.Session) (any, error) {
		f, err := r.P.JobFilterOf(req)
		if err != nil {
			return nil, err
		}
		return r.P.ListJobs(ctx, f)
	}
	v, err := r.call(ctx, req)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]platform.Job)
	if !ok { // a script replaced the response
		return nil, gqlhttp.GQLError(platform.Internal(fmt.Errorf("scriptJobs: unexpected response %T", v)))
	}
	out := make([]*platform.Job, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out, nil
}

// changeJob runs DELETE (cancel) or PATCH {"state": "available"} (retry) on system/job/{id}
// and returns the job as it is then.
func (r *Resolver) changeJob(ctx context.Context, method string, id int) (*platform.Job, error) {
	req := &platform.Request{Method: method, Service: "system", Resource: "job/" + strconv.Itoa(id)}
	if method == http.MethodPatch {
		req.Payload = map[string]any{"state": "available"}
	}
	if _, err := r.call(ctx, req); err != nil {
		return nil, err
	}
	j, err := r.P.Jobs().GetJob(ctx, id)
	if err != nil {
		return nil, gqlhttp.GQLError(platform.AsError(err))
	}
	return j, nil
}
