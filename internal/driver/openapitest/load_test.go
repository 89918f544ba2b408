package openapitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/roster-dev/roster/internal/testtool"
)

func init() {
	// JSON:API bodies are JSON (Piwik PRO).
	openapi3filter.RegisterBodyDecoder("application/vnd.api+json", openapi3filter.JSONBodyDecoder)
}

// docsDir is docs/apis/openapi, the platforms' published API documents
// as the repository keeps them (byte-for-byte copies, their sources and
// licences in its README).
func docsDir(t *testing.T) string {
	return filepath.Join(testtool.ModuleRoot(t), "docs", "apis", "openapi")
}

// document is one loaded API document and its router.
type document struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

// load reads a document, applies patch to its bytes and fix to the loaded
// document (the known defects, openapi/README.md), and makes its router.
// Servers are dropped so that routes match whatever host the fake has.
func load(t *testing.T, name string, patch func([]byte) []byte, fix func(*openapi3.T)) *document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(docsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if patch != nil {
		b = patch(b)
	}
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if fix != nil {
		fix(doc)
	}
	hoistReadOnly(doc)
	doc.Servers = nil
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation()); err != nil {
		t.Fatalf("%s does not validate after its patches: %v", name, err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &document{name: name, doc: doc, router: r}
}

// hoistReadOnly marks readOnly (writeOnly) a property whose allOf says so
// (`allOf: [{$ref: CreatedAt}, {readOnly: true}]`, as Piwik PRO's documents
// write it): OpenAPI 3.0 means it, but kin-openapi reads readOnly on the
// property's own schema only, and would require such a property in a
// request. This is the loader's limitation, not a defect of a document.
func hoistReadOnly(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, sub := range s.AllOf {
			if sub.Value != nil && sub.Value.ReadOnly {
				s.ReadOnly = true
			}
			if sub.Value != nil && sub.Value.WriteOnly {
				s.WriteOnly = true
			}
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range group {
				walk(r.Value)
			}
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
		for _, p := range s.Properties {
			walk(p.Value)
		}
	}
	for _, r := range doc.Components.Schemas {
		walk(r.Value)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					if mt.Schema != nil {
						walk(mt.Schema.Value)
					}
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						if mt.Schema != nil {
							walk(mt.Schema.Value)
						}
					}
				}
			}
		}
	}
}

// Known defects of the documents (openapi/README.md), patched here.

// usersPatch: users__public_v2.yaml puts a schema $ref where a response
// belongs (5 places).
func usersPatch(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("$ref: '#/components/schemas/No_Content'"), []byte("description: No content"))
}

// usersFix: DELETE and PATCH of /api/users/v2/{userId} do not declare
// the userId path parameter.
func usersFix(doc *openapi3.T) {
	item := doc.Paths.Value("/api/users/v2/{userId}")
	if item == nil {
		return
	}
	for _, op := range []*openapi3.Operation{item.Delete, item.Patch} {
		if op == nil || op.Parameters.GetByInAndName("path", "userId") != nil {
			continue
		}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter("userId").
			WithSchema(openapi3.NewStringSchema())})
	}
}

// groupsFix: POST /api/user-groups/v1 (add_user_group_v1) declares its
// body application/json, the one request body of the documents that is
// not JSON:API; piwikpro.md, Auth (line 14): "Request bodies need
// `Content-Type: application/vnd.api+json`; sending application/json
// gives 400 with code error.json-api-content-type [U][GS]. [G] declares
// application/json for creating a group; send vnd.api+json anyway". The
// same document's other bodies (the group's PATCH, its relationships) are
// vnd.api+json. The body is declared JSON:API here, with its schema.
func groupsFix(doc *openapi3.T) {
	item := doc.Paths.Value("/api/user-groups/v1")
	if item == nil || item.Post == nil || item.Post.RequestBody == nil || item.Post.RequestBody.Value == nil {
		return
	}
	content := item.Post.RequestBody.Value.Content
	if mt := content["application/json"]; mt != nil {
		delete(content, "application/json")
		content["application/vnd.api+json"] = mt
	}
}

// accessFix: UserPermissionsForApp and UserPermissionsForMetaSite require
// "permissions", although the property is named "permission" (piwikpro.md:
// "The meta-site item is the same").
func accessFix(doc *openapi3.T) {
	for _, name := range []string{"UserPermissionsForApp", "UserPermissionsForMetaSite"} {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			continue
		}
		attrs := s.Value.Properties["attributes"]
		if attrs == nil || attrs.Value == nil {
			continue
		}
		for i, r := range attrs.Value.Required {
			if r == "permissions" {
				attrs.Value.Required[i] = "permission"
			}
		}
	}
}

func TestDocumentsLoad(t *testing.T) {
	for _, d := range piwikDocs(t) {
		if len(d.doc.Paths.Map()) == 0 {
			t.Errorf("%s: no paths", d.name)
		}
	}
	if d := posthogDoc(t); !strings.Contains(d.name, "posthog") {
		t.Error(d.name)
	}
}

// posthogFix: drf-spectacular types a SerializerMethodField it cannot
// infer as a string; Role's members and associated_flags are such fields
// and PostHog returns lists there (ee/api/rbac/role.py: RoleMembership
// and flag lists). They are left untyped. (Found by this test; not yet
// in openapi/README.md's list.)
func posthogFix(doc *openapi3.T) {
	s := doc.Components.Schemas["Role"]
	if s == nil || s.Value == nil {
		return
	}
	for _, name := range []string{"members", "associated_flags"} {
		if p := s.Value.Properties[name]; p != nil && p.Value != nil {
			p.Value.Type = nil
		}
	}
}

func piwikDocs(t *testing.T) []*document {
	return []*document{
		load(t, "piwikpro/users__public_v2.yaml", usersPatch, usersFix),
		load(t, "piwikpro/user_groups__public_v1.yaml", nil, groupsFix),
		load(t, "piwikpro/access_control__public_v2.yaml", nil, accessFix),
		load(t, "piwikpro/apps__public_v2.yaml", nil, nil),
		load(t, "piwikpro/meta_sites__public_v1.yaml", nil, nil),
	}
}

func posthogDoc(t *testing.T) *document {
	return load(t, "posthog/schema-2024.yaml", nil, posthogFix)
}
