package sqldb

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// planner turns the table operations of one request into Atlas changes against the inspected
// schema. Everything is validated before a change is returned: a request that fails here has
// changed nothing.
type planner struct {
	d     string
	realm *schema.Schema   // inspected through the connection that applies the changes
	cat   *dbschema.Schema // the same schema in DreamFactory's terms
	plans map[string]*tplan
	order []*tplan
	names []string // the tables of the request, as named in the database, in request order

	byCol map[*schema.Column]*cplan
}

// tplan is one table of the request.
type tplan struct {
	op    *tableOp
	t     *schema.Table // desired state: built (new) or a copy of the inspected table
	orig  *schema.Table // inspected; nil for a new table
	info  *dbschema.Table
	cols  []*cplan
	drops []*schema.Column
}

// cplan is one listed field.
type cplan struct {
	f       *fieldDef
	tp      *tplan
	col     *schema.Column // desired column
	orig    *schema.Column // inspected; nil for a new field
	info    *dbschema.Column
	mode    fieldMode
	simple  string
	refType bool // the type is the referenced column's
	state   int  // type resolution: 0 pending, 1 resolving, 2 done
	ref     *refWant
	keepFK  bool
	pk      bool
	autoInc bool
	defNorm any
}

// refWant is the foreign key a field asks for.
type refWant struct {
	table, field       string
	onDelete, onUpdate schema.ReferenceOption
	rt                 *schema.Table
	rc                 *schema.Column
}

func (p *planner) bad(format string, args ...any) error { return platform.BadRequest(format, args...) }

// findTable returns an inspected table by name, an exact match before a case-insensitive one.
func (p *planner) findTable(name string) *schema.Table {
	var ci *schema.Table
	for _, t := range p.realm.Tables {
		if t.Name == name {
			return t
		}
		if ci == nil && strings.EqualFold(t.Name, name) {
			ci = t
		}
	}
	return ci
}

func findColumn(t *schema.Table, name string) *schema.Column {
	var ci *schema.Column
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
		if ci == nil && strings.EqualFold(c.Name, name) {
			ci = c
		}
	}
	return ci
}

// plan validates ops and returns their changes, in the order: changes to existing tables, new
// tables, foreign keys to new tables (PostgreSQL and MySQL), dropped tables.
func (p *planner) plan(ops []*tableOp) ([]schema.Change, error) {
	p.plans = map[string]*tplan{}
	p.byCol = map[*schema.Column]*cplan{}
	for _, op := range ops {
		key := strings.ToLower(op.name)
		if p.plans[key] != nil {
			return nil, p.bad("Table '%s' appears more than once in the request.", op.name)
		}
		orig := p.findTable(op.name)
		if info, ok := p.cat.Table(op.name); ok && info.IsView {
			return nil, p.bad("'%s' is a view: views can not be changed through _schema.", info.Name)
		}
		var (
			tp  *tplan
			err error
		)
		switch {
		case orig == nil && (op.drop || !(op.create || op.upsert)):
			return nil, platform.NotFound("Table \"%s\" does not exist in the database.", op.name)
		case orig != nil && op.create:
			return nil, p.bad("A table with name '%s' already exist in the database.", orig.Name)
		case orig == nil:
			tp, err = p.newTable(op)
		default:
			info, ok := p.cat.Table(orig.Name)
			if !ok {
				return nil, &platform.Error{Status: 503, Code: 503, Message: "The database schema changed while this request was " +
					"being planned; try again."}
			}
			tp = &tplan{op: op, orig: orig, info: info, t: cloneTable(p.d, orig)}
			if !op.drop {
				err = p.modifyTable(tp)
			}
		}
		if err != nil {
			return nil, err
		}
		p.plans[key] = tp
		p.order = append(p.order, tp)
		p.names = append(p.names, tp.t.Name)
	}
	for _, tp := range p.order {
		for _, cp := range tp.cols {
			if err := p.resolve(cp); err != nil {
				return nil, err
			}
		}
	}
	for _, tp := range p.order {
		for _, cp := range tp.cols {
			if err := p.finishColumn(cp); err != nil {
				return nil, err
			}
		}
	}
	var modify, create, deferred, drop []schema.Change
	for _, tp := range p.order {
		var err error
		switch {
		case tp.op.drop:
			drop, err = p.dropTable(tp, drop)
		case tp.orig == nil:
			var fks []schema.Change
			if fks, err = p.createTable(tp); err == nil {
				create = append(create, &schema.AddTable{T: tp.t})
				deferred = append(deferred, fks...)
			}
		default:
			var pre, mod, fks []schema.Change
			if pre, mod, fks, err = p.alterTable(tp); err == nil {
				modify = append(modify, pre...)
				modify = append(modify, mod...)
				deferred = append(deferred, fks...)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	out := append(modify, create...)
	out = append(out, deferred...)
	return append(out, drop...), nil
}

// newTable builds a table to create.
func (p *planner) newTable(op *tableOp) (*tplan, error) {
	if err := checkName("Table", op.name); err != nil {
		return nil, err
	}
	if len(op.fields) == 0 {
		return nil, p.bad("Table '%s' needs at least one field.", op.name)
	}
	t := schema.NewTable(op.name).SetSchema(p.realm)
	tp := &tplan{op: op, t: t}
	seen := map[string]bool{}
	var pk []*schema.Column
	autoInc := 0
	for _, f := range op.fields {
		if seen[strings.ToLower(f.name)] {
			return nil, p.bad("Field '%s' appears more than once in table '%s'.", f.name, op.name)
		}
		seen[strings.ToLower(f.name)] = true
		cp, err := p.newColumn(tp, f)
		if err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, cp.col)
		if cp.pk {
			pk = append(pk, cp.col)
		}
		if cp.autoInc {
			autoInc++
		}
	}
	if autoInc > 0 && len(pk) > 1 {
		return nil, p.bad("Table '%s': an auto-increment key (type id) must be the only primary key field.", op.name)
	}
	if len(pk) > 0 {
		parts := make([]*schema.IndexPart, len(pk))
		for i, c := range pk {
			parts[i] = &schema.IndexPart{SeqNo: i, C: c}
		}
		t.PrimaryKey = &schema.Index{Unique: true, Table: t, Parts: parts}
	}
	return tp, nil
}

// newColumn builds a field to add (to a new or an existing table).
func (p *planner) newColumn(tp *tplan, f *fieldDef) (*cplan, error) {
	bad := func(format string, args ...any) error {
		return p.bad("Invalid field '%s' of table '%s': %s", f.name, tp.op.name, fmt.Sprintf(format, args...))
	}
	if f.nativeErr != nil {
		return nil, f.nativeErr
	}
	cp := &cplan{f: f, tp: tp, mode: fieldAdd, simple: f.simple}
	if f.native == nil && cp.simple == "" {
		if f.refTable == "" {
			return nil, bad("a new field needs a 'type' (one of %s) or a 'db_type'.", strings.Join(simpleTypes, ", "))
		}
		cp.simple = "reference"
	}
	if f.autoInc != nil && *f.autoInc && !isIDType(cp.simple) {
		up := map[string]string{"integer": "id", "bigint": "bigid", "smallint": "smallid", "mediumint": "mediumid"}[cp.simple]
		if up == "" || f.native != nil {
			return nil, bad("auto_increment is available on integer primary keys only; use type 'id'.")
		}
		cp.simple = up
	}
	col := &schema.Column{Name: f.name, Type: &schema.ColumnType{}}
	switch {
	case f.native != nil:
		col.Type.Type = cloneType(f.native)
		cp.simple = ""
	case cp.simple == "reference":
		cp.refType = true
	default:
		col.Type.Type = simpleAtlasType(p.d, cp.simple, f.opts)
		cp.state = 2
	}
	if f.native != nil {
		cp.state = 2
	}
	if isIDType(cp.simple) {
		cp.pk, cp.autoInc = true, true
		if f.primary != nil && !*f.primary {
			return nil, bad("a field of type %s is the table's primary key.", cp.simple)
		}
	}
	if f.primary != nil && *f.primary {
		cp.pk = true
	}
	col.Type.Null = true
	if f.allowNull != nil {
		col.Type.Null = *f.allowNull
	}
	if cp.pk {
		if f.allowNull != nil && *f.allowNull {
			return nil, bad("a primary key field can not allow NULL.")
		}
		col.Type.Null = false
	}
	if cp.autoInc {
		switch p.d {
		case dialect.SQLite:
			col.Attrs = append(col.Attrs, &sqlite.AutoIncrement{})
		case dialect.Postgres:
			col.Attrs = append(col.Attrs, &postgres.Identity{Generation: "BY DEFAULT", Sequence: &postgres.Sequence{Start: 1, Increment: 1}})
		case dialect.MySQL:
			col.Attrs = append(col.Attrs, &mysql.AutoIncrement{})
		}
		if f.hasDefault && f.def != nil {
			return nil, bad("an auto-increment field has no default.")
		}
	}
	if cp.simple == "timestamp_on_update" && p.d == dialect.MySQL {
		col.Attrs = append(col.Attrs, &mysql.OnUpdate{A: "CURRENT_TIMESTAMP"})
	}
	if f.refTable != "" {
		cp.ref = &refWant{table: f.refTable, field: f.refField, onDelete: f.onDelete, onUpdate: f.onUpdate}
	} else if f.hasRef() {
		return nil, bad("ref_field, ref_on_delete and ref_on_update need ref_table.")
	}
	cp.col = col
	tp.cols = append(tp.cols, cp)
	p.byCol[col] = cp
	return cp, nil
}

// modifyTable plans the listed and dropped fields of an existing table.
func (p *planner) modifyTable(tp *tplan) error {
	op := tp.op
	listed := map[string]bool{}
	for _, f := range op.fields {
		key := strings.ToLower(f.name)
		if listed[key] {
			return p.bad("Field '%s' appears more than once in table '%s'.", f.name, tp.t.Name)
		}
		listed[key] = true
		oc := findColumn(tp.orig, f.name)
		if oc == nil {
			cp, err := p.newColumn(tp, f)
			if err != nil {
				return err
			}
			if cp.pk {
				return p.bad("Primary key fields can not be added to the existing table '%s'.", tp.t.Name)
			}
			continue
		}
		if op.mode == fieldAdd {
			return p.bad("A field with name '%s' already exists in table '%s'.", oc.Name, tp.t.Name)
		}
		if err := p.existingColumn(tp, f, oc); err != nil {
			return err
		}
	}
	var drop []string
	if op.dropUnlisted {
		for _, c := range tp.orig.Columns {
			if !listed[strings.ToLower(c.Name)] {
				drop = append(drop, c.Name)
			}
		}
	}
	for _, n := range op.dropFields {
		oc := findColumn(tp.orig, n)
		if oc == nil {
			return platform.NotFound("Field '%s' does not exist in table '%s'.", n, tp.t.Name)
		}
		drop = append(drop, oc.Name)
	}
	for _, n := range drop {
		oc := findColumn(tp.orig, n)
		if ic, _ := tp.info.Column(oc.Name); ic != nil && ic.IsPrimaryKey {
			return p.bad("The primary key field '%s' of table '%s' can not be dropped.", oc.Name, tp.t.Name)
		}
		for _, other := range p.realm.Tables {
			for _, fk := range other.ForeignKeys {
				if fk.RefTable == nil || !strings.EqualFold(fk.RefTable.Name, tp.orig.Name) {
					continue
				}
				for i, rc := range fk.RefColumns {
					if !strings.EqualFold(rc.Name, oc.Name) {
						continue
					}
					self := other == tp.orig && i < len(fk.Columns) && containsFold(drop, fk.Columns[i].Name)
					if !self {
						return p.bad("Field '%s' of table '%s' is referenced by table '%s' (field '%s'); drop or change that reference first.",
							oc.Name, tp.t.Name, other.Name, fk.Columns[min(i, len(fk.Columns)-1)].Name)
					}
				}
			}
		}
		tp.drops = append(tp.drops, oc)
	}
	if len(tp.orig.Columns)-len(tp.drops)+countNew(tp) == 0 {
		return p.bad("Table '%s' needs at least one field.", tp.t.Name)
	}
	return nil
}

func countNew(tp *tplan) int {
	n := 0
	for _, cp := range tp.cols {
		if cp.orig == nil {
			n++
		}
	}
	return n
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// existingColumn plans a listed field that exists: replaced (PUT) or merged (PATCH).
func (p *planner) existingColumn(tp *tplan, f *fieldDef, oc *schema.Column) error {
	ic, _ := tp.info.Column(oc.Name)
	if ic == nil {
		return &platform.Error{Status: 503, Code: 503, Message: "The database schema changed while this request was being planned; try again."}
	}
	bad := func(format string, args ...any) error {
		return p.bad("Invalid field '%s' of table '%s': %s", oc.Name, tp.t.Name, fmt.Sprintf(format, args...))
	}
	mode := tp.op.mode
	cp := &cplan{f: f, tp: tp, orig: oc, info: ic, mode: mode, simple: f.simple, state: 2, pk: ic.IsPrimaryKey, autoInc: ic.AutoIncrement}
	col := &schema.Column{Name: oc.Name, Type: &schema.ColumnType{Null: oc.Type.Null, Raw: oc.Type.Raw},
		Attrs: append([]schema.Attr(nil), oc.Attrs...), Default: oc.Default}
	// Type.
	opts := f.opts
	fill := func() {
		if !opts.hasLength && ic.Length > 0 {
			opts.length, opts.hasLength = ic.Length, true
		}
		if !opts.hasPrecision && ic.Precision > 0 {
			opts.precision, opts.hasPrecision = ic.Precision, true
		}
		if !opts.hasScale && ic.Scale > 0 {
			opts.scale, opts.hasScale = ic.Scale, true
		}
		db := strings.ToLower(ic.DBType)
		if !opts.fixed && (strings.HasPrefix(db, "char(") || strings.HasPrefix(db, "character(") || db == "bpchar") {
			opts.fixed = true
		}
	}
	keepType := f.nativeRaw != "" && strings.EqualFold(f.nativeRaw, ic.DBType)
	if f.nativeErr != nil && !keepType {
		return f.nativeErr
	}
	switch {
	case keepType:
		col.Type.Type = oc.Type.Type
		if p.d == dialect.SQLite {
			col.Type.Type = sqliteKeepSize(oc.Type.Type)
		}
		cp.simple = ""
	case f.native != nil:
		col.Type.Type = cloneType(f.native)
		cp.simple = ""
	case f.simple == "reference":
		cp.refType, cp.state = true, 0
	case f.simple != "":
		if f.simple == ic.Type {
			fill()
		}
		col.Type.Type = simpleAtlasType(p.d, f.simple, opts)
	case f.sized():
		switch ic.Type {
		case "string", "decimal", "money", "binary":
		default:
			return bad("length, precision and scale need a 'type' for a field of type %s.", ic.Type)
		}
		fill()
		col.Type.Type = simpleAtlasType(p.d, ic.Type, opts)
	default:
		col.Type.Type = oc.Type.Type
		if p.d == dialect.SQLite {
			col.Type.Type = sqliteKeepSize(oc.Type.Type)
		}
	}
	if _, ok := col.Type.Type.(*schema.StringType); !ok {
		// Character sets and collations belong to string columns only.
		kept := col.Attrs[:0]
		for _, a := range col.Attrs {
			switch a.(type) {
			case *schema.Charset, *schema.Collation:
				continue
			}
			kept = append(kept, a)
		}
		col.Attrs = kept
	}
	// Keys.
	wantPK := ic.IsPrimaryKey
	if f.primary != nil {
		wantPK = *f.primary
	}
	if isIDType(f.simple) {
		wantPK = true
		if !ic.AutoIncrement {
			return bad("an existing field can not become an auto-increment key.")
		}
	}
	if f.autoInc != nil && *f.autoInc != ic.AutoIncrement {
		return bad("auto_increment can not be changed on an existing field.")
	}
	if wantPK != ic.IsPrimaryKey {
		return p.bad("The primary key of the existing table '%s' can not be changed (field '%s').", tp.t.Name, oc.Name)
	}
	// Nullability.
	switch {
	case cp.pk:
		if f.allowNull != nil && *f.allowNull {
			return bad("a primary key field can not allow NULL.")
		}
	case f.allowNull != nil:
		col.Type.Null = *f.allowNull
	case mode == fieldReplace:
		col.Type.Null = true
	}
	// MySQL's ON UPDATE CURRENT_TIMESTAMP follows the type.
	hadOnUpdate := false
	attrs := col.Attrs[:0]
	for _, a := range col.Attrs {
		if _, ok := a.(*mysql.OnUpdate); ok {
			hadOnUpdate = true
			continue
		}
		attrs = append(attrs, a)
	}
	col.Attrs = attrs
	if p.d == dialect.MySQL && (f.simple == "timestamp_on_update" || (hadOnUpdate && (keepType || f.simple == "" && f.nativeRaw == ""))) {
		col.Attrs = append(col.Attrs, &mysql.OnUpdate{A: "CURRENT_TIMESTAMP"})
	}
	// Reference.
	efk := columnFKs(tp.orig, oc.Name)
	switch {
	case f.hasRef() || f.simple == "reference":
		want := &refWant{table: f.refTable, field: f.refField, onDelete: f.onDelete, onUpdate: f.onUpdate}
		if len(efk) == 1 && efk[0].RefTable != nil {
			// What the field leaves out is the existing key's: on merge everything, on replace
			// the actions when the key still points at the same table (DreamFactory's describe
			// output, sent back, does not carry them).
			fk := efk[0]
			if want.table == "" && mode == fieldMerge {
				want.table = fk.RefTable.Name
			}
			if strings.EqualFold(want.table, fk.RefTable.Name) {
				if want.field == "" && len(fk.RefColumns) == 1 {
					want.field = fk.RefColumns[0].Name
				}
				if !f.hasOnDelete {
					want.onDelete = fk.OnDelete
				}
				if !f.hasOnUpde {
					want.onUpdate = fk.OnUpdate
				}
			}
		}
		if want.table == "" {
			return bad("a reference needs ref_table.")
		}
		cp.ref = want
	case mode == fieldReplace && f.simple != "":
		// A replaced field given a type that is not a reference is no longer one.
	default:
		cp.keepFK = true
	}
	cp.col = col
	tp.cols = append(tp.cols, cp)
	p.byCol[col] = cp
	return nil
}

// columnFKs are the single-column foreign keys of t on column name.
func columnFKs(t *schema.Table, name string) []*schema.ForeignKey {
	var out []*schema.ForeignKey
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == 1 && strings.EqualFold(fk.Columns[0].Name, name) {
			out = append(out, fk)
		}
	}
	return out
}

// target resolves the table and column a reference points at, in the desired state of this
// request (a new table, a changed one, or an untouched one).
func (p *planner) target(cp *cplan) error {
	w := cp.ref
	if w.rt != nil {
		return nil
	}
	bad := func(format string, args ...any) error {
		return p.bad("Invalid field '%s' of table '%s': %s", cp.col.Name, cp.tp.t.Name, fmt.Sprintf(format, args...))
	}
	var t *schema.Table
	if tp := p.plans[strings.ToLower(w.table)]; tp != nil {
		if tp.op.drop {
			return bad("it references table '%s', which this request drops.", tp.t.Name)
		}
		t = tp.t
	} else if t = p.findTable(w.table); t == nil {
		if info, ok := p.cat.Table(w.table); ok && info.IsView {
			return bad("it references '%s', which is a view.", info.Name)
		}
		return bad("it references table '%s', which does not exist.", w.table)
	}
	field := w.field
	if field == "" {
		if t.PrimaryKey == nil || len(t.PrimaryKey.Parts) != 1 || t.PrimaryKey.Parts[0].C == nil {
			return bad("table '%s' has no single-field primary key: give ref_field.", t.Name)
		}
		field = t.PrimaryKey.Parts[0].C.Name
	}
	rc := findColumn(t, field)
	if rc == nil {
		return bad("it references field '%s' of table '%s', which does not exist.", field, t.Name)
	}
	if p.plans[strings.ToLower(t.Name)] != nil {
		for _, d := range p.plans[strings.ToLower(t.Name)].drops {
			if strings.EqualFold(d.Name, rc.Name) {
				return bad("it references field '%s' of table '%s', which this request drops.", rc.Name, t.Name)
			}
		}
	}
	w.rt, w.rc = t, rc
	return nil
}

// resolve gives a reference field the type of the column it references.
func (p *planner) resolve(cp *cplan) error {
	switch cp.state {
	case 2:
		if cp.ref != nil {
			return p.target(cp)
		}
		return nil
	case 1:
		return p.bad("Invalid field '%s' of table '%s': its references form a cycle.", cp.col.Name, cp.tp.t.Name)
	}
	cp.state = 1
	if cp.ref == nil {
		return p.bad("Invalid field '%s' of table '%s': a reference needs ref_table.", cp.col.Name, cp.tp.t.Name)
	}
	if err := p.target(cp); err != nil {
		return err
	}
	if rcp := p.byCol[cp.ref.rc]; rcp != nil {
		if err := p.resolve(rcp); err != nil {
			return err
		}
	}
	if cp.ref.rc.Type == nil || cp.ref.rc.Type.Type == nil {
		return p.bad("Invalid field '%s' of table '%s': the type of the referenced field is unknown.", cp.col.Name, cp.tp.t.Name)
	}
	cp.col.Type.Type = referenceType(cp.ref.rc.Type.Type)
	cp.state = 2
	return nil
}

// finishColumn sets the default once the type is known.
func (p *planner) finishColumn(cp *cplan) error {
	f, col := cp.f, cp.col
	switch {
	case f.hasDefault && cp.orig != nil && cp.orig.Default != nil && sameDefault(f.def, cp.info.Default):
		// The default the field has, sent back (possibly an expression Apiary would not write).
		col.Default, cp.defNorm = cp.orig.Default, cp.info.Default
	case f.hasDefault:
		x, norm, err := defaultExpr(p.d, col.Type.Type, f.def)
		if err != nil {
			return p.bad("Invalid default of field '%s' of table '%s': %s.", col.Name, cp.tp.t.Name, err.Error())
		}
		if x != nil && cp.autoInc {
			return p.bad("Invalid default of field '%s' of table '%s': an auto-increment field has no default.", col.Name, cp.tp.t.Name)
		}
		col.Default, cp.defNorm = x, norm
	case cp.simple == "timestamp_on_create" || cp.simple == "timestamp_on_update":
		col.Default, cp.defNorm = &schema.RawExpr{X: "CURRENT_TIMESTAMP"}, "CURRENT_TIMESTAMP"
	case cp.orig == nil || cp.mode == fieldReplace:
		col.Default, cp.defNorm = nil, nil
		if cp.orig != nil && cp.autoInc {
			col.Default, cp.defNorm = cp.orig.Default, cp.info.Default
		}
	default:
		cp.defNorm = cp.info.Default
	}
	return nil
}

// createTable completes a new table: its indexes and foreign keys. Foreign keys to other new
// tables are returned to be added after every table exists (SQLite checks them lazily and
// keeps them inline).
func (p *planner) createTable(tp *tplan) ([]schema.Change, error) {
	t := tp.t
	var deferred []schema.Change
	for _, cp := range tp.cols {
		if !cp.pk {
			if cp.f.unique != nil && *cp.f.unique {
				t.Indexes = append(t.Indexes, newIndex(t, cp.col, true))
			} else if cp.f.index != nil && *cp.f.index {
				t.Indexes = append(t.Indexes, newIndex(t, cp.col, false))
			}
		}
		if cp.ref == nil {
			continue
		}
		fk := p.foreignKey(tp, cp)
		if rtp := p.plans[strings.ToLower(cp.ref.rt.Name)]; p.d != dialect.SQLite && rtp != nil && rtp.orig == nil && rtp != tp {
			deferred = append(deferred, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddForeignKey{F: fk}}})
			continue
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	return deferred, nil
}

func (p *planner) foreignKey(tp *tplan, cp *cplan) *schema.ForeignKey {
	return &schema.ForeignKey{
		Symbol: objectName(tp.t.Name, cp.col.Name, "fkey"), Table: tp.t,
		Columns: []*schema.Column{cp.col}, RefTable: cp.ref.rt, RefColumns: []*schema.Column{cp.ref.rc},
		OnDelete: cp.ref.onDelete, OnUpdate: cp.ref.onUpdate,
	}
}

func newIndex(t *schema.Table, c *schema.Column, unique bool) *schema.Index {
	suffix := "idx"
	if unique {
		suffix = "key"
	}
	return &schema.Index{Name: objectName(t.Name, c.Name, suffix), Unique: unique, Table: t,
		Parts: []*schema.IndexPart{{SeqNo: 0, C: c}}}
}

// objectName names an index or constraint PostgreSQL's way ({table}_{column}_{suffix}), within
// the identifier limit.
func objectName(table, column, suffix string) string {
	n := table + "_" + column + "_" + suffix
	if len(n) <= maxIdentLength {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(n))
	return fmt.Sprintf("%s_%08x", n[:maxIdentLength-9], h.Sum32())
}

// alterTable plans the changes of an existing table: pre are changes that must run first
// (MySQL: dropping the foreign keys of dropped fields), mod the table's ModifyTable, fks the
// foreign keys to new tables.
func (p *planner) alterTable(tp *tplan) (pre, mod, fks []schema.Change, err error) {
	t, orig := tp.t, tp.orig
	var changes, preFK []schema.Change
	removeIndex := func(idx *schema.Index) {
		for i, x := range t.Indexes {
			if x == idx {
				t.Indexes = append(t.Indexes[:i:i], t.Indexes[i+1:]...)
				return
			}
		}
	}
	removeFK := func(fk *schema.ForeignKey) {
		for i, x := range t.ForeignKeys {
			if x == fk {
				t.ForeignKeys = append(t.ForeignKeys[:i:i], t.ForeignKeys[i+1:]...)
				return
			}
		}
	}
	singleIndexes := func(name string, unique bool) []*schema.Index {
		var out []*schema.Index
		for _, idx := range orig.Indexes {
			if idx.Unique == unique && len(idx.Parts) == 1 && idx.Parts[0].C != nil && strings.EqualFold(idx.Parts[0].C.Name, name) {
				out = append(out, idx)
			}
		}
		return out
	}
	for _, cp := range tp.cols {
		if cp.orig == nil { // a new field
			t.Columns = append(t.Columns, cp.col)
			changes = append(changes, &schema.AddColumn{C: cp.col})
			if cp.f.unique != nil && *cp.f.unique {
				idx := newIndex(t, cp.col, true)
				t.Indexes = append(t.Indexes, idx)
				changes = append(changes, &schema.AddIndex{I: idx})
			} else if cp.f.index != nil && *cp.f.index {
				idx := newIndex(t, cp.col, false)
				t.Indexes = append(t.Indexes, idx)
				changes = append(changes, &schema.AddIndex{I: idx})
			}
			if cp.ref != nil {
				fk := p.foreignKey(tp, cp)
				if rtp := p.plans[strings.ToLower(cp.ref.rt.Name)]; p.d != dialect.SQLite && rtp != nil && rtp.orig == nil {
					fks = append(fks, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddForeignKey{F: fk}}})
				} else {
					t.ForeignKeys = append(t.ForeignKeys, fk)
					changes = append(changes, &schema.AddForeignKey{F: fk})
				}
			}
			continue
		}
		oc, ic := cp.orig, cp.info
		var kind schema.ChangeKind
		if typeKey(p.d, cp.col.Type.Type) != typeKey(p.d, oc.Type.Type) {
			kind |= schema.ChangeType
		}
		if !cp.pk && cp.col.Type.Null != oc.Type.Null {
			kind |= schema.ChangeNull
		}
		if !sameDefault(cp.defNorm, ic.Default) {
			kind |= schema.ChangeDefault
		}
		if p.d == dialect.MySQL && hasOnUpdate(cp.col.Attrs) != hasOnUpdate(oc.Attrs) {
			kind |= schema.ChangeAttr
		}
		if cp.pk && kind != schema.NoChange {
			return nil, nil, nil, p.bad("The primary key field '%s' of table '%s' can not be changed.", oc.Name, t.Name)
		}
		if kind != schema.NoChange {
			for i, c := range t.Columns {
				if c.Name == oc.Name {
					t.Columns[i] = cp.col
				}
			}
			mc := &schema.ModifyColumn{From: oc, To: cp.col, Change: kind}
			if p.d == dialect.Postgres && kind.Is(schema.ChangeType) {
				if f, err := formatType(p.d, cp.col.Type.Type); err == nil && reIdent.MatchString(oc.Name) {
					mc.Extra = append(mc.Extra, &postgres.ConvertUsing{X: fmt.Sprintf("%q::%s", oc.Name, f)})
				}
			}
			changes = append(changes, mc)
		} else {
			// Unchanged: keep the inspected column (and its attributes) in the desired table.
			for _, c := range t.Columns {
				if c.Name == oc.Name {
					cp.col = c
				}
			}
		}
		keepsFK := cp.keepFK && len(columnFKs(orig, oc.Name)) > 0 || cp.ref != nil
		if !cp.pk {
			if u := cp.f.unique; u != nil && *u != ic.IsUnique {
				if *u {
					idx := newIndex(t, cp.col, true)
					t.Indexes = append(t.Indexes, idx)
					changes = append(changes, &schema.AddIndex{I: idx})
				} else {
					for _, idx := range singleIndexes(oc.Name, true) {
						removeIndex(idx)
						changes = append(changes, &schema.DropIndex{I: idx})
					}
				}
			}
			unique := ic.IsUnique
			if cp.f.unique != nil {
				unique = *cp.f.unique
			}
			plain := singleIndexes(oc.Name, false)
			if x := cp.f.index; x != nil {
				switch {
				case *x && len(plain) == 0 && !unique:
					idx := newIndex(t, cp.col, false)
					t.Indexes = append(t.Indexes, idx)
					changes = append(changes, &schema.AddIndex{I: idx})
				case !*x && len(plain) > 0 && !(p.d == dialect.MySQL && keepsFK):
					for _, idx := range plain {
						removeIndex(idx)
						changes = append(changes, &schema.DropIndex{I: idx})
					}
				}
			}
		}
		if cp.keepFK {
			continue
		}
		existing := columnFKs(orig, oc.Name)
		if cp.ref == nil {
			for _, fk := range existing {
				removeFK(fk)
				changes = append(changes, &schema.DropForeignKey{F: fk})
			}
			continue
		}
		w := cp.ref
		matched := false
		for _, fk := range existing {
			if fk.RefTable != nil && strings.EqualFold(fk.RefTable.Name, w.rt.Name) && len(fk.RefColumns) == 1 &&
				strings.EqualFold(fk.RefColumns[0].Name, w.rc.Name) && sameAction(p.d, fk.OnDelete, w.onDelete) && sameAction(p.d, fk.OnUpdate, w.onUpdate) {
				matched = true
			}
		}
		if matched {
			continue
		}
		nfk := p.foreignKey(tp, cp)
		if rtp := p.plans[strings.ToLower(w.rt.Name)]; p.d != dialect.SQLite && rtp != nil && rtp.orig == nil {
			for _, fk := range existing {
				removeFK(fk)
				changes = append(changes, &schema.DropForeignKey{F: fk})
			}
			fks = append(fks, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddForeignKey{F: nfk}}})
			continue
		}
		switch {
		case len(existing) == 1:
			// Replaced in two steps (MySQL can not drop and add a constraint in one ALTER TABLE);
			// only the action kinds are given, so that MySQL keeps the column's index.
			removeFK(existing[0])
			t.ForeignKeys = append(t.ForeignKeys, nfk)
			changes = append(changes, &schema.ModifyForeignKey{From: existing[0], To: nfk,
				Change: schema.ChangeDeleteAction | schema.ChangeUpdateAction})
		default:
			for _, fk := range existing {
				removeFK(fk)
				changes = append(changes, &schema.DropForeignKey{F: fk})
			}
			t.ForeignKeys = append(t.ForeignKeys, nfk)
			changes = append(changes, &schema.AddForeignKey{F: nfk})
		}
	}
	for _, oc := range tp.drops {
		for i, c := range t.Columns {
			if c.Name == oc.Name {
				t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
				break
			}
		}
		for _, idx := range append([]*schema.Index(nil), t.Indexes...) {
			for _, part := range idx.Parts {
				if part.C != nil && part.C.Name == oc.Name {
					removeIndex(idx)
					break
				}
			}
		}
		for _, fk := range append([]*schema.ForeignKey(nil), t.ForeignKeys...) {
			for _, c := range fk.Columns {
				if c.Name == oc.Name {
					removeFK(fk)
					if p.d == dialect.MySQL {
						preFK = append(preFK, &schema.DropForeignKey{F: fk})
					}
					break
				}
			}
		}
		changes = append(changes, &schema.DropColumn{C: oc})
	}
	if len(preFK) > 0 {
		pre = append(pre, &schema.ModifyTable{T: t, Changes: preFK})
	}
	if len(changes) > 0 {
		mod = append(mod, &schema.ModifyTable{T: t, Changes: changes})
	}
	return pre, mod, fks, nil
}

func hasOnUpdate(attrs []schema.Attr) bool {
	for _, a := range attrs {
		if _, ok := a.(*mysql.OnUpdate); ok {
			return true
		}
	}
	return false
}

// dropTable plans dropping a table; a table that another table (not dropped by this request)
// references is refused. Atlas orders the drops of PostgreSQL and MySQL by their references
// (and drops the foreign keys first when the tables reference each other); SQLite drops with
// foreign keys off.
func (p *planner) dropTable(tp *tplan, drop []schema.Change) ([]schema.Change, error) {
	var refs []string
	for _, other := range p.realm.Tables {
		if o := p.plans[strings.ToLower(other.Name)]; o != nil && o.op.drop {
			continue
		}
		for _, fk := range other.ForeignKeys {
			if fk.RefTable != nil && fk.RefTable.Name == tp.orig.Name && other != tp.orig && len(fk.Columns) > 0 {
				refs = append(refs, other.Name+"."+fk.Columns[0].Name)
			}
		}
	}
	if len(refs) > 0 {
		sort.Strings(refs)
		return nil, p.bad("Table '%s' is referenced by %s; drop those tables or change those references first.",
			tp.orig.Name, strings.Join(refs, ", "))
	}
	return append(drop, &schema.DropTable{T: tp.orig}), nil
}

// cloneTable copies an inspected table so that the desired state can differ from it. On SQLite
// sizes are written into type names (see sqliteKeepSize), as a rebuild prints them.
func cloneTable(d string, orig *schema.Table) *schema.Table {
	t := *orig
	t.Columns = append([]*schema.Column(nil), orig.Columns...)
	t.Indexes = append([]*schema.Index(nil), orig.Indexes...)
	t.ForeignKeys = append([]*schema.ForeignKey(nil), orig.ForeignKeys...)
	if d == dialect.SQLite {
		for i, c := range t.Columns {
			if nt := sqliteKeepSize(c.Type.Type); nt != c.Type.Type {
				cc, ct := *c, *c.Type
				ct.Type = nt
				cc.Type = &ct
				t.Columns[i] = &cc
			}
		}
	}
	return &t
}
