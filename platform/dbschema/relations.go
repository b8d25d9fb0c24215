package dbschema

import (
	"sort"
	"strings"

	"ariga.io/atlas/sql/schema"
)

// fkLink is a single-column foreign key between two inspected tables.
type fkLink struct {
	table, refTable *Table
	col, refCol     *Column
	isLink          bool // single-column, between two inspected tables: usable for relations
}

// buildRelations derives DreamFactory relationships from the foreign keys
// of as and stores them in the tables of s:
//
//   - every single-column foreign key T.f -> R.r gives T a belongs_to
//     "{R}_by_{f}" and R a has_many "{T}_by_{f}";
//   - every junction table J (see isJunction) with keys J.a -> A.x and
//     J.b -> B.y gives A a many_many "{B}_by_{J}" (Field x, RefField y,
//     JunctionField a, JunctionRefField b) and B the mirror "{A}_by_{J}".
//
// Composite foreign keys, and keys referencing tables outside the inspected
// schema, mark their columns (IsForeignKey) but give no relations: a
// Relation holds one field. Names are unique per table; the first relation
// to claim a name keeps it, in the order belongs_to, has_many, many_many,
// tables by name, keys in catalogue order. (DreamFactory overwrites instead,
// so a self-referencing key, whose belongs_to and has_many names coincide,
// yields only its belongs_to here.)
func buildRelations(s *Schema, as *schema.Schema) {
	byTable := map[*Table][]fkLink{}
	var links []fkLink
	for _, at := range as.Tables {
		t, ok := s.Table(at.Name)
		if !ok || t.Name != at.Name || t.IsView {
			continue
		}
		for _, fk := range at.ForeignKeys {
			l := fkLink{table: t}
			rt := fk.RefTable
			single := len(fk.Columns) == 1 && len(fk.RefColumns) == 1
			local := rt != nil && (rt.Schema == nil || at.Schema == nil || rt.Schema.Name == at.Schema.Name)
			if r, ok := s.Table(nameOf(rt)); single && local && ok && r.Name == rt.Name && !r.IsView {
				l.refTable = r
				l.col, _ = t.Column(fk.Columns[0].Name)
				l.refCol, _ = r.Column(fk.RefColumns[0].Name)
				l.isLink = l.col != nil && l.refCol != nil
			}
			byTable[t] = append(byTable[t], l)
			if l.isLink {
				links = append(links, l)
			}
		}
	}
	sort.SliceStable(links, func(i, j int) bool { return links[i].table.Name < links[j].table.Name })

	names := map[*Table]map[string]bool{}
	add := func(t *Table, r *Relation) {
		if names[t] == nil {
			names[t] = map[string]bool{}
		}
		key := strings.ToLower(r.Name)
		if names[t][key] {
			return
		}
		names[t][key] = true
		t.Related = append(t.Related, r)
	}
	for _, l := range links {
		add(l.table, &Relation{
			Name: l.refTable.Name + "_by_" + l.col.Name, Type: BelongsTo,
			Field: l.col.Name, RefTable: l.refTable.Name, RefField: l.refCol.Name,
		})
	}
	for _, l := range links {
		add(l.refTable, &Relation{
			Name: l.table.Name + "_by_" + l.col.Name, Type: HasMany,
			Field: l.refCol.Name, RefTable: l.table.Name, RefField: l.col.Name,
		})
	}
	for _, name := range s.Names {
		j := s.Tables[strings.ToLower(name)]
		fks := byTable[j]
		if !isJunction(j, fks) {
			continue
		}
		a, b := fks[0], fks[1]
		add(a.refTable, &Relation{
			Name: b.refTable.Name + "_by_" + j.Name, Type: ManyMany,
			Field: a.refCol.Name, RefTable: b.refTable.Name, RefField: b.refCol.Name,
			JunctionTable: j.Name, JunctionField: a.col.Name, JunctionRefField: b.col.Name,
		})
		add(b.refTable, &Relation{
			Name: a.refTable.Name + "_by_" + j.Name, Type: ManyMany,
			Field: b.refCol.Name, RefTable: a.refTable.Name, RefField: a.refCol.Name,
			JunctionTable: j.Name, JunctionField: b.col.Name, JunctionRefField: a.col.Name,
		})
	}
	rank := map[string]int{BelongsTo: 0, HasMany: 1, ManyMany: 2}
	for _, t := range s.Tables {
		sort.SliceStable(t.Related, func(i, k int) bool {
			ri, rk := t.Related[i], t.Related[k]
			if rank[ri.Type] != rank[rk.Type] {
				return rank[ri.Type] < rank[rk.Type]
			}
			return ri.Name < rk.Name
		})
	}
}

// nameOf returns t's name, or "" for nil.
func nameOf(t *schema.Table) string {
	if t == nil {
		return ""
	}
	return t.Name
}

// maxJunctionExtras is how many columns besides the two key columns and the
// primary key a junction table may have (e.g. created_at, sort order).
const maxJunctionExtras = 2

// isJunction reports whether table j, with foreign keys fks, is a
// many-to-many junction. The rule:
//
//  1. j has exactly two foreign keys, both single-column links to two
//     different tables other than j, through two different columns;
//  2. a row can be inserted from the two key values alone: every other
//     column is optional (nullable, defaulted, auto-increment or generated);
//  3. besides the two key columns and the primary key columns, j has at
//     most maxJunctionExtras columns.
//
// DreamFactory itself pairs the keys of any table with several foreign keys;
// this rule keeps entity tables (say orders with customer_id and product_id
// plus quantity and price) from posing as junctions.
func isJunction(j *Table, fks []fkLink) bool {
	if j == nil || len(fks) != 2 {
		return false
	}
	a, b := fks[0], fks[1]
	if !a.isLink || !b.isLink || a.refTable == b.refTable || a.refTable == j || b.refTable == j || a.col == b.col {
		return false
	}
	extras := 0
	for _, c := range j.Columns {
		if c == a.col || c == b.col {
			continue
		}
		if c.Required {
			return false
		}
		if !c.IsPrimaryKey {
			extras++
		}
	}
	return extras <= maxJunctionExtras
}
