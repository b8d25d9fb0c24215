// Package dbschema introspects a user's database (SQLite, PostgreSQL,
// MySQL/MariaDB) with Atlas and describes it in DreamFactory's terms: tables,
// columns with DreamFactory simple types and value kinds, primary keys, and
// relationships with DreamFactory's automatic names.
//
// The result is a read-only snapshot: Inspect builds a fresh *Schema each
// time and nothing mutates it afterwards, so one Schema may be shared by
// concurrent readers. Inspection costs one or more catalogue queries per
// table; callers should cache the result per service and refresh it on
// schema changes.
//
// Every table and column name in a Schema comes from the database catalogue.
// Callers building SQL should resolve client-supplied names through
// Schema.Table and Table.Column and use only the returned names.
package dbschema

import "strings"

// Kind is a column's value family: how values are bound and rendered.
type Kind string

// Kinds. Drivers scan the same kind differently (see the engineering notes):
// bool may scan as bool, int64 (SQLite, MariaDB tinyint(1)) or []byte
// (MySQL BIT(1)); decimal as float64, string or []byte; time and date as
// time.Time or text (SQLite stores whatever was written).
const (
	KindString  Kind = "string"  // character data, enums, UUIDs
	KindInt     Kind = "int"     // integers of any width (also MySQL YEAR)
	KindFloat   Kind = "float"   // approximate numbers (real, float, double)
	KindDecimal Kind = "decimal" // exact numbers (decimal, numeric)
	KindBool    Kind = "bool"    // boolean, MySQL tinyint(1) and BIT(1)
	KindTime    Kind = "time"    // date-times and times of day (datetime, timestamp[tz], time[tz])
	KindDate    Kind = "date"    // calendar dates without a time
	KindJSON    Kind = "json"    // json, jsonb
	KindBytes   Kind = "bytes"   // blob, bytea, binary, varbinary
	KindOther   Kind = "other"   // anything else (arrays, spatial, network, interval, …): bind as text
)

// Fractional reports whether k is a kind of numbers with fractions: float or decimal.
func (k Kind) Fractional() bool {
	return k == KindFloat || k == KindDecimal
}

// Numeric reports whether k is a kind of numbers: int, float or decimal.
func (k Kind) Numeric() bool {
	return k == KindInt || k == KindFloat || k == KindDecimal
}

// Column describes one column of a table or view.
type Column struct {
	Name      string // as in the database
	DBType    string // native type text, e.g. "varchar(64)", "integer", "timestamp with time zone"
	Type      string // DreamFactory simple type: id, reference, string, text, integer, bigint, boolean, …
	Kind      Kind
	Length    int // character or byte length when declared, else 0
	Precision int // decimal precision, float precision or fractional-second precision, else 0
	Scale     int // decimal scale, else 0
	AllowNull bool
	// Default is nil when the column has no default (or DEFAULT NULL). A
	// literal default is a string (quotes removed), an int64 or float64 (for
	// numeric kinds) or a bool (for KindBool); an expression default such
	// as CURRENT_TIMESTAMP or now() is its SQL text. Auto-increment columns
	// have no Default.
	Default       any
	AutoIncrement bool // SQLite rowid alias or AUTOINCREMENT, PostgreSQL serial/identity/nextval, MySQL AUTO_INCREMENT
	IsPrimaryKey  bool
	IsUnique      bool // the column alone is covered by a unique index or constraint (not set for the primary key)
	IsIndex       bool // the column is part of a (non primary key) index; MySQL indexes FK columns implicitly
	IsForeignKey  bool
	RefTable      string // referenced table when IsForeignKey ("schema.table" when outside the inspected schema)
	RefField      string // referenced column when IsForeignKey
	// Required is NOT (AllowNull OR Default set OR AutoIncrement), as in
	// DreamFactory; generated (computed) columns are never required.
	Required bool

	generated bool // a generated (computed) column
}

// Relationship types.
const (
	BelongsTo = "belongs_to"
	HasMany   = "has_many"
	ManyMany  = "many_many"
	// HasOne is has_many with at most one related row: RefTable holds the key. Only virtual
	// relations have it (foreign keys can not tell one from many).
	HasOne = "has_one"
)

// SingleType reports whether relationships of type typ have at most one related record per
// row (belongs_to, has_one; DreamFactory: "if a single record"), not a list.
func SingleType(typ string) bool {
	return typ == BelongsTo || typ == HasOne
}

// Relation is a DreamFactory relationship of a table, derived from foreign
// keys or declared as virtual.
type Relation struct {
	// Name is DreamFactory's automatic name: belongs_to
	// "{ref_table}_by_{field}", has_many and has_one "{ref_table}_by_{ref_field}",
	// many_many "{ref_table}_by_{junction_table}". Names are unique per
	// table (case-insensitively); on a clash the first relation wins
	// (belongs_to before has_many before many_many).
	Name     string
	Type     string // BelongsTo, HasMany, ManyMany or (virtual only) HasOne
	Field    string // local column
	RefTable string // related table
	RefField string // column of RefTable matched against Field (many_many: RefTable's column referenced by JunctionRefField)
	// many_many only: rows of JunctionTable link Field (via JunctionField)
	// to RefField (via JunctionRefField).
	JunctionTable, JunctionField, JunctionRefField string
	// Virtual: declared by an admin (DreamFactory's is_virtual), not derived
	// from a foreign key; see WithRelations.
	Virtual bool
	// RefService, RefServiceID: the service that RefTable (and JunctionTable)
	// belongs to when it is another one than the table's (virtual relations
	// only; DreamFactory's ref_service_id); "" and 0 otherwise. RefTable and
	// the other names are then that service's, not in this Schema.
	RefService   string
	RefServiceID int
	// Extras: DreamFactory's relationship extras, on virtual relations and on
	// foreign-key ones alike (the database service stores and adds them).
	Extras
}

// Single reports whether r has at most one related record per row (see SingleType).
func (r *Relation) Single() bool {
	return SingleType(r.Type)
}

// Extras are DreamFactory's relationship extras (its db_relationship_extras).
type Extras struct {
	// Alias, when set, replaces Name as the relation's key in records and in
	// related= (see Key). Label and Description are shown in _schema only.
	Alias, Label, Description string
	// AlwaysFetch: every read of the table's records includes the relation.
	// Flatten (belongs_to and has_one only): the related record's fields go
	// into the parent record as "{key}_{field}", or as "{field}" with
	// FlattenDropPrefix, instead of nesting under the relation's key.
	AlwaysFetch, Flatten, FlattenDropPrefix bool
}

// Key is the relation's key in records and in related=: its Alias, else its Name (as
// DreamFactory's RelationSchema::getName(true)).
func (r *Relation) Key() string {
	if r.Alias != "" {
		return r.Alias
	}
	return r.Name
}

// Table describes a table or view.
type Table struct {
	Name       string
	Columns    []*Column   // in database order
	PrimaryKey []string    // primary key columns in key order; empty for views and tables without one
	Related    []*Relation // ordered belongs_to, has_many, many_many, then by name
	IsView     bool        // a view (PostgreSQL: also a materialized view); views have no keys or relations

	byName map[string]*Column // exact names; built by Inspect, optional
}

// Schema is an inspected database schema.
type Schema struct {
	// Tables holds tables and views keyed by lower-case name. If two names
	// differ only by case (possible in PostgreSQL), only one is kept: the
	// one that is already lower-case, else the first in byte order.
	Tables map[string]*Table
	Names  []string // names of the tables and views in Tables, sorted case-insensitively
}

// Table returns a table or view by name, case-insensitively.
func (s *Schema) Table(name string) (*Table, bool) {
	if s == nil {
		return nil, false
	}
	t, ok := s.Tables[strings.ToLower(name)]
	return t, ok
}

// Column returns a column by name, case-insensitively. An exact match wins
// over a case-insensitive one; among case-insensitive matches the first in
// database order wins.
func (t *Table) Column(name string) (*Column, bool) {
	if t == nil {
		return nil, false
	}
	if t.byName != nil {
		if c, ok := t.byName[name]; ok {
			return c, true
		}
	} else {
		for _, c := range t.Columns {
			if c.Name == name {
				return c, true
			}
		}
	}
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return nil, false
}

// UnusedName returns name, with "_" appended until no column of t has it (case-insensitively):
// a name under which a reader may add a value to t's rows.
func (t *Table) UnusedName(name string) string {
	for {
		if _, taken := t.Column(name); !taken {
			return name
		}
		name += "_"
	}
}

// Relation returns a relation by name, case-insensitively.
func (t *Table) Relation(name string) (*Relation, bool) {
	if t == nil {
		return nil, false
	}
	for _, r := range t.Related {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return nil, false
}

// RelationByKey returns a relation by its Key (alias or name), case-insensitively: how
// records and related= name it.
func (t *Table) RelationByKey(key string) (*Relation, bool) {
	if t == nil {
		return nil, false
	}
	for _, r := range t.Related {
		if strings.EqualFold(r.Key(), key) {
			return r, true
		}
	}
	return nil, false
}

// NewTable returns a copy of t with only cols (a subset of its columns), indexed again.
func NewTable(t *Table, cols []*Column) *Table {
	out := *t
	out.Columns = cols
	out.byName = make(map[string]*Column, len(cols))
	for _, c := range cols {
		out.byName[c.Name] = c
	}
	return &out
}
