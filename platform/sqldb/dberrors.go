package sqldb

import (
	"errors"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiary/apiary/platform"
)

var (
	sqliteUnique  = regexp.MustCompile(`UNIQUE constraint failed: ([\w.]+)`)
	sqliteNotNull = regexp.MustCompile(`NOT NULL constraint failed: \w+\.(\w+)`)
	mysqlColumn   = regexp.MustCompile(`(?i)column '(\w+)'`)
)

// queryError is a 400 for a query the database refused because of what the client asked —
// a grouped read ordering or selecting an ungrouped field, an aggregate of the wrong type, a
// value of the wrong type in a filter, more bound values than a statement takes — or nil.
func queryError(err error) *platform.Error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "42803", pg.Code == "42883", pg.Code == "42804", pg.Code == "42725":
			return platform.BadRequest("The database refused the query: %s.", pg.Message)
		case strings.HasPrefix(pg.Code, "22"):
			return platform.BadRequest("Invalid value: %s.", pg.Message)
		}
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1055, 1056, 1111, 1140:
			return platform.BadRequest("The database refused the query: %s.", my.Message)
		case 1390:
			return tooManyValues()
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "too many SQL variables"), strings.Contains(msg, "extended protocol limited to"):
		return tooManyValues()
	case strings.Contains(msg, "misuse of aggregate"):
		return platform.BadRequest("The database refused the query: %s.", msg)
	}
	return nil
}

func tooManyValues() *platform.Error {
	return platform.BadRequest("The request needs more values than the database accepts in one statement; send fewer ids or filter values.")
}

// writeError maps a failed statement to a client error where the client caused it
// (constraints, types, sizes), to 503 when the database is unreachable, and to 500 otherwise.
func (s *Service) writeError(err error) error {
	var pe *platform.Error
	if errors.As(err, &pe) {
		return pe
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return platform.BadRequest("Duplicate entry: %s", pg.Detail)
		case "23502":
			return platform.BadRequest("Field '%s' can not be NULL.", pg.ColumnName)
		case "23503":
			return platform.BadRequest("Invalid reference: %s", pg.Detail)
		case "23514":
			return platform.BadRequest("The record violates the check constraint '%s'.", pg.ConstraintName)
		}
		if strings.HasPrefix(pg.Code, "22") { // data exceptions: bad text representation, out of range, too long
			return platform.BadRequest("Invalid value: %s.", pg.Message)
		}
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1062:
			return platform.BadRequest("Duplicate entry: %s", my.Message)
		case 1048:
			if m := mysqlColumn.FindStringSubmatch(my.Message); m != nil {
				return platform.BadRequest("Field '%s' can not be NULL.", m[1])
			}
		case 1364:
			if m := mysqlColumn.FindStringSubmatch(my.Message); m != nil {
				return platform.BadRequest("Required field '%s' can not be NULL.", m[1])
			}
		case 1451, 1452:
			return platform.BadRequest("Invalid reference: %s", my.Message)
		case 1264, 1265, 1292, 1366, 1406:
			return platform.BadRequest("Invalid value: %s.", my.Message)
		}
	}
	msg := err.Error()
	switch {
	case sqliteUnique.MatchString(msg):
		return platform.BadRequest("Duplicate entry: a record with the same %s exists.", sqliteUnique.FindStringSubmatch(msg)[1])
	case sqliteNotNull.MatchString(msg):
		return platform.BadRequest("Field '%s' can not be NULL.", sqliteNotNull.FindStringSubmatch(msg)[1])
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return platform.BadRequest("Invalid reference: a referenced record does not exist, or other records still refer to this one.")
	case strings.Contains(msg, "CHECK constraint failed"):
		return platform.BadRequest("The record violates a check constraint.")
	}
	return s.dbError(err)
}
