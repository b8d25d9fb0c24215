package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/sqltable"
)

// Stored procedures and functions (reference §2.7): GET _proc and _func list them; GET or POST
// _proc/{name} and _func/{name} call one. Routines exist on PostgreSQL and MySQL/MariaDB; their
// names and parameters come from information_schema, read on each listing or call (routines
// are called rarely and change outside Apiary), so only an existing routine is ever named in
// SQL, quoted, and every argument is a bound value.

// routine is a stored procedure or function of the service's schema.
type routine struct {
	name    string // as the database spells it
	kind    string // "_proc" or "_func"
	returns string // a function's result type ("record" for a table); "" for a procedure
	params  []routineParam
}

type routineParam struct {
	name string
	mode string // IN, OUT or INOUT
}

// routinesSupported reports whether the service's database has stored routines.
func (s *Service) routinesSupported() bool { return s.conn.dialect != dialect.SQLite }

// routines reads the routines of one kind ("_proc" or "_func") by lower-case name; of
// overloaded PostgreSQL functions the first is kept.
func (s *Service) routines(ctx context.Context, kind string) (map[string]*routine, []string, error) {
	db, err := s.pool(ctx)
	if err != nil {
		return nil, nil, err
	}
	typ := "FUNCTION"
	if kind == "_proc" {
		typ = "PROCEDURE"
	}
	schema, ph := "current_schema()", "$1"
	if s.conn.dialect == dialect.MySQL {
		schema, ph = "DATABASE()", "?"
	}
	rows, err := db.QueryContext(ctx, "SELECT routine_name, specific_name, COALESCE(data_type, '') FROM information_schema.routines "+
		"WHERE routine_schema = "+schema+" AND routine_type = "+ph+" ORDER BY routine_name, specific_name", typ)
	if err != nil {
		return nil, nil, s.dbError(err)
	}
	out := map[string]*routine{}
	bySpecific := map[string]*routine{}
	var names []string
	for rows.Next() {
		r := &routine{kind: kind}
		var specific string
		if err := rows.Scan(&r.name, &specific, &r.returns); err != nil {
			rows.Close()
			return nil, nil, s.dbError(err)
		}
		if r.returns == "trigger" || !sqltable.SafeName(r.name) {
			continue
		}
		key := strings.ToLower(r.name)
		if out[key] != nil {
			continue
		}
		out[key], bySpecific[specific] = r, r
		names = append(names, r.name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, s.dbError(err)
	}
	paramQuery := "SELECT specific_name, COALESCE(parameter_name, ''), COALESCE(parameter_mode, '') " +
		"FROM information_schema.parameters WHERE specific_schema = " + schema + " AND ordinal_position > 0"
	var paramArgs []any
	if s.conn.dialect == dialect.MySQL { // a procedure and a function may share a name there
		paramQuery += " AND routine_type = ?"
		paramArgs = append(paramArgs, typ)
	}
	prows, err := db.QueryContext(ctx, paramQuery+" ORDER BY specific_name, ordinal_position", paramArgs...)
	if err != nil {
		return nil, nil, s.dbError(err)
	}
	defer prows.Close()
	for prows.Next() {
		var specific string
		var p routineParam
		if err := prows.Scan(&specific, &p.name, &p.mode); err != nil {
			return nil, nil, s.dbError(err)
		}
		if r := bySpecific[specific]; r != nil && p.mode != "" {
			r.params = append(r.params, p)
		}
	}
	if err := prows.Err(); err != nil {
		return nil, nil, s.dbError(err)
	}
	sort.Strings(names)
	return out, names, nil
}

// routineRequest serves /_proc[/{name}] and /_func[/{name}].
func (s *Service) routineRequest(ctx context.Context, req *platform.Request, seg []string) (*platform.Response, error) {
	kind := seg[0]
	if !s.routinesSupported() {
		return nil, platform.BadRequest("Stored procedures and functions are not supported by the '%s' service's database.", s.name)
	}
	if len(seg) > 2 || (req.Method != http.MethodGet && (len(seg) == 1 || req.Method != http.MethodPost)) {
		return nil, platform.BadRequest("%s requests for resource '%s' are not currently supported by the '%s' service.", req.Method, req.Resource, s.name)
	}
	byName, all, err := s.routines(ctx, kind)
	if err != nil {
		return nil, err
	}
	if len(seg) == 1 {
		var visible []string
		for _, n := range all {
			if req.Session.Allows(s.name, kind+"/"+n, http.MethodGet, req.Requestor) ||
				req.Session.Allows(s.name, kind+"/"+n, http.MethodPost, req.Requestor) {
				visible = append(visible, n)
			}
		}
		if visible == nil {
			visible = []string{}
		}
		return platform.OK(names(visible, req)), nil
	}
	name, inline, hasArgs := strings.Cut(seg[1], "(")
	if hasArgs && (!strings.HasSuffix(inline, ")") || strings.ContainsAny(strings.TrimSuffix(inline, ")"), "()")) {
		// Role checks read the name without its "(…)": nothing may follow the arguments.
		return nil, platform.BadRequest("Invalid routine call '%s': write name(arg1,arg2,…) with nothing after the closing parenthesis.", seg[1])
	}
	r := byName[strings.ToLower(name)]
	if r == nil {
		what := "function"
		if kind == "_proc" {
			what = "procedure"
		}
		return nil, platform.NotFound("Stored %s '%s' not found.", what, name)
	}
	args, err := routineArgs(req, r, inline)
	if err != nil {
		return nil, err
	}
	return s.callRoutine(ctx, r, args)
}

// routineArgs binds the IN and INOUT parameters of r by position, from, in order: the body's
// params ([{name, value}] or a positional list), inline arguments ("name(1,abc)"), and query
// parameters by name. A parameter given nowhere is NULL.
func routineArgs(req *platform.Request, r *routine, inline string) (map[int]any, error) {
	args := map[int]any{}
	index := map[string]int{}
	for i, p := range r.params {
		index[strings.ToLower(p.name)] = i
	}
	set := func(i int, v any) {
		if _, done := args[i]; !done && i < len(r.params) && r.params[i].mode != "OUT" {
			args[i] = v
		}
	}
	var list []any
	switch b := req.Payload.(type) {
	case map[string]any:
		if p, ok := b["params"]; ok {
			l, isList := p.([]any)
			if !isList {
				return nil, platform.BadRequest("'params' must be a list: [{\"name\": \"p\", \"value\": 1}, …] or values in order.")
			}
			list = l
		}
	case []any:
		list = b
	}
	for pos, item := range list {
		if m, ok := item.(map[string]any); ok {
			n, _ := m["name"].(string)
			i, known := index[strings.ToLower(n)]
			if !known {
				return nil, platform.BadRequest("Routine '%s' has no parameter '%s'.", r.name, n)
			}
			set(i, m["value"])
			continue
		}
		set(pos, item)
	}
	if inline = strings.TrimSuffix(inline, ")"); inline != "" {
		for pos, v := range strings.Split(inline, ",") {
			set(pos, strings.TrimSpace(v))
		}
	}
	for k, vs := range req.Query {
		if i, known := index[strings.ToLower(k)]; known && len(vs) > 0 {
			set(i, vs[0])
		}
	}
	return args, nil
}

// callRoutine calls r with args and answers: a function's scalar result bare, a table's rows
// as {"resource": […]}; a procedure's result rows as {"resource": […]} (when it returns any)
// with its OUT parameters merged in.
func (s *Service) callRoutine(ctx context.Context, r *routine, args map[int]any) (*platform.Response, error) {
	db, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.dbError(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below when the call succeeds
	q := func(id string) string { return sqltable.Quote(s.conn.dialect, id) }
	var text string
	var vals []any
	var outs []string // MySQL session variables holding OUT values
	ph := func(v any) string {
		vals = append(vals, v)
		if s.conn.dialect == dialect.Postgres {
			return "$" + strconv.Itoa(len(vals))
		}
		return "?"
	}
	var parts []string
	for i, p := range r.params {
		if r.kind == "_func" && p.mode == "OUT" { // a function's OUT parameters are its result columns
			continue
		}
		parts = append(parts, "")
		switch {
		case s.conn.dialect == dialect.MySQL && p.mode != "IN":
			v := fmt.Sprintf("@apiary_%d", i)
			if p.mode == "INOUT" {
				if _, err := tx.ExecContext(ctx, "SET "+v+" = ?", args[i]); err != nil {
					return nil, s.routineError(err)
				}
			}
			parts[len(parts)-1], outs = v, append(outs, v)
		case p.mode == "OUT": // PostgreSQL procedures take NULL for OUT parameters
			parts[len(parts)-1] = "NULL"
		default:
			parts[len(parts)-1] = ph(args[i])
		}
	}
	call := q(r.name) + "(" + strings.Join(parts, ", ") + ")"
	switch {
	case r.kind == "_proc":
		text = "CALL " + call
	case s.conn.dialect == dialect.Postgres:
		text = "SELECT * FROM " + call
	default:
		text = "SELECT " + call + " AS " + q(r.name)
	}
	rows, err := tx.QueryContext(ctx, text, vals...)
	if err != nil {
		return nil, s.routineError(err)
	}
	var sets [][]map[string]any
	for {
		set, err := scanAll(rows)
		if err != nil {
			rows.Close()
			return nil, s.routineError(err)
		}
		sets = append(sets, set)
		if !rows.NextResultSet() {
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.routineError(err)
	}
	out := map[string]any{}
	if len(outs) > 0 {
		row := tx.QueryRowContext(ctx, "SELECT "+strings.Join(outs, ", "))
		dest := make([]any, len(outs))
		ptrs := make([]any, len(outs))
		for i := range dest {
			ptrs[i] = &dest[i]
		}
		if err := row.Scan(ptrs...); err != nil {
			return nil, s.routineError(err)
		}
		n := 0
		for _, p := range r.params {
			if p.mode != "IN" {
				out[p.name] = sqltable.Normalize("", dest[n])
				n++
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, s.routineError(err)
	}
	var first []map[string]any
	if len(sets) > 0 {
		first = sets[0]
	}
	if r.kind == "_func" {
		if r.returns != "record" && len(first) == 1 && len(first[0]) == 1 {
			for _, v := range first[0] {
				return platform.OK(v), nil
			}
		}
		return platform.OK(platform.Wrap(orEmpty(first))), nil
	}
	if s.conn.dialect == dialect.Postgres && len(first) == 1 && hasOut(r) { // CALL's row holds the OUT values
		for k, v := range first[0] {
			out[k] = v
		}
		first = nil
	}
	if first != nil || len(out) == 0 {
		out["resource"] = orEmpty(first)
	}
	return platform.OK(out), nil
}

func hasOut(r *routine) bool {
	for _, p := range r.params {
		if p.mode != "IN" {
			return true
		}
	}
	return false
}

func orEmpty(rows []map[string]any) []map[string]any {
	if rows == nil {
		return []map[string]any{}
	}
	return rows
}

// scanAll reads the current result set as rows of column → value.
func scanAll(rows *sql.Rows) ([]map[string]any, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	kinds := make([]string, len(cols))
	if types, err := rows.ColumnTypes(); err == nil {
		for i, t := range types {
			kinds[i] = resultKind(t.DatabaseTypeName())
		}
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = sqltable.Normalize(kinds[i], vals[i])
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// resultKind is the sqltable kind of a result column's database type, so that numbers and
// times come back typed (MySQL sends them as text).
func resultKind(dbType string) string {
	switch t := strings.ToUpper(dbType); {
	case strings.Contains(t, "INT"):
		return "int"
	case t == "FLOAT" || t == "DOUBLE" || t == "REAL" || t == "FLOAT4" || t == "FLOAT8":
		return "float"
	case t == "BOOL" || t == "BOOLEAN":
		return "bool"
	case t == "JSON" || t == "JSONB":
		return "json"
	case strings.Contains(t, "TIMESTAMP") || t == "DATETIME":
		return "time"
	case t == "DATE":
		return "date"
	}
	return ""
}

// routineError: what the client caused (a value of the wrong type) is a 400, a database that
// is down a 503, a timeout a 504; anything else is DreamFactory's 500 with the database's reason.
func (s *Service) routineError(err error) error {
	if e := queryError(err); e != nil {
		return e
	}
	if pe := platform.AsError(s.dbError(err)); pe.Status != http.StatusInternalServerError {
		return pe
	}
	return &platform.Error{Status: http.StatusInternalServerError, Code: http.StatusInternalServerError, Err: err,
		Message: "Failed to call database stored procedure.\n" + err.Error()}
}
