package ops

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/model"
)

// StateEditRequest is a rename (state mv: From and To) or a forgetting
// (state rm: From alone) by hand, in the state only.
type StateEditRequest struct {
	From        model.Address
	To          *model.Address // nil: forget From
	Actor       string
	LockTimeout time.Duration
}

// StateEdit renames or forgets an object, with what is under it, under
// the state lock, with evidence (schema/language.md "moved").
func StateEdit(ctx context.Context, env *Env, req StateEditRequest) (*apply.Result, error) {
	if err := CheckSigner(); err != nil {
		return nil, err
	}
	name := "state rm"
	if req.To != nil {
		name = "state mv"
	}
	st, snap, done, err := env.openLocked(ctx, name, req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer done()
	meta := apply.Meta{Actor: cmp.Or(req.Actor, envActor()), Time: time.Now().UTC(), Sign: signFunc()}
	var res *apply.Result
	if req.To != nil {
		res, err = apply.StateMove(ctx, st, snap, req.From, *req.To, meta)
	} else {
		res, err = apply.StateForget(ctx, st, snap, req.From, meta)
	}
	var refused *apply.RefusedError
	if errors.As(err, &refused) {
		return nil, &Error{Msg: refused.Msg}
	}
	if err != nil {
		return nil, StoreOrError(err)
	}
	return res, nil
}
