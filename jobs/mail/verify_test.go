package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/mail"
)

func TestVerifyLogsInAndSendsNothing(t *testing.T) {
	t.Parallel()
	srv := apptest.NewSMTP(t)
	s, err := mail.ParseSMTP(srv.URL(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background(), nil); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	bad, _ := mail.ParseSMTP(strings.Replace(srv.URL(), srv.Password, "wrong-password", 1), "a@example.com")
	if err := bad.Verify(context.Background(), nil); !errors.Is(err, mail.ErrAuth) || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("bad credentials: got %v, want ErrAuth without the password", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("Verify sent %d messages", n)
	}
}
