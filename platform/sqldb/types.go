package sqldb

import (
	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// connectionFields are the config properties every database service type takes (DreamFactory's
// names), plus a dsn that replaces them.
func connectionFields(defaultPort int) []platform.ConfigField {
	return []platform.ConfigField{
		{Name: "host", Label: "Host", Type: "string", Default: "127.0.0.1", Description: "Server host name or address."},
		{Name: "port", Label: "Port", Type: "integer", Default: defaultPort, Description: "Server port."},
		{Name: "database", Label: "Database", Type: "string", Required: true, Description: "Database name."},
		{Name: "username", Label: "Username", Type: "string", Description: "User to connect as."},
		{Name: "password", Label: "Password", Type: "password", Description: "The user's password; never returned by the API."},
		{Name: "options", Label: "Options", Type: "object", Description: "Driver connection parameters, name → value."},
		{Name: "dsn", Label: "DSN", Type: "string", Description: "A full connection string; replaces host, port, database, username, password and options."},
		{Name: "max_records", Label: "Maximum Records", Type: "integer", Default: defaultMaxRecords, Description: "Most records one request returns."},
		{Name: "statement_timeout", Label: "Statement Timeout", Type: "integer", Default: int(defaultTimeout.Seconds()), Description: "Seconds a request's statements may run."},
	}
}

// Types returns the database service types: sqlite, pgsql and mysql (DreamFactory's names).
func Types() []platform.ServiceType {
	newFor := func(kind string) func(*platform.Platform, *ent.Service) (platform.Service, error) {
		return func(p *platform.Platform, row *ent.Service) (platform.Service, error) { return New(p, row, kind) }
	}
	sqliteFields := []platform.ConfigField{
		{Name: "database", Label: "Database File", Type: "string", Required: true,
			Description: "Path of the SQLite file; a relative path is under the data directory."},
		{Name: "dsn", Label: "DSN", Type: "string", Description: "A full file: DSN; replaces database."},
		{Name: "max_records", Label: "Maximum Records", Type: "integer", Default: defaultMaxRecords, Description: "Most records one request returns."},
		{Name: "statement_timeout", Label: "Statement Timeout", Type: "integer", Default: int(defaultTimeout.Seconds()), Description: "Seconds a request's statements may run."},
	}
	return []platform.ServiceType{
		{Name: "sqlite", Label: "SQLite", Group: "Database", Description: "Database service supporting SQLite connections.",
			ConfigSchema: sqliteFields, New: newFor("sqlite")},
		{Name: "pgsql", Label: "PostgreSQL", Group: "Database", Description: "Database service supporting PostgreSQL connections.",
			ConfigSchema: connectionFields(5432), New: newFor("pgsql")},
		{Name: "mysql", Label: "MySQL", Group: "Database", Description: "Database service supporting MySQL and MariaDB connections.",
			ConfigSchema: connectionFields(3306), New: newFor("mysql")},
	}
}
