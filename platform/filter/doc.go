// Package filter parses DreamFactory's record filter language (the "filter"
// query parameter of /api/v2/{db}/_table/{table}) into a typed tree and
// compiles it to a bound ent SQL predicate for SQLite, PostgreSQL and MySQL.
//
// Parse turns text into an Expr; Predicate resolves fields, :params and
// {lookups} through an Env and binds every value. Both return *Error, which
// callers map to HTTP 400.
//
// It accepts everything DreamFactory's parseFilterString accepts, with the
// same meaning, and differs on purpose where DreamFactory is wrong:
//   - AND/OR/&&/|| work without parentheses, with SQL precedence
//     (NOT > AND > OR). DreamFactory splits only at ") OP (" and would bind
//     "1 AND b=2" as the value of a=1 AND b=2.
//   - Values are tokenised, not searched for operators: quoted values may
//     hold operators, parentheses, keywords and escaped quotes, and IN list
//     items may be quoted and contain commas.
//   - Parenthesised values such as (NOW()) or (SELECT …), function calls and
//     SELECT are refused rather than passed through as raw SQL.
//   - CONTAINS, STARTS WITH and ENDS WITH match their value literally.
//   - {lookups} are resolved per value and bound; they are never spliced into
//     the filter text. A quoted value that is exactly one {lookup} is a lookup.
//     Lookups must be the whole value; "abc{user.id}" is the literal text.
//   - "= null" and "!= null" mean IS NULL and IS NOT NULL.
//   - NOT may precede any condition or group, not only a leading "NOT (".
//   - An unquoted value cannot start with AND or OR (state = OR is a missing
//     value; write state = 'OR').
//   - Not supported: DreamFactory's ALL, NOR and XOR operators.
//   - Errors name a 0-based byte position.
package filter
