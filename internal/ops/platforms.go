package ops

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
)

// PlatformsRequest asks for the platforms roster knows; Now is the moment
// the configuration's expiry is judged at while it is loaded.
type PlatformsRequest struct {
	Now time.Time
}

// Platforms returns the built-in platform profiles and, when the
// configuration directory holds a configuration, the platforms it
// declares, sorted by name.
func Platforms(env *Env, req PlatformsRequest) ([]*model.Platform, error) {
	m, err := platforms(env, req.Now)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Platform, 0, len(m))
	for _, n := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[n])
	}
	return out, nil
}

// PlatformRequest asks for one platform by name.
type PlatformRequest struct {
	Now  time.Time
	Name string
}

// Platform returns the platform named, built in or declared, or an error
// naming those there are.
func Platform(env *Env, req PlatformRequest) (*model.Platform, error) {
	m, err := platforms(env, req.Now)
	if err != nil {
		return nil, err
	}
	p, ok := m[req.Name]
	if !ok {
		return nil, errorf("unknown platform %q; known platforms: %s", req.Name, strings.Join(slices.Sorted(maps.Keys(m)), ", "))
	}
	return p, nil
}

// platforms are the built-in profiles without a configuration, else the
// configuration's platforms (built-in and declared).
func platforms(env *Env, now time.Time) (map[string]*model.Platform, error) {
	files, _ := filepath.Glob(filepath.Join(env.Dir, "*.hcl"))
	if len(files) == 0 {
		if _, err := os.Stat(env.Dir); err != nil {
			return nil, errorf("configuration directory %s: %v", env.Dir, err)
		}
		return config.BuiltinPlatforms(), nil
	}
	res, err := LoadConfig(env.Dir, now, env.View)
	if err != nil {
		return nil, err
	}
	return res.Config.Platforms, nil
}
