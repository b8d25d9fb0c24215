package platform

// Bounds on the keys a request may make one SQL statement bind. Each key value is a bound
// parameter, and databases cap those per statement: SQLite at 32766, PostgreSQL and MySQL at
// 65535. The database services and the GraphQL data API share these numbers.
const (
	// MaxListKeys is how many keys one list may name: the ids= of a database service's
	// record read, and the distinct keys one relation condition of the GraphQL data API may
	// match (they become one IN list of the outer filter).
	MaxListKeys = 10000
	// MaxBoundKeys is how many key values one statement binds at most, below those caps: the
	// values of an ids= list (ids × key columns), the keys of all relation conditions of one
	// GraphQL filter together, and the keys of one per-parent statement's IN list (more are
	// split over several statements).
	MaxBoundKeys = 30000
)
