package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// scopeFlags collects repeated --scope flags (each may also be a
// comma-separated list).
type scopeFlags []string

func (s *scopeFlags) String() string { return strings.Join(*s, ",") }

func (s *scopeFlags) Set(v string) error {
	for _, sc := range strings.Split(v, ",") {
		sc = strings.TrimSpace(sc)
		if !store.ValidScope(sc) {
			return fmt.Errorf("unknown scope %q (use %s)", sc, strings.Join(store.Scopes, ", "))
		}
		if !slices.Contains(*s, sc) {
			*s = append(*s, sc)
		}
	}
	return nil
}

func cmdToken(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"token needs a subcommand: token create, token list or token revoke"}
	}
	switch args[0] {
	case "create":
		return cmdTokenCreate(ctx, cfg, args[1:], stdout)
	case "list":
		return cmdTokenList(ctx, cfg, stdout)
	case "revoke":
		return cmdTokenRevoke(ctx, cfg, args[1:], stdout)
	}
	return usageError{fmt.Sprintf("unknown token subcommand %q: use create, list or revoke", args[0])}
}

func cmdTokenCreate(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "")
	var scopes scopeFlags
	fs.Var(&scopes, "scope", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"token create: " + err.Error()}
	}
	if strings.TrimSpace(*name) == "" {
		return usageError{"token create needs --name (what the token is for)"}
	}
	if len(scopes) == 0 {
		// A token gets only what it is for: every scope must be asked for.
		return usageError{"token create needs --scope, repeated or comma-separated, from: " + strings.Join(store.Scopes, ", ") +
			" (e.g. --scope " + store.ScopeTicketsWrite + " for the contact form)"}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	tok, hash, err := store.NewAPIToken()
	if err != nil {
		return err
	}
	id, err := st.CreateAPIToken(ctx, *name, hash, scopes)
	if err != nil {
		return err
	}
	if err := st.Audit(ctx, "cli", "token.create", fmt.Sprintf("token:%d", id), map[string]any{"name": *name, "scopes": scopes}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func cmdTokenList(ctx context.Context, cfg config, stdout io.Writer) error {
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	ts, err := store.New(pool).APITokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tSTATUS")
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, t := range ts {
		status := "live"
		if t.RevokedAt != nil {
			status = "revoked " + when(t.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","),
			when(&t.CreatedAt), when(t.LastUsedAt), status)
	}
	return tw.Flush()
}

func cmdTokenRevoke(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usageError{"token revoke needs one token NAME or ID (see token list)"}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	id, err := tokenID(ctx, st, args[0])
	if err != nil {
		return err
	}
	t, err := st.RevokeAPIToken(ctx, id)
	if err != nil {
		return err
	}
	if err := st.Audit(ctx, "cli", "token.revoke", fmt.Sprintf("token:%d", t.ID), map[string]any{"name": t.Name}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked token %d (%s)\n", t.ID, t.Name)
	return nil
}

// tokenID resolves a token's ID or its name; a name shared by several live
// tokens must be given as an ID.
func tokenID(ctx context.Context, st *store.Store, arg string) (int64, error) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return id, nil
	}
	ts, err := st.APITokensByName(ctx, arg)
	switch {
	case err != nil:
		return 0, err
	case len(ts) == 0:
		return 0, fmt.Errorf("no live token is named %q (see switchboard token list)", arg)
	case len(ts) > 1:
		return 0, errors.New("several live tokens are named " + strconv.Quote(arg) + ": revoke one by its ID (see switchboard token list)")
	}
	return ts[0].ID, nil
}
