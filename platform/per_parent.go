package platform

// PerParent makes a database service's record read (GET _table/{table}) the read of the
// related rows of a batch of parent rows, in one statement however many parents there are
// (two for a Link without Limit or Offset: the link table, then the rows). Only internal
// callers set it, through Request.PerParent: a database service's related= and the GraphQL
// data API's nested relations. No request parameter, header or script can set or change it.
//
// The read is a normal read of the table in every other respect: the pipeline authorizes it
// and fires its events, and the service applies its fields, filter and order parameters (as
// pre_process scripts left them) and the role's row filters, then keeps only the rows of the
// parents in Keys. Each row carries its parent's key under Key, whatever fields says. With
// Limit or Offset, the rows are numbered per parent in the read's order (default: the primary
// key; ties broken by the primary key) and only numbers Offset+1 … Offset+Limit are read, in
// SQL. The answer is {"resource": [rows]}: never paged, and the parameters limit, offset,
// ids, group, count_only, include_count, include_schema, as_list and related do not apply.
type PerParent struct {
	// Key names the parent key of each row. Without Link it is the read table's column that
	// holds the parent key (has_many, belongs_to); with Link it is the name under which the
	// service adds the linking parent's key to each row, and must not be a column of the table.
	Key string
	// Keys are the parents' keys as their rows hold them (JSON-ready values). They are bound as
	// values, never written into SQL.
	Keys   []any
	Limit  int // rows per parent at most; 0: no limit
	Offset int // rows of each parent skipped before Limit counts
	// ByNumber says that Keys come from a decimal or float field: the key column (or
	// Link.Parent) is compared with them as a number. SQLite compares a text column with a
	// bound 1.5 as the text '1.5', so a text key '1.50' that a foreign key pairs with a
	// decimal 1.5 would not be found; the other databases refuse keys that pair text with
	// numbers.
	ByNumber bool
	// Most, without Limit, Offset and Link, caps each statement of the read at Most+1 rows
	// (0: no cap; one statement unless Keys exceed MaxBoundKeys): a caller that bounds a
	// relation's rows learns that more match without reading them all.
	Most int
	// Link reads the rows through a link (junction) table, for many_many.
	Link *PerParentLink
}

// PerParentLink is a link (junction) table of a per-parent read: a row of the read table
// belongs to parent P when a row of Table has Parent = P and Child = the row's Ref. A row
// linked to several parents comes once per parent; duplicate link rows count once. The link
// table is read as an internal GET of it would be: the caller needs GET on _table/{Table}
// (else 403) and the role's row filters for it apply. No events fire for it. Names are as the
// database schema spells them.
type PerParentLink struct {
	Table  string // the link table
	Parent string // its column holding the parent key
	Child  string // its column referring to the read table
	Ref    string // the read table's column Child refers to
}
