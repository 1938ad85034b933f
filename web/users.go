package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

var consoleRoles = []string{store.UserAdmin, store.UserSupport, store.UserSeller}

// usersIndex handles GET /users.
func (s *Server) usersIndex(w http.ResponseWriter, r *http.Request) error {
	return s.usersPage(w, r, http.StatusOK, views.UserForm{Role: store.UserSupport})
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, status int, form views.UserForm) error {
	us, err := s.store.Users(r.Context(), 1000)
	if err != nil {
		return err
	}
	d := views.UsersData{Users: us, MeID: currentUser(r.Context()).ID, Form: form, Roles: consoleRoles}
	return s.render(w, r, status, views.UsersPage(s.shell(r, "Users"), d))
}

// sellerAccount checks the role's account: sellers need an existing account,
// the others none. It returns a message for the form when something is wrong.
func (s *Server) sellerAccount(r *http.Request, role, raw string) (*int64, string, error) {
	if !store.ValidUserRole(role) {
		return nil, "Role must be admin, support or seller.", nil
	}
	if role != store.UserSeller {
		return nil, "", nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return nil, "A seller needs the ID of their seller account.", nil
	}
	a, err := s.store.AccountByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Sprintf("There is no account %d.", id), nil
	}
	if err != nil {
		return nil, "", err
	}
	return &a.ID, "", nil
}

// usersCreate handles POST /users: email, password, role, account_id.
func (s *Server) usersCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form := views.UserForm{Email: strings.TrimSpace(r.PostFormValue("email")), Role: r.PostFormValue("role"),
		AccountID: r.PostFormValue("account_id")}
	pw := r.PostFormValue("password")
	acct, msg, err := s.sellerAccount(r, form.Role, form.AccountID)
	switch {
	case err != nil:
		return err
	case msg != "":
		// The role or seller account is wrong: say that first.
	case !store.ValidEmail(form.Email):
		msg = "Give a valid email address."
	default:
		msg = store.PasswordProblem(pw, form.Email)
	}
	if msg != "" {
		form.Error = msg
		return s.usersPage(w, r, http.StatusUnprocessableEntity, form)
	}
	var hash string
	if herr := s.withHashSlot(ctx, func() { hash, err = store.HashPassword(pw) }); herr != nil {
		return herr
	}
	if err != nil {
		return err
	}
	u, err := s.store.CreateUser(ctx, form.Email, hash, form.Role, acct)
	if errors.Is(err, store.ErrConflict) {
		form.Error = "A user with that email already exists."
		return s.usersPage(w, r, http.StatusUnprocessableEntity, form)
	} else if err != nil {
		return err
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, "user.add", fmt.Sprintf("user:%d", u.ID),
		map[string]any{"email": u.Email, "role": u.Role}); err != nil {
		return err
	}
	s.flash(ctx, "ok", "Added "+u.Email+" as "+u.Role+".")
	redirectAfterPost(w, r, "/users")
	return nil
}

// otherUser reads {id} and refuses the signed-in user's own ID: an admin never
// demotes or disables themselves (so one admin always remains).
func otherUser(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, notFound()
	}
	if id == currentUser(r.Context()).ID {
		return 0, badRequest("You cannot change your own role or disable yourself; ask another admin.")
	}
	return id, nil
}

// usersSetRole handles POST /users/{id}/role: role, account_id. The user's
// session gets a new token at their next request.
func (s *Server) usersSetRole(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := otherUser(r)
	if err != nil {
		return err
	}
	before, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	role := r.PostFormValue("role")
	acct, msg, err := s.sellerAccount(r, role, r.PostFormValue("account_id"))
	if err != nil {
		return err
	}
	if msg != "" {
		return apiError{http.StatusUnprocessableEntity, msg}
	}
	u, err := s.store.SetUserRole(ctx, id, role, acct)
	if err != nil {
		return err
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, "user.role", fmt.Sprintf("user:%d", id),
		map[string]any{"email": u.Email, "from": before.Role, "to": u.Role, "account_id": u.AccountID}); err != nil {
		return err
	}
	s.flash(ctx, "ok", u.Email+" is now "+u.Role+".")
	redirectAfterPost(w, r, "/users")
	return nil
}

// usersDisable handles POST /users/{id}/disable: the user is signed out at
// their next request and cannot sign in.
func (s *Server) usersDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, true)
}

// usersEnable handles POST /users/{id}/enable.
func (s *Server) usersEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	ctx := r.Context()
	id, err := otherUser(r)
	if err != nil {
		return err
	}
	u, err := s.store.SetUserDisabled(ctx, id, disabled)
	if err != nil {
		return err
	}
	action, word := "user.enable", "enabled"
	if disabled {
		action, word = "user.disable", "disabled"
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, action, fmt.Sprintf("user:%d", id),
		map[string]any{"email": u.Email}); err != nil {
		return err
	}
	s.flash(ctx, "ok", u.Email+" is "+word+".")
	redirectAfterPost(w, r, "/users")
	return nil
}
