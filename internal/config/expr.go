package config

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// funcTable holds the functions of expressions: go-cty's stdlib as a
// Terraform user knows it. Functions that could build a value far larger
// than the files (setproduct, indent, jsondecode) are left out; format,
// formatlist, join and replace refuse results beyond the string limit.
var funcTable = map[string]function.Function{
	"abs":             stdlib.AbsoluteFunc,
	"can":             tryfunc.CanFunc,
	"ceil":            stdlib.CeilFunc,
	"chomp":           stdlib.ChompFunc,
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        coalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"distinct":        distinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"floor":           stdlib.FloorFunc,
	"format":          guarded(stdlib.FormatFunc, checkFormat),
	"formatdate":      stdlib.FormatDateFunc,
	"formatlist":      guarded(stdlib.FormatListFunc, checkFormatList),
	"join":            guarded(stdlib.JoinFunc, checkJoin),
	"jsonencode":      stdlib.JSONEncodeFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"lookup":          stdlib.LookupFunc,
	"lower":           stdlib.LowerFunc,
	"max":             stdlib.MaxFunc,
	"merge":           stdlib.MergeFunc,
	"min":             stdlib.MinFunc,
	"parseint":        stdlib.ParseIntFunc,
	"range":           stdlib.RangeFunc,
	"regex":           stdlib.RegexFunc,
	"regexall":        stdlib.RegexAllFunc,
	"replace":         guarded(stdlib.ReplaceFunc, checkReplace),
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"split":           stdlib.SplitFunc,
	"strlen":          stdlib.StrlenFunc,
	"substr":          stdlib.SubstrFunc,
	"timeadd":         stdlib.TimeAddFunc,
	"title":           stdlib.TitleFunc,
	"tobool":          stdlib.MakeToFunc(cty.Bool),
	"tolist":          linearTo(stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), cty.ListVal),
	"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":        stdlib.MakeToFunc(cty.Number),
	"toset":           linearTo(stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), cty.SetVal),
	"tostring":        stdlib.MakeToFunc(cty.String),
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"try":             tryfunc.TryFunc,
	"upper":           stdlib.UpperFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          stdlib.ZipmapFunc,
}

func functions() map[string]function.Function { return funcTable }

// coalesceFunc is coalesce as Terraform has it: the first argument that is
// neither null nor an empty string.
var coalesceFunc = function.New(&function.Spec{
	Description: "Returns the first argument that is neither null nor an empty string.",
	VarParam:    &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowNull: true},
	Type:        func(args []cty.Value) (cty.Type, error) { return stdlib.CoalesceFunc.ReturnTypeForValues(args) },
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, a := range args {
			if a.IsNull() || (a.Type() == cty.String && a.AsString() == "") {
				continue
			}
			v, err := convert.Convert(a, retType)
			if err != nil {
				return cty.NilVal, err
			}
			return v, nil
		}
		return cty.NilVal, fmt.Errorf("no argument is neither null nor an empty string")
	},
})

// lengthFunc is length as Terraform has it: the number of elements of a
// list, set, map, tuple or object, or the number of characters of a
// string. go-cty's refuses strings and objects, and a map written in a
// locals block is an object.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection or structure, or of characters of a string.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
		AllowMarked:      true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "argument must be a string, a collection type, or a structural type")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		switch {
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		case v.IsNull():
			return cty.NilVal, function.NewArgErrorf(0, "argument must not be null")
		case v.Type() == cty.String:
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		return v.Length().WithMarks(marks), nil
	},
})

// MaxMixedConversion is the most elements toset and tolist convert from a
// tuple whose elements are not all of one type: go-cty's conversion of a
// tuple takes time quadratic in its length (10,000 elements: 3 s; 20,000:
// 14 s). Tuples of one element type, as every literal list of emails is,
// are converted in linear time, whatever their length.
const MaxMixedConversion = 2000

// linearTo wraps go-cty's toset or tolist: a tuple whose elements all have
// one type is made into the collection directly (mk), in linear time;
// any other argument goes to std, a tuple of mixed types only up to
// MaxMixedConversion elements.
func linearTo(std function.Function, mk func([]cty.Value) cty.Value) function.Function {
	return function.New(&function.Spec{
		Description: std.Description(),
		Params:      std.Params(),
		Type: func(args []cty.Value) (cty.Type, error) {
			ty := args[0].Type()
			if !ty.IsTupleType() {
				return std.ReturnTypeForValues(args)
			}
			if ety, ok := oneElementType(ty); ok {
				return mk([]cty.Value{cty.UnknownVal(ety)}).Type(), nil
			}
			if n := ty.Length(); n > MaxMixedConversion {
				return cty.NilType, function.NewArgErrorf(0, "this list has %d elements of different types, more than %d, the most roster converts when the types differ (the conversion takes quadratic time); give every element the same type", n, MaxMixedConversion)
			}
			return std.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			v := args[0]
			if ety, ok := oneElementType(v.Type()); ok && !v.IsNull() && v.IsKnown() && !v.IsMarked() &&
				(retType.IsSetType() || retType.IsListType()) && retType.ElementType().Equals(ety) {
				elems := v.AsValueSlice()
				direct := true
				for _, e := range elems {
					if e.IsNull() || e.IsMarked() || !e.IsWhollyKnown() {
						direct = false
						break
					}
					if e.Type() == cty.String && len(e.AsString()) > maxStringBytes {
						return cty.NilVal, fmt.Errorf("an element is a string longer than %d bytes, the limit of one file", maxStringBytes)
					}
				}
				if direct {
					return mk(elems), nil
				}
			}
			return std.Call(args)
		},
	})
}

// oneElementType is the type all elements of a non-empty tuple type share.
func oneElementType(ty cty.Type) (cty.Type, bool) {
	if !ty.IsTupleType() {
		return cty.NilType, false
	}
	elems := ty.TupleElementTypes()
	if len(elems) == 0 {
		return cty.NilType, false
	}
	for _, e := range elems[1:] {
		if !e.Equals(elems[0]) {
			return cty.NilType, false
		}
	}
	return elems[0], elems[0] != cty.DynamicPseudoType
}

func init() {
	for name, f := range funcTable {
		funcTable[name] = listArgs(f)
	}
}

// listArgs wraps f so that a tuple whose elements all have one type, given
// where f takes a list or a set, reaches f as a list made directly, in
// linear time (a set where f takes a set): go-cty's own conversion of a tuple to a collection compares
// every element type with every other (16,000 emails in sort or join: 2 s;
// 32,000: 8 s). Any other argument reaches f unchanged.
func listArgs(f function.Function) function.Function {
	params := f.Params()
	vp := f.VarParam()
	collection := func(p *function.Parameter) bool {
		return p != nil && (p.Type.IsListType() || p.Type.IsSetType())
	}
	paramAt := func(i int) *function.Parameter {
		if i < len(params) {
			return &params[i]
		}
		return vp
	}
	loose := func(p function.Parameter) function.Parameter {
		if p.Type.IsListType() || p.Type.IsSetType() {
			p.Type = cty.DynamicPseudoType
		}
		return p
	}
	has := collection(vp)
	wparams := make([]function.Parameter, len(params))
	for i, p := range params {
		has = has || collection(&p)
		wparams[i] = loose(p)
	}
	if !has {
		return f
	}
	var wvp *function.Parameter
	if vp != nil {
		v := loose(*vp)
		wvp = &v
	}
	convert := func(args []cty.Value) []cty.Value {
		out := args
		for i, a := range args {
			p := paramAt(i)
			if !collection(p) {
				continue
			}
			if l, ok := tupleAs(a, p.Type.IsSetType()); ok {
				if &out[0] == &args[0] {
					out = slices.Clone(args)
				}
				out[i] = l
			}
		}
		return out
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      wparams,
		VarParam:    wvp,
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(convert(args))
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return f.Call(convert(args))
		},
	})
}

// tupleAs is v, a known tuple whose elements all have one type, as a list,
// or as a set.
func tupleAs(v cty.Value, set bool) (cty.Value, bool) {
	if _, ok := oneElementType(v.Type()); !ok || v.IsNull() || !v.IsKnown() || v.IsMarked() {
		return cty.NilVal, false
	}
	elems := v.AsValueSlice()
	for _, e := range elems {
		if e.IsMarked() || (set && e.IsNull()) {
			return cty.NilVal, false
		}
	}
	if set {
		return cty.SetVal(elems), true
	}
	return cty.ListVal(elems), true
}

// distinctFunc is go-cty's distinct, in linear time for a list of known
// strings (go-cty compares each element with every one kept before it).
var distinctFunc = function.New(&function.Spec{
	Description: stdlib.DistinctFunc.Description(),
	Params:      stdlib.DistinctFunc.Params(),
	Type:        func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		l := args[0]
		if !l.Type().IsListType() || l.Type().ElementType() != cty.String || !l.IsWhollyKnown() || l.IsNull() || l.LengthInt() == 0 {
			return stdlib.DistinctFunc.Call(args)
		}
		seen := map[string]bool{}
		var kept []cty.Value
		for _, e := range l.AsValueSlice() {
			if e.IsNull() || e.IsMarked() {
				return stdlib.DistinctFunc.Call(args)
			}
			if s := e.AsString(); !seen[s] {
				seen[s] = true
				kept = append(kept, e)
			}
		}
		return cty.ListVal(kept), nil
	},
})

// FunctionNames lists the functions expressions may call, sorted.
func FunctionNames() []string { return slices.Sorted(maps.Keys(funcTable)) }

// guarded wraps f so that check sees the arguments first.
func guarded(f function.Function, check func([]cty.Value) error) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        func(args []cty.Value) (cty.Type, error) { return f.ReturnTypeForValues(args) },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := check(args); err != nil {
				return cty.NilVal, err
			}
			return f.Call(args)
		},
	})
}

func knownString(v cty.Value) (string, bool) {
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// checkFormat refuses widths and precisions that would pad a string to
// megabytes.
func checkFormat(args []cty.Value) error {
	f, ok := knownString(args[0])
	if !ok {
		return nil
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("+- #0", f[i]) >= 0 {
			i++
		}
		for part := 0; part < 2; part++ {
			n := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				n = min(n*10+int(f[i]-'0'), 1<<30)
				i++
			}
			if n > 10000 {
				return fmt.Errorf("a width or precision of %d is too large; at most 10000", n)
			}
			if part == 0 && i < len(f) && f[i] == '.' {
				i++
				continue
			}
			break
		}
	}
	return nil
}

func checkFormatList(args []cty.Value) error {
	if err := checkFormat(args); err != nil {
		return err
	}
	f, _ := knownString(args[0])
	for _, a := range args[1:] {
		if a.IsKnown() && !a.IsNull() && a.CanIterateElements() {
			if int64(len(f))*int64(a.LengthInt()) > maxStringBytes {
				return fmt.Errorf("the result would be larger than %d bytes", maxStringBytes)
			}
		}
	}
	return nil
}

func checkJoin(args []cty.Value) error {
	sep, ok := knownString(args[0])
	if !ok {
		return nil
	}
	n := int64(0)
	for _, a := range args[1:] {
		if a.IsKnown() && !a.IsNull() && a.CanIterateElements() {
			n += int64(a.LengthInt())
		}
	}
	if int64(len(sep))*n > maxStringBytes {
		return fmt.Errorf("the result would be larger than %d bytes", maxStringBytes)
	}
	return nil
}

func checkReplace(args []cty.Value) error {
	s, ok1 := knownString(args[0])
	old, ok2 := knownString(args[1])
	repl, ok3 := knownString(args[2])
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	var n int
	if old == "" {
		n = utf8.RuneCountInString(s) + 1
	} else {
		n = strings.Count(s, old)
	}
	if int64(len(s))+int64(n)*int64(len(repl)) > maxStringBytes {
		return fmt.Errorf("the result would be larger than %d bytes", maxStringBytes)
	}
	return nil
}

// literalString returns the value of a plain quoted string without
// evaluating anything: the common case, kept fast.
func literalString(e hcl.Expression) (string, bool) {
	if t, ok := e.(*hclsyntax.TemplateExpr); ok && len(t.Parts) == 1 {
		if lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && !lit.Val.IsNull() {
			return lit.Val.AsString(), true
		}
	}
	return "", false
}

// value evaluates e in ctx. ok is false when evaluation failed (the
// diagnostics are recorded) or the value is not known, which only happens
// downstream of an error already reported.
func (l *loader) value(e hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return x.Val, true
	case *hclsyntax.TemplateExpr:
		if s, ok := literalString(x); ok {
			return cty.StringVal(s), true
		}
	}
	if !l.checkLocalRefs(e) {
		return cty.DynamicVal, false
	}
	v, diags := e.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.DynamicVal, false
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return v, false
	}
	return v, true
}

func article(ty cty.Type) string {
	n := ty.FriendlyName()
	switch {
	case ty == cty.DynamicPseudoType:
		return "a value of unknown type"
	case strings.HasPrefix(n, "o"), strings.HasPrefix(n, "a"):
		return "an " + n
	}
	return "a " + n
}

// str evaluates a string attribute. ok is false when it is absent, null,
// or wrong (reported); a required attribute set to null is reported too.
func (l *loader) str(e hcl.Expression, ctx *hcl.EvalContext, name string, required bool) (string, bool) {
	if e == nil {
		return "", false
	}
	if s, ok := literalString(e); ok {
		return s, true
	}
	v, ok := l.value(e, ctx)
	if !ok {
		return "", false
	}
	if v.IsNull() {
		if required {
			l.errorf(e.Range(), "Invalid value for "+name, "The argument %q is required and cannot be null.", name)
		}
		return "", false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		l.errorf(e.Range(), "Invalid value for "+name, "%s must be a string; this is %s.", name, article(v.Type()))
		return "", false
	}
	return sv.AsString(), true
}

// boolean evaluates a bool attribute; ok is false when absent, null or wrong.
func (l *loader) boolean(e hcl.Expression, ctx *hcl.EvalContext, name string) (bool, bool) {
	if e == nil {
		return false, false
	}
	v, ok := l.value(e, ctx)
	if !ok || v.IsNull() {
		return false, false
	}
	bv, err := convert.Convert(v, cty.Bool)
	if err != nil {
		l.errorf(e.Range(), "Invalid value for "+name, "%s must be true or false; this is %s.", name, article(v.Type()))
		return false, false
	}
	return bv.True(), true
}

// whole evaluates a whole number of at least minimum.
func (l *loader) whole(e hcl.Expression, ctx *hcl.EvalContext, name string, minimum int) (int, bool) {
	if e == nil {
		return 0, false
	}
	v, ok := l.value(e, ctx)
	if !ok || v.IsNull() {
		return 0, false
	}
	nv, err := convert.Convert(v, cty.Number)
	if err != nil {
		l.errorf(e.Range(), "Invalid value for "+name, "%s must be a whole number of %d or more; this is %s.", name, minimum, article(v.Type()))
		return 0, false
	}
	bf := nv.AsBigFloat()
	i, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || i < int64(minimum) || i > 1<<31-1 {
		l.errorf(e.Range(), "Invalid value for "+name, "%s must be a whole number of %d or more; %s is not.", name, minimum, bf.Text('g', 10))
		return 0, false
	}
	return int(i), true
}

// strList evaluates a list (or set, or tuple) of strings, with the range
// of each element where the expression writes them one by one.
func (l *loader) strList(e hcl.Expression, ctx *hcl.EvalContext, name string) ([]string, []hcl.Range, bool) {
	if e == nil {
		return nil, nil, false
	}
	v, ok := l.value(e, ctx)
	if !ok || v.IsNull() {
		return nil, nil, false
	}
	ty := v.Type()
	if !(ty.IsListType() || ty.IsSetType() || ty.IsTupleType()) {
		l.errorf(e.Range(), "Invalid value for "+name, "%s must be a list of strings; this is %s.", name, article(ty))
		return nil, nil, false
	}
	if v.LengthInt() > MaxElements {
		l.diags = append(l.diags, checkValueSize(v, e.Range()))
		return nil, nil, false
	}
	var elemRanges []hclsyntax.Expression
	if tc, ok := e.(*hclsyntax.TupleConsExpr); ok && len(tc.Exprs) == v.LengthInt() && !ty.IsSetType() {
		elemRanges = tc.Exprs
	}
	out := make([]string, 0, v.LengthInt())
	rngs := make([]hcl.Range, 0, v.LengthInt())
	good := true
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		rng := e.Range()
		if elemRanges != nil {
			rng = elemRanges[i].Range()
		}
		if ev.IsNull() {
			l.errorf(rng, "Invalid value for "+name, "%s must be a list of strings; element %d is null.", name, i+1)
			good = false
			continue
		}
		sv, err := convert.Convert(ev, cty.String)
		if err != nil {
			l.errorf(rng, "Invalid value for "+name, "%s must be a list of strings; element %d is %s.", name, i+1, article(ev.Type()))
			good = false
			continue
		}
		out = append(out, sv.AsString())
		rngs = append(rngs, rng)
	}
	return out, rngs, good
}

// checkLocalRefs reports references to local values that no locals block
// declares, and references to the local object as a whole.
func (l *loader) checkLocalRefs(e hcl.Expression) bool {
	ok := true
	for _, tr := range e.Variables() {
		if tr.RootName() == "var" {
			l.inputVariable(tr)
			ok = false
			continue
		}
		if tr.RootName() != "local" {
			continue
		}
		name, rng, good := localRef(tr)
		if !good {
			l.errorf(tr.SourceRange(), "Invalid reference to local values",
				"The local object cannot be used as a whole; refer to one value as local.NAME.")
			ok = false
			continue
		}
		if !l.ctx.Variables["local"].Type().HasAttribute(name) {
			l.errorf(rng, "Unknown local value", "local.%s is not declared in any locals block.", name)
			ok = false
		}
	}
	return ok
}

// inputVariable reports var.NAME, a Terraform habit: roster has no input
// variables, and HCL alone would say only that "var" is unknown.
func (l *loader) inputVariable(tr hcl.Traversal) {
	l.errorf(tr.SourceRange(), "Input variables not supported",
		"roster has no input variables, so %s names nothing; declare the value in a locals block and refer to it as local.NAME.", traversalText(tr))
}

// traversalText prints the root and first attribute of a traversal, as
// written: var.NAME.
func traversalText(tr hcl.Traversal) string {
	if len(tr) > 1 {
		if a, ok := tr[1].(hcl.TraverseAttr); ok {
			return tr.RootName() + "." + a.Name
		}
	}
	return tr.RootName()
}

// localRef reads local.NAME (or local["NAME"]) from a traversal.
func localRef(tr hcl.Traversal) (string, hcl.Range, bool) {
	if len(tr) < 2 {
		return "", tr.SourceRange(), false
	}
	rng := hcl.RangeBetween(tr[0].SourceRange(), tr[1].SourceRange())
	switch s := tr[1].(type) {
	case hcl.TraverseAttr:
		return s.Name, rng, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), rng, true
		}
	}
	return "", rng, false
}

type localDef struct {
	name  string
	attr  *hcl.Attribute
	deps  []*localDef
	state int // 0 new, 1 being evaluated, 2 done
	val   cty.Value
}

// decodeLocals evaluates every local value in dependency order and puts
// them in the root context as local.NAME.
func (l *loader) decodeLocals(blocks []*hcl.Block) {
	defs := map[string]*localDef{}
	var order []*localDef
	for _, b := range blocks {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		list := make([]*hcl.Attribute, 0, len(attrs))
		for _, a := range attrs {
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].NameRange.Start.Byte < list[j].NameRange.Start.Byte })
		for _, a := range list {
			if prev, dup := defs[a.Name]; dup {
				l.errorf(a.NameRange, "Duplicate local value",
					"local.%s is already declared at %s; each local value is declared once.", a.Name, at(prev.attr.NameRange))
				continue
			}
			d := &localDef{name: a.Name, attr: a, val: cty.DynamicVal}
			defs[a.Name] = d
			order = append(order, d)
		}
	}
	bad := map[*localDef]bool{}
	for _, d := range order {
		for _, tr := range d.attr.Expr.Variables() {
			if tr.RootName() == "var" {
				l.inputVariable(tr)
				bad[d] = true
				continue
			}
			if tr.RootName() != "local" {
				continue
			}
			name, rng, good := localRef(tr)
			if !good {
				l.errorf(tr.SourceRange(), "Invalid reference to local values",
					"The local object cannot be used as a whole; refer to one value as local.NAME.")
				bad[d] = true
				continue
			}
			dep, ok := defs[name]
			if !ok {
				l.errorf(rng, "Unknown local value", "local.%s is not declared in any locals block.", name)
				bad[d] = true
				continue
			}
			d.deps = append(d.deps, dep)
		}
	}
	var stack []*localDef
	var visit func(d *localDef)
	visit = func(d *localDef) {
		switch d.state {
		case 2:
			return
		case 1:
			// A cycle: report it once, at the local that closes it.
			i := len(stack) - 1
			for i >= 0 && stack[i] != d {
				i--
			}
			cycle := append([]*localDef{}, stack[i:]...)
			names := make([]string, 0, len(cycle)+1)
			for _, c := range cycle {
				names = append(names, "local."+c.name)
				bad[c] = true
			}
			names = append(names, "local."+d.name)
			l.errorf(d.attr.Expr.Range(), "Cycle in local values",
				"local.%s depends on itself: %s. A local value cannot refer to itself, directly or through others.",
				d.name, strings.Join(names, " → "))
			return
		}
		d.state = 1
		stack = append(stack, d)
		vars := map[string]cty.Value{}
		for _, dep := range d.deps {
			visit(dep)
		}
		stack = stack[:len(stack)-1]
		d.state = 2
		if bad[d] {
			return
		}
		for _, dep := range d.deps {
			vars[dep.name] = dep.val
		}
		ctx := &hcl.EvalContext{Functions: funcTable, Variables: map[string]cty.Value{"local": cty.ObjectVal(vars)}}
		v, diags := d.attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return
		}
		if dd := checkValueSize(v, d.attr.Expr.Range()); dd != nil {
			l.diags = append(l.diags, dd)
			return
		}
		d.val = v
	}
	all := map[string]cty.Value{}
	for _, d := range order {
		visit(d)
		all[d.name] = d.val
	}
	if len(all) > 0 {
		l.ctx.Variables["local"] = cty.ObjectVal(all)
	}
}

// repetition is one instance of a block with for_each.
type repetition struct {
	key string
	ctx *hcl.EvalContext
}

// forEach evaluates a for_each expression: a set of strings or a map.
func (l *loader) forEach(e hcl.Expression) ([]repetition, bool) {
	v, ok := l.value(e, l.ctx)
	if !ok {
		return nil, false
	}
	bad := func(what, hint string) ([]repetition, bool) {
		l.errorf(e.Range(), "Invalid for_each",
			"for_each must be a set of strings or a map, as in Terraform; this is %s.%s", what, hint)
		return nil, false
	}
	if v.IsNull() {
		return bad("null", "")
	}
	ty := v.Type()
	if (ty.IsSetType() || ty.IsMapType() || ty.IsObjectType()) && v.LengthInt() > MaxElements {
		l.diags = append(l.diags, checkValueSize(v, e.Range()))
		return nil, false
	}
	var reps []repetition
	add := func(k string, val cty.Value) {
		ctx := l.ctx.NewChild()
		ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(k), "value": val})}
		reps = append(reps, repetition{key: k, ctx: ctx})
	}
	switch {
	case ty.IsSetType():
		if v.LengthInt() == 0 {
			return nil, true
		}
		if ty.ElementType() != cty.String {
			return bad(article(ty), " Convert the elements to strings, or use a map.")
		}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() {
				return bad("a set holding null", "")
			}
			add(ev.AsString(), ev)
		}
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			add(k.AsString(), ev)
		}
	case ty.IsListType() || ty.IsTupleType():
		return bad(article(ty), " For a list of strings, write toset(...).")
	default:
		return bad(article(ty), "")
	}
	return reps, true
}

// checkDynamicForEach bounds the for_each of dynamic blocks.
func checkDynamicForEach(v cty.Value, e hcl.Expression, _ *hcl.EvalContext) hcl.Diagnostics {
	v, _ = v.Unmark()
	if v.IsKnown() && !v.IsNull() && v.CanIterateElements() && v.LengthInt() > MaxElements {
		return hcl.Diagnostics{checkValueSize(v, e.Range())}
	}
	return nil
}

// forEachOnly reads a dynamic block's for_each, before its expansion.
var forEachOnly = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "for_each"}}}

// expandGrants returns the grant blocks of a holder's body: the static
// ones as they are, and dynamic "grant" blocks expanded in ctx. ok is
// false when a dynamic block could not be expanded (reported): the
// grants are then not all known.
func (l *loader) expandGrants(body hcl.Body, static []*hcl.Block, ctx *hcl.EvalContext) (grants []*hcl.Block, ok bool) {
	dynamic := false
	for _, b := range static {
		if b.Type == "dynamic" {
			dynamic = true
			break
		}
	}
	if !dynamic {
		return static, true
	}
	// A for_each is checked as every expression is (checkLocalRefs), so
	// var.NAME or an undeclared local gets roster's words rather than
	// HCL's "Unknown variable"; its holder's grants are then not known.
	refsOK := true
	for _, b := range static {
		if b.Type != "dynamic" {
			continue
		}
		if fe, _, _ := b.Body.PartialContent(forEachOnly); fe != nil && fe.Attributes["for_each"] != nil {
			refsOK = l.checkLocalRefs(fe.Attributes["for_each"].Expr) && refsOK
		}
	}
	if !refsOK {
		return slices.DeleteFunc(slices.Clone(static), func(b *hcl.Block) bool { return b.Type == "dynamic" }), false
	}
	c, _, diags := dynblock.Expand(body, ctx, dynblock.OptCheckForEach(checkDynamicForEach)).PartialContent(grantsOnly)
	pointAtDynamic(diags, static)
	l.diags = append(l.diags, diags...)
	if c == nil {
		return nil, false
	}
	return c.Blocks, !diags.HasErrors()
}

// pointAtDynamic gives the diagnostics of dynblock that point at the empty
// place where something is missing in a dynamic block's body (its opening
// brace: a missing content block or labels) the block's header instead,
// `dynamic "grant"`, so that each has a range to underline.
func pointAtDynamic(diags hcl.Diagnostics, static []*hcl.Block) {
	for _, d := range diags {
		r := d.Subject
		if r == nil || r.End.Byte > r.Start.Byte {
			continue
		}
		for _, b := range static {
			if b.Type == "dynamic" && b.Body.MissingItemRange() == *r {
				d.Subject = b.DefRange.Ptr()
				break
			}
		}
	}
}
