package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/switchboardhq/switchboard/views"
)

// tokensIndex handles GET /tokens: every API token, its scopes and last use.
func (s *Server) tokensIndex(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.APITokens(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.TokensPage(s.shell(r, "API tokens"), ts))
}

// tokensRevoke handles POST /tokens/{id}/revoke: the token stops working at
// once; revoking it again changes nothing.
func (s *Server) tokensRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	t, err := s.store.RevokeAPIToken(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, "token.revoke", fmt.Sprintf("token:%d", t.ID),
		map[string]any{"name": t.Name}); err != nil {
		return err
	}
	s.flash(ctx, "ok", "Revoked the token "+t.Name+".")
	redirectAfterPost(w, r, "/tokens")
	return nil
}
