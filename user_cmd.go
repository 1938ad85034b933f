package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// readPassword reads a new password (the first line of stdin) and checks it
// against the password policy.
func readPassword(stdin io.Reader, email string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if msg := store.PasswordProblem(pw, email); msg != "" {
		return "", errors.New("the password (first line of stdin): " + msg)
	}
	return pw, nil
}

func cmdUser(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"user needs a subcommand: user add, user reset-password or user mfa-reset"}
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, cfg, args[1:], stdin, stdout)
	case "reset-password":
		return cmdUserResetPassword(ctx, cfg, args[1:], stdin, stdout)
	case "mfa-reset":
		return cmdUserMFAReset(ctx, cfg, args[1:], stdout)
	}
	return usageError{fmt.Sprintf("unknown user subcommand %q: use add, reset-password or mfa-reset", args[0])}
}

// cmdUserResetPassword sets a user's password from stdin and ends every
// session the user has.
func cmdUserResetPassword(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"user reset-password: " + err.Error()}
	}
	if !store.ValidEmail(*email) {
		return usageError{"user reset-password needs --email with a valid address"}
	}
	pw, err := readPassword(stdin, *email)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user has the email %s", *email)
	} else if err != nil {
		return err
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	if u, err = st.SetUserPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	if err := st.Audit(ctx, "cli", "user.reset_password", fmt.Sprintf("user:%d", u.ID), map[string]any{"email": u.Email}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reset the password of %s (id %d); their sessions are ended\n", u.Email, u.ID)
	return nil
}

// cmdUserMFAReset removes a user's second factors and recovery codes (a lost
// device) and ends every session the user has; audit-logged.
func cmdUserMFAReset(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user mfa-reset", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"user mfa-reset: " + err.Error()}
	}
	if !store.ValidEmail(*email) {
		return usageError{"user mfa-reset needs --email with a valid address"}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user has the email %s", *email)
	} else if err != nil {
		return err
	}
	if err := st.ResetMFA(ctx, u.ID, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed the second factors and recovery codes of %s (id %d); their sessions are ended\n", u.Email, u.ID)
	return nil
}
