package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestFunctionsAsTerraform calls every function schema/language.md lists
// with an example of Terraform's documentation, and checks the result
// (as JSON) is Terraform's: language.md promises the functions "that a
// user would expect", named and behaving as in Terraform.
func TestFunctionsAsTerraform(t *testing.T) {
	cases := map[string]struct{ expr, want string }{
		"abs":             {`abs(-12.4)`, `12.4`},
		"can":             {`[can(tonumber("x")), can(tonumber("1"))]`, `[false,true]`},
		"ceil":            {`ceil(5.1)`, `6`},
		"chomp":           {`chomp("hello\n")`, `"hello"`},
		"chunklist":       {`chunklist(["a", "b", "c", "d", "e"], 2)`, `[["a","b"],["c","d"],["e"]]`},
		"coalesce":        {`coalesce("", "b", "c")`, `"b"`},
		"coalescelist":    {`coalescelist([], ["x"])`, `["x"]`},
		"compact":         {`compact(["a", "", "b"])`, `["a","b"]`},
		"concat":          {`concat(["a"], ["b", "c"])`, `["a","b","c"]`},
		"contains":        {`contains(["a", "b"], "b")`, `true`},
		"distinct":        {`distinct(["a", "b", "a"])`, `["a","b"]`},
		"element":         {`element(["a", "b", "c"], 3)`, `"a"`},
		"flatten":         {`flatten([["a"], [], ["b", ["c"]]])`, `["a","b","c"]`},
		"floor":           {`floor(4.9)`, `4`},
		"format":          {`format("Hello, %s!", "Ander")`, `"Hello, Ander!"`},
		"formatdate":      {`formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")`, `"02 Jan 2018 23:12 UTC"`},
		"formatlist":      {`formatlist("Hello, %s!", ["Valentina", "Ander"])`, `["Hello, Valentina!","Hello, Ander!"]`},
		"join":            {`join(", ", ["foo", "bar"])`, `"foo, bar"`},
		"jsonencode":      {`jsonencode({ "hello" = "world" })`, `"{\"hello\":\"world\"}"`},
		"keys":            {`keys({ a = 1, c = 2, d = 3 })`, `["a","c","d"]`},
		"length":          {`[length("hello"), length(["a", "b"]), length({ a = 1 })]`, `[5,2,1]`},
		"lookup":          {`lookup({ a = "ay", b = "bee" }, "c", "what?")`, `"what?"`},
		"lower":           {`lower("HELLO")`, `"hello"`},
		"max":             {`max(12, 54, 3)`, `54`},
		"merge":           {`merge({ a = "b" }, { e = "f" })`, `{"a":"b","e":"f"}`},
		"min":             {`min(12, 54, 3)`, `3`},
		"parseint":        {`parseint("FF", 16)`, `255`},
		"range":           {`range(1, 4)`, `[1,2,3]`},
		"regex":           {`regex("[a-z]+", "53453453.345345aaabbbccc23454")`, `"aaabbbccc"`},
		"regexall":        {`regexall("[a-z]+", "1234abcd5678efgh9")`, `["abcd","efgh"]`},
		"replace":         {`replace("1 + 2 + 3", "+", "-")`, `"1 - 2 - 3"`},
		"reverse":         {`reverse([1, 2, 3])`, `[3,2,1]`},
		"setintersection": {`setintersection(["a", "b"], ["b", "c"], ["b", "d"])`, `["b"]`},
		"setsubtract":     {`setsubtract(["a", "b", "c"], ["a", "c"])`, `["b"]`},
		"setunion":        {`setunion(["a", "b"], ["b", "c"])`, `["a","b","c"]`},
		"slice":           {`slice(["a", "b", "c", "d"], 1, 3)`, `["b","c"]`},
		"sort":            {`sort(["e", "d", "a", "x"])`, `["a","d","e","x"]`},
		"split":           {`split(",", "foo,bar,baz")`, `["foo","bar","baz"]`},
		"strlen":          {`strlen("hello")`, `5`},
		"substr":          {`substr("hello world", 1, 4)`, `"ello"`},
		"timeadd":         {`timeadd("2017-11-22T00:00:00Z", "10m")`, `"2017-11-22T00:10:00Z"`},
		"title":           {`title("hello world")`, `"Hello World"`},
		"tobool":          {`tobool("true")`, `true`},
		"tolist":          {`tolist(["a", "b", "c"])`, `["a","b","c"]`},
		"tomap":           {`tomap({ a = 1, b = 2 })`, `{"a":1,"b":2}`},
		"tonumber":        {`tonumber("1")`, `1`},
		"toset":           {`toset(["c", "b", "b"])`, `["b","c"]`},
		"tostring":        {`tostring(1)`, `"1"`},
		"trim":            {`trim("?!hello?!", "!?")`, `"hello"`},
		"trimprefix":      {`trimprefix("helloworld", "hello")`, `"world"`},
		"trimspace":       {`trimspace("  hello\n\n")`, `"hello"`},
		"trimsuffix":      {`trimsuffix("helloworld", "world")`, `"hello"`},
		"try":             {`try(tonumber("x"), "fallback")`, `"fallback"`},
		"upper":           {`upper("hello")`, `"HELLO"`},
		"values":          {`values({ a = 3, c = 2, d = 1 })`, `[3,2,1]`},
		"zipmap":          {`zipmap(["a", "b"], [1, 2])`, `{"a":1,"b":2}`},
	}
	for _, name := range FunctionNames() {
		if _, ok := cases[name]; !ok {
			t.Errorf("function %s has no example here", name)
		}
	}
	ctx := newLoader().ctx
	for name, c := range cases {
		e, diags := hclsyntax.ParseExpression([]byte("jsonencode("+c.expr+")"), name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: %v", name, diags)
			continue
		}
		v, diags := e.Value(ctx)
		if diags.HasErrors() {
			t.Errorf("%s: %s: %v", name, c.expr, diags)
			continue
		}
		if got := v.AsString(); got != c.want {
			t.Errorf("%s = %s, Terraform gives %s", c.expr, got, c.want)
		}
	}
}
