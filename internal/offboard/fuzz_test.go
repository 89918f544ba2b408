package offboard

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
)

// FuzzRemove hands Remove any configuration and email: it never panics,
// and whatever it returns as changed loads without errors and declares the
// person nowhere (the all-or-nothing promise).
func FuzzRemove(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var email string
		for _, file := range ar.Files {
			if file.Name == "email" {
				email = string(file.Data)
			}
		}
		for _, file := range ar.Files {
			if filepath.Ext(file.Name) == ".hcl" && filepath.Dir(file.Name) == "." {
				f.Add(file.Data, email)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, email string) {
		res, err := Remove("", []config.Source{{Name: "main.hcl", Data: src}}, email, nil)
		if err != nil || len(res.Changed) == 0 {
			return
		}
		if len(res.Unsafe) > 0 {
			t.Fatal("changes returned beside unsafe places")
		}
		after := config.LoadSources(res.Changed)
		if after.Diags.HasErrors() {
			t.Fatalf("the edited configuration does not load: %v", after.Diags)
		}
		e, _ := model.ParseEmail(email)
		if d := declarations(after.Config, person(append([]string{e}, res.Moved...))); len(d) > 0 {
			t.Fatalf("%s is still declared at %s", e, d[0].Addr)
		}
	})
}
